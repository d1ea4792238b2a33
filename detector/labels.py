"""The artifact types and document verdicts: names here are part of the public output format."""

from __future__ import annotations

SPUN = "spun"
MACHINE_TRANSLATED = "machine_translated"
DUPLICATE = "duplicate"
GARBLED_LIST = "garbled_list"
BROKEN_PUNCTUATION = "broken_punctuation"
BOILERPLATE = "boilerplate"

ARTIFACT_TYPES: tuple[str, ...] = (
    SPUN,
    MACHINE_TRANSLATED,
    DUPLICATE,
    GARBLED_LIST,
    BROKEN_PUNCTUATION,
    BOILERPLATE,
)

# Types a learned scorer flags on its own (with its reasons: marked words, n-grams, neighbours).
LEARNED_TYPES: tuple[str, ...] = (SPUN, MACHINE_TRANSLATED)
# Types that flag only with a finder's evidence of that type; the classifier's probability for them
# may order or support, never flag alone.
EVIDENCE_TYPES: tuple[str, ...] = (DUPLICATE, GARBLED_LIST, BROKEN_PUNCTUATION, BOILERPLATE)

# Types that betray an article spinner when they occur in the article's own sentences.
# Boilerplate is scraping debris: reported per sentence, never a reason to call a document spun.
SPINNER_TYPES: tuple[str, ...] = (SPUN, DUPLICATE, GARBLED_LIST, BROKEN_PUNCTUATION)

VERDICT_CLEAN = "clean"
VERDICT_SPUN = SPUN
VERDICT_MACHINE_TRANSLATED = MACHINE_TRANSLATED
VERDICT_ERROR = "error"
# Not English (text/language.py): not scored, so never `clean`.
VERDICT_UNSUPPORTED_LANGUAGE = "unsupported_language"
# With provenance on (detector/provenance): a document mostly made of verbatim copies of another
# one's sentences, otherwise clean. Syndication is no mill artifact; corpus builders dedup it.
VERDICT_SYNDICATED = "syndicated"
VERDICTS: tuple[str, ...] = (
    VERDICT_CLEAN,
    VERDICT_SPUN,
    VERDICT_MACHINE_TRANSLATED,
    VERDICT_SYNDICATED,
    VERDICT_UNSUPPORTED_LANGUAGE,
    VERDICT_ERROR,
)
# How a verdict's reason opens when the learned types judged no sentence of the document (too
# short for them, document/confidence.py): the text output then needs no line of its own saying so.
TOO_SHORT_REASON = "too short for the learned scores (spun and machine translated are not judged), only evidence counts"
