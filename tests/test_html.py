import pytest

from detector.io.decode import looks_like_html
from detector.io.html import _mended, extract_html, segment_html
from detector.io.html_stream import extract_streamed
from detector.text.segment import CAPTION

ARTICLE = """<!doctype html><html><head><title>Putin and Xi</title>
<script>alert('x'); var tracking = "SCRIPT_TEXT";</script><style>p {color: red}</style></head>
<body><nav><a href="/">Home</a> <a href="/world">World</a></nav>
<article>
<h1>Putin hails model relations with China</h1>
<p>Russian President Vladimir Putin on Wednesday hailed Russia's model relations with China in a call with Chinese leader Xi Jinping.</p>
<figure><img src="a.jpg"><figcaption>Vladimir Putin (pictured during the call) and Xi Jinping hailed their friendship</figcaption></figure>
<p>The video call came days after G7 foreign ministers discussed Moscow's sabre-rattling against Ukraine and Beijing's crackdowns.</p>
<figure><img src="b.jpg"><figcaption><span class="caption-text">Xi Jinping and Vladimir Putin were pictured together during the call</span></figcaption></figure>
<p>Russia rejects the allegations and blames the West for stoking tensions, officials in Moscow said on Thursday evening.</p>
</article>
<footer>Copyright 2021 Example News. All rights reserved.</footer>
</body></html>"""


def test_sniffs_html():
    assert looks_like_html(ARTICLE)
    assert looks_like_html("<p>Hello</p>")
    assert not looks_like_html("Plain text about <b>tags</b> later on.")


def test_body_extracted_without_scripts_or_navigation():
    extracted = extract_html(ARTICLE)
    assert "hailed Russia's model relations" in extracted.text
    assert "SCRIPT_TEXT" not in extracted.text and "alert(" not in extracted.text
    assert "color: red" not in extracted.text


def test_captions_extracted_once_each_and_marked():
    doc = segment_html(ARTICLE)
    captions = [s.text for s in doc.sentences if s.kind == CAPTION]
    assert captions == [
        "Vladimir Putin (pictured during the call) and Xi Jinping hailed their friendship",
        "Xi Jinping and Vladimir Putin were pictured together during the call",
    ]
    assert doc.source == "html"
    for s in doc.sentences:
        assert doc.text[s.start : s.end] == s.text


def test_preformatted_blocks_are_left_out_unless_they_are_the_page():
    listing = "<pre><code>" + "\n".join(f"hi number {i} from the spawned thread!" for i in range(1, 6)) * 2 + "</code></pre>"
    page = ARTICLE.replace("<p>Russia rejects", listing + " The text after the listing stays.<p>Russia rejects")
    text = extract_html(page).text
    assert "hi number" not in text and "hailed Russia's model relations" in text and "Russia rejects the allegations" in text
    assert "The text after the listing stays." in text
    release = (
        "<html><body><pre>" + "\n".join(["Press release: the council approved the budget on Tuesday evening."] * 3) + "</pre></body></html>"
    )
    assert "the council approved the budget" in extract_html(release).text


def test_line_breaks_in_the_pages_source_are_not_line_breaks_in_its_text():
    """A browser shows a paragraph's source line breaks as spaces; trafilatura kept them where the
    paragraph has inline code, and each source line became a line of its own ("If", "The")."""
    paragraph = (
        "<p>The other arm handles the case where we get an <code>Err</code> value. In this example, we call the\n"
        "<code>panic!</code> function. If\nthere is no file named <em>hello.txt</em> in our directory and we run this\ncode, "
        "we see the output of the <code>panic!</code> function.</p>"
    )
    page = ARTICLE.replace("<p>Russia rejects", paragraph + "<p>Russia rejects")
    lines = extract_html(page).text.splitlines()
    assert any(line.startswith("The other arm handles") and line.endswith("of the panic! function.") for line in lines), lines
    assert "If" not in lines
    fragment = "<div><pre>first line\nsecond line</pre><p>one\ntwo</p></div>"  # read block by block: <pre> keeps its lines
    assert extract_html(fragment).text.splitlines() == ["first line", "second line", "one two"]


def test_tiny_fragment_falls_back_to_block_text():
    doc = segment_html("<div><p>First short line.</p><p>Second short line.</p><script>evil()</script></div>")
    assert [s.text for s in doc.sentences] == ["First short line.", "Second short line."]


def test_malformed_html_does_not_raise():
    doc = segment_html("<html><body><p>Unclosed <b>bold <i>text and a sentence here.</body>")
    assert any("sentence here" in s.text for s in doc.sentences)


DEEP_PARAGRAPH = "<p>The minister said on Tuesday that the talks would continue in Geneva.</p>"


@pytest.mark.parametrize("depth", [255, 256, 300, 3000, 20000])
def test_html_of_any_depth_keeps_its_text(depth):
    """libxml2 stops 256 elements deep; the page is then read by the streaming reader."""
    html = (
        "<html><body><h1>Talks go on</h1>"
        + "<div>" * depth
        + DEEP_PARAGRAPH
        + "<figure><figcaption>The minister.</figcaption></figure>"
        + "</div>" * depth
        + "</body></html>"
    )
    doc = segment_html(html)
    assert [s.text for s in doc.sentences] == [
        "Talks go on",
        "The minister said on Tuesday that the talks would continue in Geneva.",
        "The minister.",
    ]
    assert [s.kind for s in doc.sentences][-1] == CAPTION


def test_150k_unclosed_inline_tags_keep_their_text():
    doc = segment_html("<html><body>" + "<b>" * 150_000 + DEEP_PARAGRAPH + "<script>evil()</script></body></html>")
    assert [s.text for s in doc.sentences] == ["The minister said on Tuesday that the talks would continue in Geneva."]


def test_streamed_captions_by_class_close_with_their_element():
    text, ranges = extract_streamed('<p>Body one.</p><div class="img-caption"><div>Inner</div> words</div><p>After.</p>')
    assert text == "Body one.\nInner\nwords\nAfter."
    assert [text[a:b] for a, b in ranges] == ["Inner", "words"]


def test_a_page_s_stated_publication_date_reaches_the_report(baseline_detector):
    body = "<article><p>Putin spoke with Xi on Wednesday about the Winter Olympics in Beijing.</p></article>"
    dated = f'<html><head><meta property="article:published_time" content="2022-01-03T10:00:00Z"></head><body>{body}</body></html>'
    report = baseline_detector.score(dated, html=True)
    assert report.published == "2022-01-03" and report.to_dict()["published"] == "2022-01-03"
    assert baseline_detector.score(dated, html=True, published="2022-01-05").published == "2022-01-05"  # the record's own date wins
    # a date in the running text is not guessed at
    undated = f"<html><body><article><p>Published on 5 March 2023.</p>{body}</article></body></html>"
    assert baseline_detector.score(undated, html=True).published is None


def test_mojibake_is_mended_in_the_article_and_counted_there_only():
    garbled = "It wasnâ€™t the cafÃ©, she said."
    story = "".join(
        f"<p>Paragraph {n} of the story: the council met on Tuesday and approved the budget for next year after a long debate.</p>"
        for n in range(6)
    )
    page = (
        "<html><body><nav><ul><li><a href='/'>Homeâ€™s menu Ã©tÃ©</a></li><li><a href='/b'>Sport</a></li></ul></nav>"
        f"<article><h1>Council approves budget</h1><p>{garbled} The vote was close.</p>{story}</article></body></html>"
    )
    extracted = extract_html(page)
    assert "It wasn’t the café, she said." in extracted.text and "â€" not in extracted.text
    assert extracted.mojibake_mended == 2 and segment_html(page).mojibake_mended == 2  # ’ and é: not the menu's


def test_captions_are_mended_apart_and_their_ranges_moved():
    text = "Body wasnâ€™t here.\n\nThe mayorâ€™s office\nA plain caption"
    ranges = [(len("Body wasnâ€™t here.\n\n"), len("Body wasnâ€™t here.\n\nThe mayorâ€™s office")), (len(text) - 15, len(text))]
    mended, moved, count = _mended(text, ranges)
    assert [mended[a:b] for a, b in moved] == ["The mayor’s office", "A plain caption"] and count == 2


def test_a_caption_the_extractor_kept_inside_a_line_is_not_appended_again():
    page = (
        "<html><body><article><p>The council met on Tuesday and approved the budget for next year.</p>"
        "<figure><img src='x.jpg'><figcaption>The mayor’s office on Tuesday</figcaption></figure></article></body></html>"
    )
    assert extract_html(page).text.count("The mayor’s office on Tuesday") == 1
