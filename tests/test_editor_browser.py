"""The editor page driven in headless Debian Chromium through Playwright (no browser download)."""

from pathlib import Path

import pytest
from conftest import SPUN_PASSAGE
from servers import serve

CHROMIUM = Path("/usr/bin/chromium")
ROOT = Path(__file__).resolve().parents[1]
pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(not CHROMIUM.exists(), reason="Debian chromium is not installed (.ci/run installs it)"),
]


@pytest.fixture(scope="module")
def server(baseline_detector):
    yield from serve(baseline_detector)


@pytest.fixture(scope="module")
def page(server, tmp_path_factory):
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(
            executable_path=str(CHROMIUM),
            args=["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update", "--disable-sync"],
        )
        page = browser.new_page(viewport={"width": 1400, "height": 1000})
        errors = []
        page.on("pageerror", lambda e: errors.append(str(e)))
        page.goto(server)
        page.errors = errors
        yield page
        browser.close()


def load_seed(page, prefix="000"):
    page.wait_for_selector("#examples option:nth-child(6)", state="attached")
    name = page.eval_on_selector_all("#examples option", "opts => opts.map(o => o.value)")
    page.evaluate("document.body.dataset.state = 'idle'")
    page.select_option("#examples", "")
    page.select_option("#examples", next(n for n in name if n.startswith(prefix)))
    page.wait_for_selector("body[data-state=scored]")


def test_seed_000_highlights_duplicates_and_garbled_list(page, tmp_path):
    load_seed(page, "000")
    assert "spun" in page.text_content("#verdict")
    duplicates = page.locator(".sentence.flagged.t-duplicate")
    assert duplicates.count() >= 14  # seven reworded caption pairs, both sides
    garbled = page.locator(".sentence.flagged.t-garbled_list")
    assert garbled.count() >= 2
    assert "Canada" in [m.text_content() for m in garbled.first.locator("mark.evidence").all()]
    shot = tmp_path / "editor-seed-000.png"  # as reports/editor-seed-000.png (the README's) was taken
    page.screenshot(path=str(shot), full_page=False)
    assert shot.read_bytes().startswith(b"\x89PNG") and shot.stat().st_size > 10_000
    assert not page.errors


def test_hover_shows_evidence_and_the_restated_sentence(page):
    load_seed(page, "000")
    target = page.locator(".sentence.flagged.t-duplicate", has_text="These talks were also held after")
    target.hover()
    assert "reworded_copy" in page.inner_html("#details")
    related = page.locator(".sentence.related")
    assert related.count() >= 1 and "The talks also came after" in related.first.text_content()


def test_slider_and_filters_update_without_a_request(page):
    load_seed(page, "000")
    before = page.locator(".sentence.flagged").count()
    requests = []
    page.on("request", lambda r: requests.append(r.url))
    page.eval_on_selector("#threshold", "el => { el.value = '0.95'; el.dispatchEvent(new Event('input')); }")
    after = page.locator(".sentence.flagged").count()
    assert 0 <= after < before
    page.eval_on_selector("#threshold", "el => { el.value = '0.5'; el.dispatchEvent(new Event('input')); }")
    page.uncheck("#filters input[value=duplicate]")
    assert page.locator(".sentence.flagged.t-duplicate").count() == 0
    page.check("#filters input[value=duplicate]")
    assert page.locator(".sentence.flagged").count() == before
    assert not [u for u in requests if "/api/" in u]


def test_keyboard_moves_between_suspect_sentences(page):
    load_seed(page, "000")
    page.click("h1")
    page.keyboard.press("n")
    first = page.evaluate("document.activeElement.dataset.index")
    page.keyboard.press("n")
    second = page.evaluate("document.activeElement.dataset.index")
    assert first is not None and second is not None and int(second) > int(first)
    page.keyboard.press("p")
    assert page.evaluate("document.activeElement.dataset.index") == first
    assert page.text_content("#details h2").startswith("Score")


def test_user_html_is_rendered_as_text_never_run(page):
    evil = (
        "Australia, Canada, Britain, and Canada are not sending representatives. <script>window.__xss = 1</script>\n"
        '<img src=x onerror="window.__xss = 2"> and <b>bold</b> text stay text.'
    )
    page.fill("#article", evil)
    page.evaluate("document.body.dataset.state = 'idle'")
    page.click("#score")
    page.wait_for_selector("body[data-state=scored]")
    assert page.evaluate("window.__xss") is None
    assert page.locator("#view img").count() == 0 and page.locator("#view script").count() == 0
    assert "<img src=x" in page.text_content("#view")
    assert not page.errors


def test_an_html_file_can_be_loaded_and_the_report_downloaded(page, tmp_path):
    import json

    html = tmp_path / "article.html"
    html.write_text(
        "<html><body><article><p>Britain, France and Britain signed the treaty on Monday in Paris.</p>"
        "<figure><img src=a.jpg><figcaption>Leaders at the signing ceremony</figcaption></figure></article></body></html>",
        encoding="utf-8",
    )
    page.evaluate("document.body.dataset.state = 'idle'")
    page.set_input_files("#file", str(html))
    page.wait_for_selector("body[data-state=scored]")
    assert page.locator(".sentence.flagged.t-garbled_list").count() == 1
    assert "Leaders at the signing ceremony" in page.text_content("#view")
    with page.expect_download() as download:
        page.click("#download")
    report = json.loads(Path(download.value.path()).read_text(encoding="utf-8"))
    assert report["source"] == "html" and report["counts"]["garbled_list"] == 1


@pytest.fixture(scope="module")
def model_server(tmp_path_factory):
    """The page over the shipped default model (threshold 0.5), with a hand-spun passage among the
    examples: its token head marks the swapped words."""
    from detector import Detector

    examples = tmp_path_factory.mktemp("examples")
    (examples / "900_spun_passage.txt").write_text(SPUN_PASSAGE, encoding="utf-8")
    for seed in (ROOT / "seeds").glob("*.txt"):
        (examples / seed.name).write_text(seed.read_text(encoding="utf-8"), encoding="utf-8")
    yield from serve(Detector.from_pretrained(threshold=0.5), examples)


def test_swapped_words_are_marked_inside_their_sentence(page, server, model_server):
    import json
    import urllib.request

    request = urllib.request.Request(
        model_server + "/api/score", data=json.dumps({"text": SPUN_PASSAGE}).encode(), headers={"Content-Type": "application/json"}
    )
    report = json.load(urllib.request.urlopen(request, timeout=120))
    hits = [(s, e) for s in report["sentences"] for e in s["evidence"] if e["rule"] == "swapped_words"]
    assert hits, "the default model marks swapped words in the spun passage"
    sentence, evidence = hits[0]
    try:
        page.goto(model_server)
        load_seed(page, "900")  # the passage, among the examples as 900_spun_passage.txt
        node = page.locator(f'.sentence[data-index="{sentence["index"]}"]')
        marked = {m.text_content() for m in node.locator("mark.evidence").all()}
        words = {span["text"] for span in evidence["spans"]}
        assert marked & words, f"none of {words} is marked in the page (marks: {marked})"
        node.hover()
        assert "swapped_words" in page.inner_html("#details")
        assert not page.errors
    finally:
        page.goto(server)


def _api_report(base: str, text: str, threshold: float | None = None) -> dict:
    import json
    import urllib.request

    body = {"text": text} if threshold is None else {"text": text, "threshold": threshold}
    request = urllib.request.Request(base + "/api/score", data=json.dumps(body).encode(), headers={"Content-Type": "application/json"})
    return json.load(urllib.request.urlopen(request, timeout=120))


def _highlighted(page) -> dict[int, str]:
    return {int(n.get_attribute("data-index")): n.get_attribute("data-type") for n in page.locator(".sentence.flagged").all()}


def test_the_page_highlights_exactly_what_the_server_flags_at_every_threshold(page, server, model_server, seeds):
    """One source of truth: the page colours a sentence if and only if the report flags it, by its
    first flag, at the server's threshold and, moved with the slider, at the report's for that one."""
    try:
        page.goto(model_server)
        for prefix in ("000", "002"):
            load_seed(page, prefix)
            report = _api_report(model_server, seeds[prefix])
            expected = {s["index"]: s["flags"][0] for s in report["sentences"] if s["flags"]}
            assert _highlighted(page) == expected, prefix
            for threshold in (0.3, 0.95):
                page.fill("#threshold", str(threshold))
                page.dispatch_event("#threshold", "input")
                moved = _api_report(model_server, seeds[prefix], threshold)
                assert _highlighted(page) == {s["index"]: s["flags"][0] for s in moved["sentences"] if s["flags"]}, (prefix, threshold)
        assert not page.errors
    finally:
        page.goto(server)


def test_the_page_gives_a_sentence_without_a_word_no_learned_type_as_the_server_does(page, server, model_server, seeds):
    from test_flags import wordless_lines_in

    text = wordless_lines_in(seeds["003"])
    try:
        page.goto(model_server)
        _score_text(page, text)
        page.fill("#threshold", "0.3")
        page.dispatch_event("#threshold", "input")
        report = _api_report(model_server, text, 0.3)
        wordless = {s["index"] for s in report["sentences"] if s["text"] in {")", "```", '"'}}
        assert len(wordless) == 3 and all(report["sentences"][i]["learned"] is False for i in wordless)
        assert max(report["sentences"][i]["labels"]["machine_translated"] for i in wordless) > 0.3
        shown = _highlighted(page)
        assert shown == {s["index"]: s["flags"][0] for s in report["sentences"] if s["flags"]}
        assert not wordless & set(shown)
        assert not page.errors
    finally:
        page.goto(server)


def _score_text(page, text, timeout_ms=30_000):
    page.evaluate("document.body.dataset.state = 'idle'")
    page.fill("#article", text)
    page.click("#score")
    page.wait_for_selector("body[data-state=scored], body[data-state=error]", timeout=timeout_ms)


def test_a_new_score_or_an_error_leaves_nothing_of_the_last_article(page, seeds):
    load_seed(page, "000")
    page.locator(".sentence.flagged").first.hover()
    assert "Why" in page.inner_text("#details")
    _score_text(page, seeds["003"])
    assert "Why" not in page.inner_text("#details") and "Hover or focus" in page.inner_text("#details")
    load_seed(page, "000")
    _score_text(page, "<html><body><script>1</script></body></html>")  # HTML with no readable text: 422
    assert page.get_attribute("body", "data-state") == "error"
    assert "422" in page.text_content("#status") and "readable text" in page.text_content("#status")
    assert page.locator("#summary").is_hidden() and page.locator("#view .sentence").count() == 0
    assert page.text_content("#verdict") == "" and page.locator("#retry").is_hidden()  # retrying cannot help
    assert page.text_content("#verdict-reason") == ""
    assert not page.errors


def test_the_server_down_or_slow_gets_a_message_and_a_retry(page, seeds):
    page.route("**/api/score", lambda route: route.abort())
    try:
        _score_text(page, seeds["000"])
        assert "Cannot reach the millcheck server" in page.text_content("#status")
        assert page.locator("#retry").is_visible() and not page.is_disabled("#score")
    finally:
        page.unroute("**/api/score")
    page.evaluate("document.body.dataset.state = 'idle'")
    page.click("#retry")
    page.wait_for_selector("body[data-state=scored]")
    assert page.locator(".sentence.flagged").count() > 0 and page.locator("#retry").is_hidden()

    held = []
    page.route("**/api/score", lambda route: held.append(route))  # never answered
    try:
        page.evaluate("window.MILLCHECK_TIMEOUT_MS = 500")
        _score_text(page, seeds["000"])
        assert "did not answer within" in page.text_content("#status") and page.locator("#retry").is_visible()
    finally:
        page.evaluate("delete window.MILLCHECK_TIMEOUT_MS")
        page.unroute("**/api/score")
    assert not page.errors


def test_the_score_button_is_disabled_while_scoring(page, seeds):
    held = []
    page.route("**/api/score", lambda route: held.append(route))
    try:
        page.evaluate("document.body.dataset.state = 'idle'")
        page.fill("#article", seeds["000"])
        page.click("#score")
        page.wait_for_selector("body[data-state=scoring]")
        assert page.is_disabled("#score") and page.text_content("#status") == "Scoring…"
        page.wait_for_timeout(200)  # lets the route handler take the request
        assert held
        held[0].continue_()
        page.wait_for_selector("body[data-state=scored]")
        assert not page.is_disabled("#score")
    finally:
        page.unroute("**/api/score")


def test_the_verdict_and_the_download_follow_the_slider(page, model_server, server, seeds):
    try:
        page.goto(model_server)
        load_seed(page, "000")
        assert "does not count toward the verdict" in page.text_content("#boilerplate-note")
        for threshold in (0.99, 0.3):
            page.fill("#threshold", str(threshold))
            page.dispatch_event("#threshold", "input")
            page.dispatch_event("#threshold", "change")
            page.wait_for_selector(f'body[data-verdict-at="{threshold}"]')
            expected = _api_report(model_server, seeds["000"], threshold)
            assert page.text_content("#verdict") == f"Verdict: {expected['verdict']} (document score {expected['score']:.2f})"
            assert page.text_content("#verdict-reason") == f"Why: {expected['verdict_reason']}"  # the verdict's reason follows it
        page.uncheck('#filters input[value="duplicate"]')
        with page.expect_download() as download:
            page.click("#download")
        import json

        shown = json.loads(Path(download.value.path()).read_text())
        assert shown["threshold"] == 0.3 and "duplicate" not in shown["shown_types"]
        assert shown["verdict"] == expected["verdict"]
        on_screen = {int(n.get_attribute("data-index")) for n in page.locator(".sentence.flagged").all()}
        assert {s["index"] for s in shown["sentences"] if s["flags"]} == on_screen
        assert shown["sentences_flagged"] == len(on_screen) and shown["counts"]["duplicate"] == 0
        for s in shown["sentences"]:  # the download's flags are the server's at 0.3, less the hidden type
            want = next(x for x in expected["sentences"] if x["index"] == s["index"])["flags"]
            assert s["flags"] == [t for t in want if t != "duplicate"]
        node = page.locator(".sentence.flagged").first
        index, kind = int(node.get_attribute("data-index")), node.get_attribute("data-type")
        p = next(x for x in shown["sentences"] if x["index"] == index)["labels"][kind]
        assert node.get_attribute("data-strength") == f"{p:.2f}"  # the highlight's strength is the type's score
        page.check('#filters input[value="duplicate"]')
        assert not page.errors
    finally:
        page.goto(server)


def test_mended_mojibake_is_said_and_the_article_shown_mended(page, model_server, server):
    try:
        page.goto(model_server)
        _score_text(page, "Portugalâ€™s bailout was â‚¬78bn, officials said on Monday.\nThe talks went on for weeks.")
        assert page.locator("#mojibake").is_visible() and "2 mis-decoded characters mended" in page.text_content("#mojibake")
        assert "Portugal’s bailout was €78bn" in page.text_content("#view")
        _score_text(page, "The council met on Tuesday. It approved the budget.")
        assert page.locator("#mojibake").is_hidden()
        assert not page.errors
    finally:
        page.goto(server)


def test_a_document_too_short_for_learned_scores_says_so_on_the_page(page, model_server, server):
    try:
        page.goto(model_server)
        _score_text(page, "Since weeks Russia has been accused by the US and its allies of planning an invasion.")
        said = [page.text_content("#verdict-reason"), page.text_content("#low-confidence")]
        shown = [said[0], said[1] if page.locator("#low-confidence").is_visible() else ""]
        assert sum("too short" in text.lower() for text in shown) == 1  # said once: the reason, or the hint
        assert page.locator(".sentence.flagged.t-machine_translated, .sentence.flagged.t-spun").count() == 0
        _score_text(page, "The council met on Tuesday. It approved the budget.")
        assert page.locator("#low-confidence").is_hidden()
        assert not page.errors
    finally:
        page.goto(server)


GERMAN = (
    "Die Bundesregierung hat am Dienstag neue Maßnahmen zur Stärkung der Wirtschaft beschlossen.\n"
    "Die Opposition kritisierte das Paket als unzureichend und forderte weitere Entlastungen für Verbraucher."
)


def test_text_not_in_english_is_shown_not_scored(page, seeds):
    _score_text(page, GERMAN)
    assert "unsupported_language (de: not scored)" in page.text_content("#verdict")
    assert "not in English (de)" in page.text_content("#language-note")
    assert page.locator("#view p.skipped[data-language=de]").count() == 2
    assert page.locator(".sentence.flagged").count() == 0
    _score_text(page, seeds["001"] + "\n" + GERMAN)  # mixed: the English part is scored, the rest greyed
    assert "document score" in page.text_content("#verdict")
    assert "2 sentences in other languages (de) were not scored" in page.text_content("#language-note")
    skipped = page.locator("#view p.skipped")
    assert skipped.count() == 2 and skipped.first.get_attribute("title") == "not scored: de"
    _score_text(page, seeds["001"])
    assert page.locator("#language-note").is_hidden() and page.locator("#view p.skipped").count() == 0
    assert not page.errors


@pytest.fixture(scope="module")
def reference_server(tmp_path_factory, baseline_detector, seeds):
    """`detector serve --reference`: the originals 001 and 004 indexed, the evidence-only model."""
    from detector import Detector
    from detector.provenance.reference import ReferenceIndex

    folder = tmp_path_factory.mktemp("ref") / "wire.idx"
    originals = [baseline_detector.score(seeds[k], id=f"{k}-wire") for k in ("001", "004")]
    ReferenceIndex.write(folder, baseline_detector.reference_sides(originals), baseline_detector.encoder_name, 384)
    yield from serve(Detector.from_pretrained("evidence-baseline", reference=str(folder)))


def test_a_pasted_copy_shows_its_source_sentence_with_the_changed_words(page, server, reference_server, seeds):
    page.goto(reference_server)
    try:
        _score_text(page, seeds["000"])
        assert "Shares" in page.text_content("#sources") and "with 001-wire" in page.text_content("#sources")
        report = page.evaluate("state.report")
        reasons = page.locator("#sources > li").first.locator(".direction-reasons li")  # why this side is judged the copy
        assert reasons.all_inner_texts() == report["sources"][0]["direction_reasons"] and reasons.count() >= 1
        copied = [s for s in report["sentences"] if s.get("copied_from") and any(e["rule"] == "copied_from" for e in s["evidence"])]
        flagged = [s for s in copied if page.locator(f".sentence.flagged[data-index='{s['index']}']").count()]
        assert flagged, "no flagged sentence restates the original"
        target = flagged[0]
        page.locator(f".sentence.flagged[data-index='{target['index']}']").hover()
        details = page.inner_text("#details")
        assert f"Source: sentence {target['copied_from']['source_sentence']} of 001-wire" in details
        assert target["copied_from"]["source"]["text"][:40] in details
        changed_copy = page.locator("#details blockquote.copy-side mark.changed").all_text_contents()
        changed_source = page.locator("#details blockquote.source-side mark.changed").all_text_contents()
        assert changed_copy and changed_source
        assert set(changed_copy) <= {e["copy"]["text"] for e in target["copied_from"]["edits"]}
        assert not page.errors
    finally:
        page.goto(server)


@pytest.fixture(scope="module")
def lm_server(lm_detector):
    """`detector serve --lm`: the default model with the language model reading every sentence."""
    yield from serve(lm_detector)


def test_the_word_improbability_layer_shows_the_lm_reading_and_toggles(page, server, lm_server, seeds):
    page.goto(lm_server)
    try:
        # The LM reads every sentence (on a CPU without bf16 that took over 30 s in CI): wait as long
        # as the page itself does before it gives up (app.js TIMEOUT_MS, 120 s).
        _score_text(page, seeds["000"], timeout_ms=125_000)
        assert page.get_attribute("body", "data-state") == "scored", page.text_content("#status")
        assert page.locator("#heat-toggle").is_visible()
        report = page.evaluate("state.report")
        words = [w for s in report["sentences"] for w in s["lm_words"]]
        starts = "new Set([...document.querySelectorAll('#view .lm-word')].map(n => n.dataset.start)).size"
        assert page.evaluate(starts) == len(words), "every word the LM read is in the layer"
        worst = max(words, key=lambda w: w["improbability"])
        node = page.locator(f'#view .lm-word[data-improbability="{worst["improbability"]:.2f}"]').first
        assert worst["text"] in node.text_content()
        title = node.get_attribute("title")
        shown = page.evaluate(f"({worst['improbability']}).toFixed(1)")  # the page's rounding
        assert f"“{worst['text']}”" in title and f"improbability {shown}" in title
        if worst["alternative"]:
            assert f"the model expected “{worst['alternative']}”" in title
        flagged_before = page.evaluate("[...document.querySelectorAll('.sentence.flagged')].map(n => n.dataset.index)")
        page.uncheck("#heat")
        assert page.locator("#view .lm-word").count() == 0
        assert page.evaluate("[...document.querySelectorAll('.sentence.flagged')].map(n => n.dataset.index)") == flagged_before
        page.check("#heat")
        assert page.evaluate(starts) == len(words)
        assert not page.errors
    finally:
        page.goto(server)


def test_with_the_lm_the_page_answers_first_without_its_reading_then_with_it(page, server, lm_server, seeds):
    """`serve --lm`: the article is shown, highlighted, as soon as the classifier and the finders
    have read it (marked as waiting for the language model); the LM's report then takes its place."""
    page.goto(lm_server)
    try:
        page.wait_for_function("state.lm === true")
        page.evaluate("document.body.dataset.state = 'idle'")
        page.fill("#article", seeds["000"])
        page.click("#score")
        page.wait_for_selector("body[data-state=reading], body[data-state=error]", timeout=60_000)
        assert page.get_attribute("body", "data-state") == "reading", page.text_content("#status")
        assert "the language model is reading" in page.text_content("#status")
        assert page.locator("#view .sentence.flagged").count() > 0 and page.locator("#view .lm-word").count() == 0
        assert page.evaluate("state.report.sentences.every(s => !s.lm_words)")
        assert page.is_enabled("#score")  # a new article need not wait for the language model
        # the slider moved while the LM reads: its report is drawn once, at the slider's threshold
        page.evaluate(
            "drawnAt = []; const draw = render; window.render = () => { drawnAt.push(state.threshold); draw(); };"
            "$('threshold').value = '0.6'; $('threshold').dispatchEvent(new Event('input'))"
        )
        page.wait_for_selector("body[data-state=scored], body[data-state=error]", timeout=125_000)
        assert page.get_attribute("body", "data-state") == "scored", page.text_content("#status")
        assert set(page.evaluate("drawnAt")) == {0.6} and page.input_value("#threshold") == "0.6"
        assert "and the language model" in page.text_content("#status")
        assert page.evaluate("state.report.sentences.some(s => s.lm_words)") and page.locator("#view .lm-word").count() > 0
        assert not page.errors
    finally:
        page.goto(server)


def test_without_the_lm_there_is_no_word_layer(page, seeds):
    load_seed(page, "000")
    assert not page.locator("#heat-toggle").is_visible() and page.locator("#view .lm-word").count() == 0
