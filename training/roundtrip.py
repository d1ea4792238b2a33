"""Real round-trip machine translation for the corpus: the engine lives in `detector.scoring.mt_check`
(the detector's MT check uses it too); results are cached on disk per sentence, so a corpus is
rebuilt without translating again."""

from detector.scoring.mt_check import MarianRoundTrip

__all__ = ["MarianRoundTrip"]
