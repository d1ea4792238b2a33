"""Which parts of a document are English: millcheck's models read English news only.

Each paragraph with enough letters to judge is identified with py3langid (its model ships inside
the package; about 30 microseconds a paragraph), restricted to the languages of the world's news
so that English is not mistaken for its close relatives in langid's long tail (Nigerian Pidgin,
Scots). A paragraph is judged by its ordinary words (names, numbers, addresses and links left out),
and is foreign only when the identifier is sure of it; short lines (headlines, captions, names,
"0:00") are never judged on their own. A document whose judged text is mostly
foreign gets the verdict `unsupported_language`; in a mixed one the foreign paragraphs are left
out of scoring and the report lists them. Thresholds: research/language_id.py, on held-out data.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import lru_cache

from detector.text.segment import Document, Sentence

ENGLISH = "en"
# ISO 639-1 codes of the languages news is most published in (py3langid knows all of them).
NEWS_LANGUAGES = tuple(
    "en de fr es pt it nl sv da no fi pl cs sk sl hr sr bs hu ro bg ru uk be lt lv et el tr ar he fa ur hi "
    "bn ta te mr gu pa zh ja ko vi th id ms tl sw af ca eu gl is ga cy sq mk ka hy az kk uz".split()
)
MIN_LETTERS = 20  # below this a paragraph is not judged (research/language-id.md)
MIN_PROBABILITY = 0.99  # a judged paragraph is foreign only this sure it is not English
MIN_ENGLISH_SHARE = 0.5  # of the judged letters: below it the document is unsupported


@lru_cache(maxsize=1)
def _identifier():
    from py3langid.langid import MODEL_FILE, LanguageIdentifier

    identifier = LanguageIdentifier.from_model_file(MODEL_FILE, norm_probs=True)
    identifier.set_languages(list(NEWS_LANGUAGES))
    return identifier


def identify(text: str) -> tuple[str, float]:
    """(the likeliest language's code, the probability that the text is not English)."""
    ranked = _identifier().rank(text)
    english = next((p for lang, p in ranked if lang == ENGLISH), 0.0)
    return ranked[0][0], 1.0 - float(english)


def _letters(text: str) -> int:
    return sum(ch.isalpha() for ch in text)


def telling_words(text: str) -> str:
    """The words that tell a text's language: not capitalised words (names, and a sentence's first
    word, which tells little), numbers, addresses or links. "Write to Alejandro de la Garza at
    alejandro.delagarza@time.com" is Spanish to the identifier by its name alone; what is left
    ("to de la at") is too short to judge, as a line of names should be."""
    return " ".join(
        t for t in text.split() if not ("@" in t or "://" in t or any(c.isdigit() for c in t) or t.lstrip("\"'“‘(«")[:1].isupper())
    )


@dataclass(frozen=True)
class SkippedSpan:
    """A paragraph left out of scoring: its character range and the language found in it."""

    start: int
    end: int
    language: str

    def to_list(self) -> list:
        return [self.start, self.end, self.language]


@dataclass(frozen=True)
class LanguageFindings:
    """The document's languages: the main one, the English share of the judged letters, the
    paragraphs left out, and how many sentences they held."""

    language: str
    english_share: float
    skipped: tuple[SkippedSpan, ...] = field(default_factory=tuple)
    skipped_sentences: int = 0

    @property
    def supported(self) -> bool:
        return self.english_share >= MIN_ENGLISH_SHARE

    def to_dict(self) -> dict:
        return {
            "language": self.language,
            "english_share": round(self.english_share, 4),
            "skipped_sentences": self.skipped_sentences,
            "skipped": [s.to_list() for s in self.skipped],
        }


def _skipped(doc: Document, spans) -> list[bool]:
    """Per sentence, whether its paragraph is one of the skipped spans (each a whole paragraph)."""
    starts = {span.start for span in spans}
    return [doc.paragraphs[s.paragraph].start in starts for s in doc.sentences]


def find_languages(doc: Document) -> LanguageFindings:
    """Judge each long-enough paragraph; a sure non-English one is foreign."""
    letters: dict[str, int] = {}
    foreign: list[SkippedSpan] = []
    for paragraph in doc.paragraphs:
        text = telling_words(doc.text[paragraph.start : paragraph.end])
        count = _letters(text)
        if count < MIN_LETTERS:
            continue
        language, not_english = identify(text)
        if language == ENGLISH or not_english < MIN_PROBABILITY:
            language = ENGLISH  # not sure enough to set it aside: scored as English
        letters[language] = letters.get(language, 0) + count
        if language != ENGLISH:
            foreign.append(SkippedSpan(paragraph.start, paragraph.end, language))
    judged = sum(letters.values())
    if not judged:  # nothing long enough to judge: read as English, as before
        return LanguageFindings(ENGLISH, 1.0)
    main = max(letters, key=lambda lang: letters[lang])
    share = letters.get(ENGLISH, 0) / judged
    skipped_sentences = sum(_skipped(doc, foreign))
    return LanguageFindings(main if share < MIN_ENGLISH_SHARE else ENGLISH, share, tuple(foreign), skipped_sentences)


def english_part(doc: Document, findings: LanguageFindings) -> Document:
    """The document with the foreign paragraphs' sentences left out (offsets and paragraphs
    unchanged, sentences renumbered), or the document itself when nothing is foreign."""
    if not findings.skipped:
        return doc
    kept: list[Sentence] = []
    for s, skipped in zip(doc.sentences, _skipped(doc, findings.skipped)):
        if not skipped:
            kept.append(Sentence(len(kept), s.start, s.end, s.text, s.paragraph, s.kind))
    return Document(
        text=doc.text,
        paragraphs=doc.paragraphs,
        sentences=kept,
        source=doc.source,
        encoding=doc.encoding,
        replaced_bytes=doc.replaced_bytes,
    )
