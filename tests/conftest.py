"""Shared fixtures: the seeds, and one loaded encoder/detector per test session (loading costs seconds)."""

from __future__ import annotations

from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
SEEDS = ROOT / "seeds"


def seed_text(prefix: str) -> str:
    (path,) = SEEDS.glob(f"{prefix}_*.txt")
    return path.read_text(encoding="utf-8")


@pytest.fixture(scope="session")
def encoder():
    from detector.encoder import SentenceEncoder

    return SentenceEncoder.from_pretrained()


@pytest.fixture(scope="session")
def detector():
    from detector import Detector

    return Detector.from_pretrained()


@pytest.fixture(scope="session")
def baseline_detector():
    """The evidence finders with no learned scorer: what they flag, they explain."""
    from detector import Detector

    return Detector.from_pretrained("evidence-baseline")


@pytest.fixture(scope="session")
def seeds() -> dict[str, str]:
    return {p.name[:3]: p.read_text(encoding="utf-8") for p in sorted(SEEDS.glob("*.txt"))}
