"""Real round-trip machine translation for the corpus: the engine lives in `detector.roundtrip`
(the detector's MT check uses it too); results are cached on disk per sentence, so a corpus is
rebuilt without translating again."""

from detector.roundtrip import MarianRoundTrip

__all__ = ["MarianRoundTrip"]
