"""`Detector.score` with `score_cache` (detector/scored.py): the editor asks for an article again as
its slider moves and, with `serve --lm`, first without the language model's reading and then with
it. The same input is not scored again, and every report is the one a fresh detector gives."""

from __future__ import annotations

from dataclasses import replace

import pytest

from detector import Detector


def _cached(detector: Detector, size: int) -> Detector:
    """`detector`'s model and parts, with a cache of `size` documents."""
    return Detector(
        detector.predictor,
        detector.encoder,
        replace(detector.config, score_cache=size),
        detector.name,
        document_head=detector.document_head,
        mt_check_head=detector.mt_check_head,
        lm_finder=detector.lm_finder,
        lm_document_head=detector.lm_document_head,
    )


def _counting(monkeypatch, owner, attribute: str) -> list:
    """Record each call of `owner.attribute` (its arguments), calling through."""
    calls, inner = [], getattr(owner, attribute)

    def counted(*args, **kwargs):
        calls.append(args)
        return inner(*args, **kwargs)

    monkeypatch.setattr(owner, attribute, counted)
    return calls


def test_the_cache_hands_out_copies_and_drops_the_least_recently_used():
    import numpy as np

    from detector.evidence.base import Evidence
    from detector.scored import ScoredCache, ScoredDocument
    from detector.scoring.sentence_scorer import SentenceProbabilities
    from detector.text.segment import segment

    doc = segment("One sentence here. Another one there.")
    item = ScoredDocument(doc, english=doc, probabilities=SentenceProbabilities.zeros(2), findings={0: []})
    cache = ScoredCache(2)
    cache.put("a", item)
    item.probabilities.probs[0, 0] = 1.0  # what building a report does to the caller's copy
    item.findings[0].append(Evidence("duplicate", "exact_repeat", "x", 0.9))
    got = cache.get("a")
    assert np.all(got.probabilities.probs == 0) and got.findings == {0: []}
    got.probabilities.probs[1, 1] = 1.0
    assert np.all(cache.get("a").probabilities.probs == 0)
    cache.put("b", item)
    cache.get("a")  # "a" used last: "b" goes first
    cache.put("c", item)
    assert cache.get("b") is None and cache.get("a") is not None and len(cache) == 2
    off = ScoredCache(0)
    off.put("a", item)
    assert off.get("a") is None


@pytest.mark.slow  # scores the seeds a dozen times
def test_an_input_scored_lately_is_not_scored_again_and_reports_alike(detector, seeds, monkeypatch):
    cached = _cached(detector, size=2)
    scored = _counting(monkeypatch, cached.scorer, "score")
    text = seeds["000"]
    for threshold in (None, 0.3, 0.95, None):  # the slider; each report as a fresh detector's
        assert cached.score(text, threshold=threshold).to_dict() == detector.score(text, threshold=threshold).to_dict()
    assert len(scored) == 1
    assert cached.score(text.encode("utf-8")).to_dict() == detector.score(text.encode("utf-8")).to_dict()  # bytes: another input
    for name in ("001", "003"):  # two more inputs push the first out of a cache of two
        cached.score(seeds[name])
    assert len(scored) == 4
    cached.score(text)
    assert len(scored) == 5


def test_without_a_cache_every_call_scores(baseline_detector, seeds, monkeypatch):
    scored = _counting(monkeypatch, baseline_detector.scorer, "score")
    first, second = baseline_detector.score(seeds["004"]), baseline_detector.score(seeds["004"])
    assert len(scored) == 2 and first.to_dict() == second.to_dict()


def test_bad_input_is_not_remembered(baseline_detector):
    from detector.errors import InputError

    cached = _cached(baseline_detector, size=4)
    for _ in range(2):
        with pytest.raises(InputError):
            cached.score("   ")
    assert len(cached.scored_cache) == 0


@pytest.mark.slow  # the language model reads seed 000 twice
def test_first_without_the_lm_then_with_it_reads_once_and_matches_fresh_reports(lm_detector, detector, seeds, monkeypatch):
    cached = _cached(lm_detector, size=2)
    reads = _counting(monkeypatch, lm_detector.lm_finder, "read")
    text = seeds["000"]
    quick = cached.score(text, lm=False)
    assert not reads and not any(s.lm_words for s in quick.sentences)
    assert quick.to_dict() == detector.score(text).to_dict()  # what the model says without --lm
    full = cached.score(text)
    assert len(reads) == 1 and any(s.lm_words for s in full.sentences)
    fresh = lm_detector.score(text)
    assert len(reads) == 2 and full.to_dict() == fresh.to_dict()
    assert cached.score(text, threshold=0.3).to_dict() == lm_detector.score(text, threshold=0.3).to_dict()
    assert cached.score(text, lm=False).to_dict() == quick.to_dict()  # the reading kept, left out when asked
    assert len(reads) == 3  # only the fresh detector read again
