"""One document to score, as readers hand it on: its id, its text or HTML, or why it could not be read."""

from __future__ import annotations

from dataclasses import dataclass

from detector.errors import InputError


@dataclass
class TextRecord:
    """One document to score: `text` (plain or HTML, sniffed) or `html` (always HTML)."""

    id: str | None = None
    text: str | bytes | None = None
    html: str | bytes | None = None
    error: InputError | None = None  # set by readers that already failed to read it
    meta: dict | None = None  # the input record as read (a JSONL object), for writers that pass it on
    # Set by readers that decoded the record's text themselves (a JSONL line is read as UTF-8).
    encoding: str | None = None
    replaced_bytes: int = 0
    # The publication date, ISO 8601 (a date or a timestamp): provenance's direction weighs it.
    published: str | None = None

    def input(self) -> tuple[str | bytes, bool | None]:
        """What to score and whether it is HTML (True) or to be sniffed (None); `InputError` when
        the record has neither field, or both (the rule the CLI, the batch and the API share)."""
        if self.html is not None and self.text is not None:
            raise InputError(
                "text_and_html", "the record has both 'text' and 'html'; give one (html is extracted, text is scored as it is)"
            )
        if self.html is None and self.text is None:
            raise InputError("missing_text", "the record has neither 'text' nor 'html'")
        return (self.html, True) if self.html is not None else (self.text, None)
