"""Boilerplate: scraping debris around the article (template tags, ad teasers, link lists, players).

Boilerplate is not written by a paraphrase mill, but a scraped copy carries it, and corpus builders
want it marked so they can drop it. Most rules read whole lines, since debris comes a line at a
time (page_debris.py); this finder adds what needs the lines around: mastheads and link lists.
"""

from __future__ import annotations

from detector.evidence.base import FLAGGING_CONFIDENCE, Evidence, EvidenceFinder, Findings, Span, add
from detector.evidence.page_debris import (
    CLOSERS,
    MASTHEAD_MAX_WORDS,
    SITE_NAME_MAX_WORDS,
    WIRE_DATELINE,
    ends_sentence,
    is_list_header,
    line_rule,
    sentence_rule,
)
from detector.labels import BOILERPLATE
from detector.text.segment import CAPTION, Document
from detector.text.words import is_title_case, words


class BoilerplateFinder(EvidenceFinder):
    name = "boilerplate"

    def _masthead(self, doc: Document, rules: list, texts: list[str]) -> None:
        """Short lines above a dateline at the top of the page (a date line, or a wire story's
        opening "WASHINGTON (CNN) —") are the site's masthead and tagline."""
        top = rules[:5]
        dated = next(
            (n for n, r in enumerate(top) if (r is not None and r[0] == "dateline") or WIRE_DATELINE.match(texts[n])),
            None,
        )
        # above a wire dateline, only a site's name ("CNN"): the story's headline sits there too
        most = MASTHEAD_MAX_WORDS if dated is None or rules[dated] is not None else SITE_NAME_MAX_WORDS
        for n in range(dated or 0):
            p = doc.paragraphs[n]
            if rules[n] is None and len(words(doc.text[p.start : p.end])) <= most:
                rules[n] = ("masthead", "site name or tagline above the article", 0.7)

    def find(self, doc: Document) -> Findings:
        findings: Findings = {}
        texts = [doc.text[p.start : p.end] for p in doc.paragraphs]
        rules = [line_rule(t) for t in texts]
        self._masthead(doc, rules, texts)
        in_link_list = False
        for n, (p, text) in enumerate(zip(doc.paragraphs, texts)):
            rule = rules[n]
            members = doc.paragraph_sentences(p.index)
            # a headline: no final stop, or a title-case question ("Is Using the Snooze Button Bad for You?");
            # not a caption ("... near Lost Hills, California. David McNew—Getty Images"), nor a line with a
            # sentence ended by a full stop inside it
            unpunctuated = (
                p.kind != CAPTION
                and (not ends_sentence(text) or (text.rstrip(CLOSERS).endswith("?") and is_title_case(text)))
                and len(words(text)) <= 30
                and not any(s.text.rstrip(CLOSERS).endswith(".") for s in members[:-1])
            )
            if rule is None and in_link_list and unpunctuated:
                rule = ("link_list", "headline in a list of links to other articles", FLAGGING_CONFIDENCE)
            elif rule is None and unpunctuated and is_title_case(text):
                near = [t for t in texts[max(0, n - 2) : n + 3] if not ends_sentence(t) and is_title_case(t)]
                if len(near) >= 3:
                    rule = ("link_list", "one of several headline-style lines in a row (a link list)", 0.75)
            if is_list_header(text):
                in_link_list = True
            elif rule is None and not unpunctuated:
                in_link_list = False
            if rule is not None:
                name, message, confidence = rule
                for s in members:
                    add(findings, s.index, Evidence(BOILERPLATE, name, message, confidence, (Span.of(doc, p.start, p.end),)))
                continue
            for s in members:
                found = sentence_rule(s.text)
                if found is not None:
                    name, message, confidence = found
                    add(findings, s.index, Evidence(BOILERPLATE, name, message, confidence, (Span.of(doc, s.start, s.end),)))
        return findings
