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

# Types that betray an article spinner when they occur in the article's own sentences.
# Boilerplate is scraping debris: reported per sentence, never a reason to call a document spun.
SPINNER_TYPES: tuple[str, ...] = (SPUN, DUPLICATE, GARBLED_LIST, BROKEN_PUNCTUATION)

VERDICT_CLEAN = "clean"
VERDICT_SPUN = SPUN
VERDICT_MACHINE_TRANSLATED = MACHINE_TRANSLATED
VERDICT_ERROR = "error"
VERDICTS: tuple[str, ...] = (VERDICT_CLEAN, VERDICT_SPUN, VERDICT_MACHINE_TRANSLATED, VERDICT_ERROR)
