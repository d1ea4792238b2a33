"""The golden-output test: the shipped model's JSONL for the seeds and ~260 real documents stays
identical (numbers within 1e-6) through refactoring. `python -m tests.golden --write` regenerates."""

from __future__ import annotations

import golden
import pytest


def _check(expected: list[dict], actual: list[dict]) -> None:
    assert [r["id"] for r in actual] == [r["id"] for r in expected]
    problems = [d for e, a in zip(expected, actual) for d in golden.differences(e, a, e["id"])]
    assert not problems, f"{len(problems)} differences, first: {problems[:10]}"


def test_seeds_match_the_golden_output(detector):
    _check(golden.read(golden.SEEDS_FILE), golden.score_records(detector, golden.seed_records()))


@pytest.mark.slow
def test_real_documents_match_the_golden_output(detector):
    directory = golden.data_dir()
    if not (directory / "wmt23").is_dir():
        pytest.skip(f"no data directory at {directory} (set {golden.DATA_ENV})")
    records = golden.documents(directory)
    assert len(records) >= 250
    _check(golden.read(golden.DOCUMENTS_FILE), golden.score_records(detector, records))


def test_differences_see_numbers_keys_and_text():
    base = {"id": "a", "score": 0.5, "sentences": [{"text": "x", "labels": {"spun": 0.1}}]}
    assert golden.differences(base, {**base, "format_version": 2}) == []
    assert golden.differences(base, {**base, "score": 0.5001}) == []  # one unit of the last printed decimal
    assert golden.differences(base, {**base, "score": 0.5002}) == [".score: 0.5 -> 0.5002"]
    assert golden.differences(base, {**base, "extra": 1}) == [".extra: added"]
    changed = {**base, "sentences": [{"text": "y", "labels": {"spun": 0.1}}]}
    assert golden.differences(base, changed) == [".sentences[0].text: 'x' -> 'y'"]
