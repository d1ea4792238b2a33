"""Provenance: word diffs with offsets, sentence alignment, rewrite kinds, direction, and the batch
linker on the seeds (000 is a rewritten copy of the wire story that 001 and 002 syndicate)."""

from __future__ import annotations

import csv
import io
import json
import math
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from detector.io.dates import parse_date, record_date
from detector.io.readers import read_jsonl
from detector.io.writers import CsvWriter, TextWriter
from detector.labels import VERDICT_SYNDICATED
from detector.provenance.align import AlignConfig, align, align_similarities, most_pairs, similarities
from detector.provenance.direction import DirectionConfig, copy_confidence, weigh_witnesses
from detector.provenance.fingerprint import NUM_PERM, ROWS, ComparableSentence, Fingerprint, estimated_jaccard
from detector.provenance.index import CandidateIndex, RetrievalConfig
from detector.provenance.linker import ProvenanceConfig, Side, could_match
from detector.provenance.matches import SourceMatch
from detector.provenance.reference import ReferenceIndex
from detector.provenance.rewrite import SPUN, SUMMARISED, TRANSLATED, VERBATIM, pair_kind
from detector.provenance.word_diff import DELETE, INSERT, MOVE, REPLACE, word_diff
from detector.report import DocumentReport

ROOT = Path(__file__).resolve().parents[1]
WIRE = "China-Russia relations have withstood all kinds of stern tests, and are showing new dynamism and vitality."
SPUN_COPY = "China-Russia relations have beaten all sorts of stern test, and are showing renewed dynamism and vitality."


def test_word_diff_names_each_swap_with_offsets_into_both_documents():
    copy_doc, source_doc = "Headline.\n" + SPUN_COPY, "Xinhua said.\n" + WIRE
    diff = word_diff(SPUN_COPY, WIRE, copy_offset=10, source_offset=13)
    swaps = [(e.source_text, e.copy_text) for e in diff.edits]
    assert swaps == [("withstood", "beaten"), ("kinds", "sorts"), ("tests", "test"), ("new", "renewed")]
    assert all(e.op == REPLACE for e in diff.edits)
    for e in diff.edits:
        assert copy_doc[e.copy[0] : e.copy[1]] == e.copy_text
        assert source_doc[e.source[0] : e.source[1]] == e.source_text
    assert diff.matched_words == diff.copy_words - 4


def test_word_diff_insertions_deletions_and_a_moved_phrase():
    diff = word_diff("On Wednesday the leaders spoke by video", "The leaders spoke by video call. On Wednesday")
    ops = {(e.op, e.copy_text or e.source_text) for e in diff.edits}
    assert ops == {(MOVE, "On Wednesday"), (DELETE, "call")}
    insert = word_diff("Putin spoke with Xi at length", "Putin spoke with Xi")
    assert [(e.op, e.copy_text, e.source) for e in insert.edits] == [(INSERT, "at length", (19, 19))]
    same = word_diff("“Putin,” he said.", '"Putin" he said')
    assert same.edits == () and same.kept_share == 1.0  # quotes and punctuation are no words


def _unit(rows):
    v = np.asarray(rows, dtype=np.float32)
    return v / np.linalg.norm(v, axis=1, keepdims=True)


def test_alignment_keeps_order_skips_unmatched_and_finds_a_moved_sentence():
    rng = np.random.default_rng(0)
    source = _unit(rng.normal(size=(6, 32)))
    copy = _unit(
        [
            source[0] + 0.05 * rng.normal(size=32),
            rng.normal(size=32),
            source[2] + 0.05 * rng.normal(size=32),
            source[5],
            source[3] + 0.03 * rng.normal(size=32),
        ]
    )
    pairs = align(copy, source, AlignConfig(min_similarity=0.7, min_moved_similarity=0.85))
    assert [(p.copy, p.source, p.moved) for p in pairs] == [(0, 0, False), (2, 2, False), (3, 5, False), (4, 3, True)]
    assert align(copy[:0], source) == [] and align(copy, source[:0]) == []


def test_the_bound_on_aligned_pairs_is_never_below_the_alignment():
    """`match_pair` turns a candidate away on `most_pairs` before aligning: the bound must hold."""
    rng = np.random.default_rng(1)
    config = AlignConfig(min_similarity=0.7, min_moved_similarity=0.85)
    for _ in range(200):
        source = _unit(rng.normal(size=(int(rng.integers(1, 9)), 16)))
        rows = [source[rng.integers(len(source))] + rng.uniform(0.0, 1.0) * rng.normal(size=16) for _ in range(rng.integers(1, 9))]
        sim = similarities(_unit(rows), source, config)
        assert len(align_similarities(sim, config)) <= most_pairs(sim, config)
    assert most_pairs(similarities(source[:0], source, config), config) == 0
    # the same bound before a reference candidate's texts are read: a copy could match, strangers not
    provenance = ProvenanceConfig()
    document = _unit(rng.normal(size=(6, 16)))
    assert could_match(document, document[::-1], provenance)
    assert not could_match(document, _unit(rng.normal(size=(6, 16))), provenance)


def _fingerprint(name: str, vector, minhash) -> Fingerprint:
    vector = _unit([vector])[0]
    return Fingerprint(name, [ComparableSentence(0, 0, 10, name)], vector[None, :], vector, np.asarray(minhash, dtype=np.uint64))


def _band_sharers():
    """A query, a document sharing its first LSH band and nothing else (estimated Jaccard 3/64),
    and one sharing 40 of its 64 hash values; all three document vectors orthogonal."""
    query_hashes = np.arange(1, NUM_PERM + 1, dtype=np.uint64)
    one_band = np.concatenate([query_hashes[:ROWS], query_hashes[ROWS:] + 1000])
    most = np.concatenate([query_hashes[:40], query_hashes[40:] + 1000])
    basis = np.eye(8)
    return _fingerprint("query", basis[0], query_hashes), _fingerprint("one-band", basis[1], one_band), _fingerprint("most", basis[2], most)


def test_a_shared_lsh_band_is_a_candidate_only_when_the_signatures_agree():
    query, one_band, most = _band_sharers()
    assert estimated_jaccard(one_band.minhash, query.minhash) == pytest.approx(ROWS / NUM_PERM)
    for floor, expected in ((0.0, [1, 2]), (0.2, [2]), (0.7, [])):
        index = CandidateIndex(8, RetrievalConfig(min_lsh_jaccard=floor))
        for fp in (query, one_band, most):
            index.add(fp)
        assert index.candidates(query, exclude=0) == expected


def test_a_large_batch_gets_the_same_candidates_every_run():
    """Above `exact_below` the batch's vector search is an HNSW graph: built on one thread, the
    same graph (and so the same sources) every run."""
    rng = np.random.default_rng(0)
    centres = rng.normal(size=(40, 32))
    vectors = _unit(centres[rng.integers(0, 40, 3000)] + 0.6 * rng.normal(size=(3000, 32)))
    fps = [_fingerprint(str(i), v, rng.integers(0, 2**63, NUM_PERM)) for i, v in enumerate(vectors)]

    def candidates():
        index = CandidateIndex(32, RetrievalConfig(exact_below=100, min_document_similarity=0.0))
        for fp in fps:
            index.add(fp)
        assert index.candidates(fps[0]) and index._hnsw is not None
        return [index.candidates(fp, exclude=i) for i, fp in enumerate(fps)]

    assert candidates() == candidates()


def test_the_reference_index_checks_its_band_matches_the_same_way(tmp_path):
    query, one_band, most = _band_sharers()
    sides = [Side(fp.id, fp, (0.0,)) for fp in (one_band, most)]
    index = ReferenceIndex.write(tmp_path / "ref.idx", sides, "test-encoder", 8)
    assert index.candidates(query, RetrievalConfig(min_lsh_jaccard=0.0)) == [0, 1]
    assert index.candidates(query, RetrievalConfig(min_lsh_jaccard=0.2)) == [1]


@pytest.mark.parametrize(
    "copy, source, kind",
    [
        (WIRE, WIRE, VERBATIM),
        (WIRE + " Xi said on Wednesday in Beijing.", WIRE, VERBATIM),  # a scraper's glued clause
        (SPUN_COPY, WIRE, SPUN),
        (
            "Since weeks Russia has been accused by the US and its allies of invading its ex Soviet neighbour Ukraine.",
            "The US and its allies have for weeks accused Russia of planning an invasion of its ex-Soviet neighbour Ukraine.",
            TRANSLATED,
        ),
        (
            "Putin was invited by Xi.",
            "Russian officials including Putin are banned from attending unless invited by the head of state, and Xi has invited Putin.",
            SUMMARISED,
        ),
    ],
)
def test_rewrite_kind_of_a_sentence_pair(copy, source, kind):
    assert pair_kind(word_diff(copy, source)) == kind


@pytest.fixture(scope="module")
def linked(detector, seeds):
    ids = sorted(seeds)
    reports = [detector.score(seeds[i], id=i) for i in ids]
    before = {r.id: r.verdict for r in reports}
    detector.link_sources(reports)
    return {r.id[:3]: r for r in reports}, before


def _source(report: DocumentReport, prefix: str):
    return next(m for m in report.sources if m.id.startswith(prefix))


def test_the_two_syndications_of_the_wire_story_are_verbatim_copies_with_no_direction(linked):
    reports, before = linked
    for this, other in (("001", "002"), ("002", "001")):
        match = _source(reports[this], other)
        assert match.rewrite == VERBATIM and match.copy_confidence == 0.5
        assert "syndication" in match.direction_reasons[0]
        assert match.share >= 0.7
    assert reports["001"].verdict == VERDICT_SYNDICATED and before["001"] == "clean"
    assert reports["001"].verdict_reason.endswith("of its sentences are another document's word for word (provenance)")
    assert not any(e.rule == "copied_from" for s in reports["001"].sentences for e in s.evidence)  # reported, not flagged


def test_the_rewritten_copy_is_aligned_to_the_wire_story_with_its_word_changes(linked):
    reports, _ = linked
    spun = reports["000"]
    match = _source(spun, "001")
    assert match.rewrite in (SPUN, TRANSLATED) and match.copy_confidence > 0.5
    assert len(match.pairs) >= 10
    by_index = {s.index: s for s in spun.sentences}
    tests_pair = next(p for p in match.pairs if "stern test" in by_index[p.sentence].text)
    assert "withstood all kinds of stern tests" in tests_pair.source_text
    swaps = {(e.source_text, e.copy_text) for e in tests_pair.edits}
    assert {("kinds", "sorts"), ("tests", "test")} <= swaps
    for e in tests_pair.edits:  # offsets index each document's own text
        assert spun.text[e.copy[0] : e.copy[1]] == e.copy_text
        assert reports["001"].text[e.source[0] : e.source[1]] == e.source_text
    # The other side sees the same pairs from its end: 001 is the likely original.
    assert _source(reports["001"], "000").copy_confidence == pytest.approx(1 - match.copy_confidence)
    sentence = by_index[tests_pair.sentence]
    assert sentence.copied_from["id"].startswith(("001", "002")) and sentence.copied_from["source_sentence"] >= 0
    flagged = [e for s in spun.sentences for e in s.evidence if e.rule == "copied_from"]
    assert flagged and all(e.type in ("spun", "machine_translated") and "restates sentence" in e.message for e in flagged)


def test_provenance_round_trips_through_the_jsonl_record(linked):
    reports, _ = linked
    data = json.loads(reports["000"].to_json())
    again = DocumentReport.from_dict(data)
    assert again.to_dict() == data
    assert data["sources"][0]["pairs"][0]["edits"] is not None
    assert any("copied_from" in s for s in data["sentences"])


def test_degenerate_batches(detector, baseline_detector):
    assert detector.link_sources([]) == []
    one = baseline_detector.score("Putin spoke with Xi on Wednesday about the Winter Olympics in Beijing.", id="one")
    assert baseline_detector.link_sources([one])[0].sources == []
    failed = DocumentReport.failed("bad", {"code": "empty", "message": "no text"})
    text = "Putin spoke with Xi on Wednesday about the Olympics.\nBoth leaders praised the ties between their two countries."
    a, b = (baseline_detector.score(text, id=i) for i in ("a", "b"))
    out = baseline_detector.link_sources([failed, a, b])
    assert out[0].sources == [] and out[0].verdict == "error"
    assert [m.id for m in out[1].sources] == ["b"] and out[1].sources[0].rewrite == VERBATIM
    assert out[1].sources[0].copy_confidence == 0.5  # identical documents: nobody can tell which came first


@pytest.mark.slow  # two CLI runs, each loading the model
def test_cli_score_with_provenance_and_its_refusal_to_resume(tmp_path):
    out = tmp_path / "scores.jsonl"
    base = [sys.executable, "-m", "detector.apps.cli", "score", "-q", "--model", "evidence-baseline", "--provenance"]
    run = subprocess.run([*base, str(ROOT / "seeds"), "-o", str(out)], cwd=ROOT, capture_output=True, text=True, timeout=600)
    assert run.returncode == 0, run.stderr
    records = {r["id"][:3]: r for r in map(json.loads, out.read_text().splitlines())}
    assert {m["id"][:3] for m in records["001"]["sources"]} >= {"002"}
    assert records["001"]["verdict"] == VERDICT_SYNDICATED
    refused = subprocess.run(
        [*base, "--resume", str(ROOT / "seeds"), "-o", str(out)], cwd=ROOT, capture_output=True, text=True, timeout=120
    )
    assert refused.returncode == 2 and "--provenance cannot --resume" in refused.stderr
    assert len(out.read_text().splitlines()) == 5  # nothing written over


def test_a_run_too_large_to_hold_stops_before_writing_and_says_what_streams(baseline_detector, capsys):
    import typer

    from detector.apps.cli import _with_sources

    reports = ((None, baseline_detector.score(f"Sentence number {i} is here and it is long enough.", id=str(i))) for i in range(5))
    with pytest.raises(typer.Exit) as stopped:
        list(_with_sources(baseline_detector, reports, quiet=True, limit=3))
    assert stopped.value.exit_code == 2
    err = capsys.readouterr().err
    assert "stops past 3 documents" in err and "--reference, which streams" in err


def test_under_provenance_the_progress_counts_documents_as_they_are_scored(baseline_detector):
    from detector.apps.cli import _with_sources

    counted = []
    reports = ((None, baseline_detector.score(f"Sentence number {i} is here and it is long enough.", id=str(i))) for i in range(3))
    linked = _with_sources(baseline_detector, reports, quiet=True, scored=counted.append)
    first = next(linked)  # nothing comes out before every report is in and linked
    assert counted == [1, 1, 1] and first[1].id == "0"
    assert [report.id for _, report in linked] == ["1", "2"]


@pytest.mark.parametrize(
    "value,expected",
    [
        ("2022-01-03", "2022-01-03"),
        ("2022-01-03T23:10:00Z", "2022-01-03"),
        ("2022-01-03 08:00:00+01:00", "2022-01-03"),
        ("3 January 2022", None),  # not ISO 8601: left out, not an error
        ("", None),
        (20220103, None),
        (None, None),
    ],
)
def test_publication_dates_are_read_as_iso_dates_or_left_out(value, expected):
    assert parse_date(value) == expected


def test_a_record_date_comes_from_published_then_date():
    assert record_date({"published": "2022-01-04", "date": "2022-01-01"}) == "2022-01-04"
    assert record_date({"published": "soon", "date": "2022-01-01"}) == "2022-01-01"
    assert record_date({"text": "no date"}) is None and record_date(None) is None


def test_dates_weigh_on_direction_with_the_artifacts():
    alike = [0.1, 0.1, 0.1]
    assert copy_confidence(alike, alike)[0] == pytest.approx(0.5)
    later, reasons = copy_confidence(alike, alike, dates=("2022-01-05", "2022-01-03"))
    assert later == pytest.approx(DirectionConfig().date_confidence) and "published 2 days after the other" in reasons[0]
    assert copy_confidence(alike, alike, dates=("2022-01-03", "2022-01-05"))[0] == pytest.approx(1 - DirectionConfig().date_confidence)
    assert copy_confidence(alike, alike, dates=("2022-01-03", "2022-01-03"))[0] == pytest.approx(0.5)  # same day: nothing
    assert copy_confidence(alike, alike, dates=("2022-01-03", None))[0] == pytest.approx(0.5)
    undated = DirectionConfig(date_confidence=0.5)  # dates left out
    assert copy_confidence(alike, alike, undated, dates=("2022-01-05", "2022-01-03")) == (
        pytest.approx(0.5),
        copy_confidence(alike, alike)[1],
    )
    # Clear artifact evidence outweighs a contrary date; the date still lowers the confidence.
    damaged = [0.95] * 12
    against, reasons = copy_confidence(damaged, alike * 4, dates=("2022-01-01", "2022-01-03"))
    assert 0.5 < against < copy_confidence(damaged, alike * 4)[0]
    assert any("before the other" in r for r in reasons) and any("carry more artifacts" in r for r in reasons)
    # A verbatim syndication has an original too: the later one is the likelier copy.
    syndicated, reasons = copy_confidence([], [], dates=("2022-01-04", "2022-01-03"))
    assert syndicated == pytest.approx(DirectionConfig().date_confidence) and "syndication" in reasons[0] and "1 day after" in reasons[1]


def test_dates_from_jsonl_reach_the_reports_and_the_direction(baseline_detector, tmp_path):
    text = "Putin spoke with Xi on Wednesday about the Olympics.\nBoth leaders praised the ties between their two countries."
    path = tmp_path / "crawl.jsonl"
    rows = [{"id": "wire", "text": text, "date": "2022-01-03T09:00:00Z"}, {"id": "copy", "text": text, "published": "2022-01-06"}]
    path.write_text("\n".join(json.dumps(r) for r in rows) + "\n")
    reports = [report for _, report in baseline_detector.score_many(read_jsonl(path.open("rb"), path.name))]
    assert [r.published for r in reports] == ["2022-01-03", "2022-01-06"]
    wire, copy = baseline_detector.link_sources(reports)
    assert copy.sources[0].copy_confidence == pytest.approx(DirectionConfig().date_confidence)
    assert wire.sources[0].copy_confidence == pytest.approx(1 - DirectionConfig().date_confidence)
    assert "3 days before the other (2022-01-03, 2022-01-06)" in wire.sources[0].direction_reasons[-1]
    data = copy.to_dict()
    assert data["published"] == "2022-01-06" and DocumentReport.from_dict(data).published == "2022-01-06"
    assert "published" not in baseline_detector.score(text).to_dict()  # no date given: no field
    out = io.StringIO()
    writer = CsvWriter(out)
    for report in (wire, copy):
        writer.write(report)
    rows = list(csv.DictReader(io.StringIO(out.getvalue())))
    assert [(r["published"], r["top_source"], r["top_source_copy_confidence"]) for r in rows] == [
        ("2022-01-03", "copy", "0.1000"),
        ("2022-01-06", "wire", "0.9000"),
    ]
    text = io.StringIO()
    TextWriter(text).write(copy)  # the text output says why, under each source
    assert "P(this is the copy) 0.90\n      the aligned sentences are verbatim copies" in text.getvalue()
    assert "\n      this document was published 3 days after the other (2022-01-06, 2022-01-03)\n" in text.getvalue()


def _match(other: str, rewrite: str, confidence: float) -> SourceMatch:
    return SourceMatch(other, rewrite, 0.8, 0.8, confidence, [])


def _triangle(confidence: float):
    """a rewrote o; w is a verbatim syndication of o and a rewrite of a's text (positions 0, 1, 2)."""
    a_o, o_a = _match("o", SPUN, confidence), _match("a", SPUN, 1 - confidence)
    return (
        {
            (0, 1): (a_o, o_a),
            (0, 2): (_match("w", SPUN, 0.6), _match("a", SPUN, 0.4)),
            (1, 2): (_match("w", VERBATIM, 0.5), _match("o", VERBATIM, 0.5)),
        },
        a_o,
        o_a,
    )


def test_third_parties_are_named_but_not_weighed_by_default():
    matched, a_o, o_a = _triangle(0.6)
    weigh_witnesses(matched)
    assert a_o.copy_confidence == 0.6 and o_a.copy_confidence == pytest.approx(0.4)
    assert "1 other document (w) carries the other's word for word (not weighed" in a_o.direction_reasons[-1]
    assert "carries this document's wording word for word" in o_a.direction_reasons[-1]
    assert matched[(1, 2)][0].direction_reasons == []  # a verbatim pair has no direction to weigh


def test_weighed_witnesses_move_the_direction_toward_the_side_they_contradict():
    matched, a_o, o_a = _triangle(0.6)
    weigh_witnesses(matched, DirectionConfig(witness_logit=1.0))
    expected = 1 / (1 + math.exp(-(math.log(0.6 / 0.4) + 1.0)))
    assert a_o.copy_confidence == pytest.approx(expected) and o_a.copy_confidence == pytest.approx(1 - expected)
    assert "independent copies keep the original's wording" in a_o.direction_reasons[-1]


def test_the_seeds_rewritten_copy_names_the_other_syndication_as_a_witness(linked):
    reports, _ = linked
    match = _source(reports["000"], "001")
    assert any(r.startswith("1 other document (002") and "the other's word for word" in r for r in match.direction_reasons)


def test_the_encoder_remembers_what_it_embedded_within_a_block(baseline_detector, monkeypatch):
    encoder = baseline_detector.encoder
    texts = ["Putin spoke with Xi on Wednesday.", "Both leaders praised the ties between their countries."]
    plain = encoder.encode(texts)
    calls = []
    original = encoder._encode
    monkeypatch.setattr(encoder, "_encode", lambda s: calls.append(list(s)) or original(s))
    with encoder.remembering():
        first = encoder.encode(texts)
        again = encoder.encode([texts[1], texts[0], texts[1]])
    assert calls == [sorted(texts)]  # the second call embedded nothing
    np.testing.assert_allclose(first, plain, atol=1e-6)
    np.testing.assert_array_equal(again, first[[1, 0, 1]])
    encoder.encode(texts)
    assert len(calls) == 2  # outside the block nothing is kept


@pytest.mark.slow  # scores the seeds twice
def test_fingerprints_made_while_scoring_link_as_those_made_after(seeds):
    from detector import Detector

    keys = sorted(seeds)
    eager = Detector.from_pretrained("evidence-baseline", fingerprints=True)
    late = Detector.from_pretrained("evidence-baseline")
    made = [eager.score(seeds[k], id=k) for k in keys]
    assert all(r.fingerprint is not None for r in made) and "fingerprint" not in made[0].to_dict()
    after = [late.score(seeds[k], id=k) for k in keys]
    assert all(r.fingerprint is None for r in after)
    eager.link_sources(made)
    late.link_sources(after)
    for a, b in zip(made, after):
        assert [(m.id, m.rewrite, len(m.pairs)) for m in a.sources] == [(m.id, m.rewrite, len(m.pairs)) for m in b.sources]
        assert [m.copy_confidence for m in a.sources] == pytest.approx([m.copy_confidence for m in b.sources], abs=1e-6)


def test_a_sentence_restating_two_identical_sources_names_the_first_whatever_the_float_noise(baseline_detector, seeds):
    """A story syndicated twice: both copies match a sentence equally, up to the embeddings' float
    noise (which a batch's padding moves); the first source listed keeps it, so the Ray engine and
    the local one name the same source."""
    from detector.provenance.apply import attach
    from detector.provenance.matches import AlignedSentence

    report = baseline_detector.score(seeds["001"], id="copy")

    def source(name, similarity):
        pair = AlignedSentence(0, 0, 0, 10, "Some text.", similarity, VERBATIM)
        return SourceMatch(name, VERBATIM, 1.0, 1.0, 0.5, pairs=[pair])

    for noise in (1e-9, -1e-9):
        copy = DocumentReport.from_dict(report.to_dict())
        attach(copy, [source("first", 0.97), source("second", 0.97 + noise)])
        assert copy.sentences[0].copied_from["id"] == "first", noise
    attach(report, [source("first", 0.97), source("second", 0.98)])
    assert report.sentences[0].copied_from["id"] == "second"  # a real difference still decides
