import codecs
import io
import random

import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from detector import Detector
from detector.errors import InputError
from detector.io.decode import DecodedText, check_text, decode_bytes, mend_mojibake, without_surrogates
from detector.io.readers import iter_records, read_jsonl
from detector.io.records import TextRecord


@pytest.mark.parametrize("data", [b"", b"   \n\t  ", "\ufeff".encode("utf-8") + b"  "])
def test_empty_is_refused(data):
    with pytest.raises(InputError) as exc:
        decode_bytes(data)
    assert exc.value.code == "empty"


def test_binary_is_refused():
    with pytest.raises(InputError) as exc:
        decode_bytes(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(range(256)) * 4)
    assert exc.value.code == "binary"
    assert "binary" in exc.value.message


def test_control_characters_are_refused_as_binary():
    with pytest.raises(InputError) as exc:
        check_text("".join(chr(c) for c in range(1, 9)) * 100)
    assert exc.value.code == "binary"


def test_utf8_passes_and_windows_1252_is_guessed():
    assert decode_bytes("Putin’s “model” relations.".encode()).encoding == "utf-8"
    decoded = decode_bytes("Putin’s “model” relations, café.".encode("cp1252"))
    assert decoded.text == "Putin’s “model” relations, café."
    assert decoded.encoding == "cp1252"


def test_utf16_with_bom():
    data = codecs.BOM_UTF16_LE + "Hello world, a sentence.".encode("utf-16-le")
    assert decode_bytes(data).text == "Hello world, a sentence."


def test_too_large_is_refused_with_a_fix():
    with pytest.raises(InputError) as exc:
        check_text("a" * 101, max_chars=100)
    assert exc.value.code == "too_large"
    assert "--max-chars" in exc.value.message
    with pytest.raises(InputError):
        decode_bytes(b"a" * 1000, max_chars=100)


def test_an_html_page_may_carry_its_markup_but_not_a_longer_article(tmp_path):
    """A news page is mostly markup (CNN's run to 2.5 MB): the page is allowed HTML_MARKUP_ALLOWANCE
    times max_chars, its article text max_chars itself."""
    page = "<html><head><script>" + "x" * 3000 + "</script></head><body><p>The council met on Tuesday.</p></body></html>"
    assert check_text(page, max_chars=1000, html=True) == page
    assert decode_bytes(page.encode(), max_chars=1000).text == page
    with pytest.raises(InputError) as exc:
        check_text(page, max_chars=100, html=True)
    assert exc.value.code == "too_large" and "20 times --max-chars" in exc.value.message
    small = Detector.from_pretrained("evidence-baseline", max_chars=1000)
    assert small.to_document(page).sentences[0].text == "The council met on Tuesday."
    long_article = "<html><body>" + "".join(f"<p>Item {n}: the council met on Tuesday and voted.</p>" for n in range(60)) + "</body></html>"
    with pytest.raises(InputError) as exc:
        small.to_document(long_article)
    assert exc.value.code == "too_large" and "article text" in exc.value.message
    (tmp_path / "page.html").write_text(page)
    (tmp_path / "notes.txt").write_text("word " * 1000)
    records = {r.id: r for r in iter_records([str(tmp_path)], max_chars=1000)}
    assert records["page.html"].error is None and records["notes.txt"].error.code == "too_large"


def test_bytes_said_not_to_be_html_are_held_to_the_text_limit_and_every_size_refusal_names_one_fix(tmp_path):
    """A caller's `html=False` holds bytes to the text limit, as it holds text: the page's markup
    allowance is for pages. Readers, decoding and the scorer word a refusal for size alike."""
    page = "<html><head><script>" + "x" * 3000 + "</script></head><body><p>The council met on Tuesday.</p></body></html>"
    small = Detector.from_pretrained("evidence-baseline", max_chars=1000)
    assert small.to_document(page.encode()).sentences[0].text == "The council met on Tuesday."
    refusals = []
    for attempt in (
        lambda: small.to_document(page.encode(), html=False),
        lambda: small.to_document(page, html=False),
        lambda: decode_bytes(page.encode(), max_chars=1000, html=False),
    ):
        with pytest.raises(InputError) as exc:
            attempt()
        refusals.append(exc.value)
    (tmp_path / "notes.txt").write_text("word " * 1000)
    refusals.append(next(iter_records([str(tmp_path / "notes.txt")], max_chars=100)).error)
    assert [e.code for e in refusals] == ["too_large"] * 4
    assert all(e.message.endswith("; split it or raise the limit (--max-chars)") for e in refusals)
    assert f"the document has {len(page):,} characters, over the limit of 1,000 characters" in refusals[1].message


def test_utf8_with_a_bad_byte_stays_utf8_and_counts_it():
    decoded = decode_bytes("It wasn’t the café, she said.".encode() + b"\xff")
    assert decoded.text == "It wasn’t the café, she said.\ufffd"
    assert (decoded.encoding, decoded.replaced_bytes) == ("utf-8", 1)


def test_a_legacy_code_page_needs_strong_evidence():
    # no valid multi-byte UTF-8 sequence at all: Windows-1252, nothing replaced
    assert decode_bytes(b"A caf\xe9 \x93quoted\x94 here.") == DecodedText("A café “quoted” here.", "cp1252", 0)
    # most bytes non-ASCII and no UTF-8: the guesser's code page (Cyrillic here)
    russian = "Президент заявил, что переговоры продолжатся на следующей неделе в Москве."
    decoded = decode_bytes(russian.encode("cp1251"))
    assert decoded.text == russian and decoded.encoding != "utf-8"


def test_utf8_bom_with_bad_bytes_is_counted():
    decoded = decode_bytes(codecs.BOM_UTF8 + b"hello \xff there")
    assert (decoded.text, decoded.encoding, decoded.replaced_bytes) == ("hello \ufffd there", "utf-8-sig", 1)


def test_lone_surrogates_are_replaced_and_counted():
    assert without_surrogates("a\ud800b\udfffc") == ("a\ufffdb\ufffdc", 2)
    assert without_surrogates("plain") == ("plain", 0)


def test_mojibake_is_mended_line_by_line_and_counted():
    """A scraper that read UTF-8 as Windows-1252 left "â€™" for "’" (BBC text in XSum's sample)."""
    scraped = "Portugalâ€™s bailout: â‚¬78bn (Â£57bn).\nCalvià Town Hall, Wasenstraße, a naïve café.\n"
    mended, count = mend_mojibake(scraped)
    assert mended == "Portugal’s bailout: €78bn (£57bn).\nCalvià Town Hall, Wasenstraße, a naïve café.\n"
    assert count == 3  # ’ € £: the second line's letters were right and stay as written
    for text in ("plain ASCII text", "Calvià Town Hall, Wasenstraße, “quoted” — naïve café", "SÃO PAULO (Reuters) -", "Путин заявил."):
        assert mend_mojibake(text) == (text, 0)
    assert mend_mojibake("Ã©tÃ©") == ("été", 2)


def test_a_mojibake_copy_scores_as_its_original_and_carries_its_mended_text(detector, seeds):
    import ftfy.bad_codecs  # noqa: F401  (registers "sloppy-windows-1252", as browsers decode it)

    mojibake = seeds["002"].encode("utf-8").decode("sloppy-windows-1252")
    original, mended = detector.score(seeds["002"]), detector.score(mojibake)
    assert mended.mojibake_mended == sum(1 for ch in seeds["002"] if ord(ch) > 127)
    assert mended.text == seeds["002"] and (mended.verdict, mended.score) == (original.verdict, original.score)
    assert [s.flagged_types(mended.threshold) for s in mended.sentences] == [
        s.flagged_types(original.threshold) for s in original.sentences
    ]
    record = mended.to_dict()
    assert record["mojibake_mended"] == mended.mojibake_mended and record["text"] == seeds["002"]  # offsets index it
    assert "mojibake_mended" not in original.to_dict() and "text" not in original.to_dict()


def test_seed_with_nine_bad_bytes_keeps_its_verdict(detector, seeds):
    """The issue's case: nine stray bytes once made seed 000 decode as a Mac code page and turned
    its verdict from spun to clean."""
    data = bytearray(seeds["000"].encode())
    rnd = random.Random(0)
    for _ in range(9):
        data.insert(rnd.randrange(len(data)), rnd.choice([0x81, 0x9D, 0xFF, 0xC3, 0xE2]))
    clean, corrupted = detector.score(seeds["000"].encode()), detector.score(bytes(data))
    assert (corrupted.encoding, corrupted.replaced_bytes) == ("utf-8", 9)
    assert corrupted.verdict == clean.verdict and abs(corrupted.score - clean.score) < 0.05


def _untouched_runs(text: str, corrupted: set[int]) -> list[str]:
    """The runs of `text`'s characters none of whose UTF-8 bytes are in `corrupted`."""
    runs, run, position = [], "", 0
    for ch in text:
        width = len(ch.encode())
        if corrupted.isdisjoint(range(position, position + width)):
            run += ch
        elif run:
            runs, run = runs + [run], ""
        position += width
    return runs + [run] if run else runs


@settings(max_examples=300, deadline=None)
@given(
    st.text(st.characters(blacklist_categories=("Cs", "Cc")) | st.just("\n"), min_size=40, max_size=600),
    st.data(),
)
def test_corrupting_up_to_one_percent_of_utf8_changes_only_the_corrupted_spans(text, data):
    original = text.encode()
    assume(len(original) >= 100 and text.strip())
    count = data.draw(st.integers(1, len(original) // 100))
    positions = data.draw(st.lists(st.integers(0, len(original) - 1), min_size=count, max_size=count, unique=True))
    corrupted = bytearray(original)
    for p in positions:
        corrupted[p] = data.draw(st.integers(0x80, 0xFF).filter(lambda b, old=original[p]: b != old))
    decoded = decode_bytes(bytes(corrupted)).text
    found = 0
    for run in _untouched_runs(text, set(positions)):
        at = decoded.find(run, found)
        assert at >= 0, f"{run!r} lost from the decoded text"
        found = at + len(run)


def test_a_record_with_text_and_html_is_an_error_record(baseline_detector):
    report = baseline_detector.score_record(TextRecord(id="both", text="Plain text here.", html="<p>Some html.</p>"))
    assert report.verdict == "error" and report.error["code"] == "text_and_html"


def test_a_jsonl_line_with_a_bad_byte_is_read_and_counted(baseline_detector):
    line = '{"id": "a", "text": "It wasn’t the café that closed, the owner said on Monday. \xff"}\n'.encode().replace("ÿ".encode(), b"\xff")
    (record,) = read_jsonl(io.BytesIO(line), "in.jsonl")
    report = baseline_detector.score_record(record)
    assert (report.encoding, report.replaced_bytes) == ("utf-8", 1)
    assert "wasn’t the café" in report.sentences[0].text


def test_text_with_lone_surrogates_is_scored_and_counted(baseline_detector):
    report = baseline_detector.score("The talks went on.\ud800 Officials said so on Monday.")
    assert report.replaced_bytes == 1 and report.verdict != "error"
