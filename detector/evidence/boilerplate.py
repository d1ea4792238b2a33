"""Boilerplate: scraping debris around the article (template tags, ad teasers, link lists, players).

Boilerplate is not written by a paraphrase mill, but a scraped copy carries it, and corpus builders
want it marked so they can drop it. Most rules read whole lines, since debris comes a line at a time.
"""

from __future__ import annotations

import re

from detector.evidence.base import FLAGGING_CONFIDENCE, Evidence, EvidenceFinder, Findings, Span, add
from detector.labels import BOILERPLATE
from detector.text.segment import Document
from detector.text.words import is_title_case, words

_TEMPLATE = re.compile(r"\{\{[#^/!>&]?\s*[\w.\-]+\s*\}\}|\{%.*?%\}|<%.*?%>|\$\{[\w.]+\}")
_TEASER = re.compile(r"\s[-–—|]\s*$")
_SEPARATOR = re.compile(r"^[-–—|•·*=_~]+$")
_PLAYER = re.compile(r"^(?:\d{1,2}:)?\d{1,2}:\d{2}(?:\s*/\s*(?:\d{1,2}:)?\d{1,2}:\d{2})?$")
# What an embedded player leaves in the page's text when it cannot play ("Media playback is
# unsupported on your device", "Your browser does not support the video tag."): whole lines only.
_PLAYER_NOTICE = re.compile(
    r"^(?:media playback is (?:not supported|unsupported) on (?:this|your) device"
    r"|your browser does not support (?:the )?(?:html5 )?(?:video|audio)(?: tag| element| playback)?"
    r"|(?:this|the) (?:video|audio|media) (?:is (?:not|no longer) available|cannot be played|can ?not be played|could not be (?:loaded|played))"
    r"|(?:to (?:play|watch) this (?:video|audio|content),? )?(?:you need to |please )?enable javascript(?: in your browser)?(?: to (?:play|watch|view) this (?:video|audio|content))?)"
    r"[.!]?$",
    re.IGNORECASE,
)
# A time alone on its line: a live page's or a byline's timestamp ("10:32 GMT", "Posted at 10:15",
# "9.41am"); a bare "10:15" is _PLAYER's, which a player's clock and a live page share.
_ZONE = r"(?:gmt|bst|utc|cet|cest|et|est|edt|ct|cst|cdt|pt|pst|pdt|ist|jst|aest|msk)"
_TIME_LINE = re.compile(
    r"^(?:(?:posted|updated|published|last updated)(?:\s+at|\s*:)?\s+)?"
    rf"(?:\d{{1,2}}:\d{{2}}\s*(?:am|pm)?(?:\s*{_ZONE})?|\d{{1,2}}\.\d{{2}}\s*(?:am|pm)(?:\s*{_ZONE})?)$",
    re.IGNORECASE,
)
_MONTH = r"(?:jan|feb|mar|apr|may|jun|jul|aug|sep|sept|oct|nov|dec)[a-z]*\.?"
_DAY = r"(?:mon|tue|tues|wed|thu|thur|thurs|fri|sat|sun)[a-z]*\.?"
_DATE_LINE = re.compile(
    rf"^(?:(?:published|updated|posted|date|last updated)\s*:?\s*)?(?:{_DAY},?\s+)?"
    rf"(?:\d{{4}}-\d{{2}}-\d{{2}}(?:[ T]\d{{2}}:\d{{2}}(?::\d{{2}})?)?|{_MONTH}\s+\d{{1,2}},?\s+\d{{4}}|\d{{1,2}}\s+{_MONTH},?\s+\d{{4}})"
    rf"(?:,?\s+(?:(?:last\s+)?updated(?:\s+at)?\s+)?\d{{1,2}}:\d{{2}}\s*(?:am|pm)?(?:\s*[A-Z]{{2,4}})?)?$",
    re.IGNORECASE,
)
_URL_LINE = re.compile(r"^(?:(?:source|sources|via|link|read more)\s*:\s*)?(?:https?://|www\.)\S+$", re.IGNORECASE)
UI_LINES = {
    "related articles",
    "related",
    "related stories",
    "related news",
    "read more",
    "read next",
    "more from",
    "newsletter",
    "advertisement",
    "sponsored",
    "close",
    "×",
    "share",
    "share this",
    "share this article",
    "subscribe",
    "sign up",
    "log in",
    "login",
    "comments",
    "leave a comment",
    "most read",
    "trending",
    "recommended",
    "you may also like",
    "more stories",
    "continue reading",
    "skip to content",
    "menu",
    "loading",
    "play",
    "pause",
    "watch",
    "listen",
    "video",
    "photo",
    "next",
    "previous",
    "back to top",
}
_LIST_HEADERS = {
    "related articles",
    "related",
    "related stories",
    "related news",
    "most read",
    "trending",
    "recommended",
    "you may also like",
    "more stories",
    "read next",
    "more from",
}
_CALL_TO_ACTION = re.compile(
    r"^(?:read (?:all|the|more)\b.*\b(?:here|news)|click here\b|follow us on\b|sign up (?:for|to)\b|"
    r"subscribe (?:to|for|now)\b|download (?:the|our) app\b|also read\b|watch:|read also\b)",
    re.IGNORECASE,
)
_TERMINAL = tuple(".!?…:;")
_CLOSERS = "\"'”’)]»"
MASTHEAD_MAX_WORDS = 8


def _ends_sentence(text: str) -> bool:
    return text.rstrip(_CLOSERS).endswith(_TERMINAL)


def _line_key(text: str) -> str:
    return " ".join(text.lower().split()).strip(" :·•|")


def line_rule(text: str) -> tuple[str, str, float] | None:
    """The rule a whole line of page debris matches, as (rule, message, confidence), or None."""
    key = _line_key(text)
    if _TEMPLATE.search(text) and len(_TEMPLATE.sub("", text).strip()) < 3:
        return "template_tag", "unrendered template tag", 0.95
    if _TEMPLATE.search(text):
        return "template_tag", "contains an unrendered template tag", 0.8
    if key in UI_LINES:
        return "page_furniture", f"page furniture: “{text.strip()}”", 0.9
    if _PLAYER.match(key):
        return "media_player", "a time display alone on its line (a media player's clock or a live page's timestamp)", 0.9
    if _PLAYER_NOTICE.match(key):
        return "media_player", "a media player's notice, not article text", 0.9
    if _DATE_LINE.match(key):
        return "dateline", "a date on a line of its own (masthead or byline)", 0.8
    if _TIME_LINE.match(key):
        return "dateline", "a time on a line of its own (a byline's or a live page's timestamp)", 0.8
    if _URL_LINE.match(text.strip()):
        return "url_line", "a bare link or source line", FLAGGING_CONFIDENCE
    if _SEPARATOR.match(key):
        return "separator", "a separator line", FLAGGING_CONFIDENCE
    if _TEASER.search(text) and is_title_case(text):
        return "teaser", "ad or link teaser (a headline ending in a dash)", FLAGGING_CONFIDENCE
    return None


class BoilerplateFinder(EvidenceFinder):
    name = "boilerplate"

    def _masthead(self, doc: Document, rules: list) -> None:
        """Short lines above a dateline at the top of the page are the site's masthead and tagline."""
        top = rules[:5]
        dated = next((n for n, r in enumerate(top) if r is not None and r[0] == "dateline"), None)
        for n in range(dated or 0):
            p = doc.paragraphs[n]
            if rules[n] is None and len(words(doc.text[p.start : p.end])) <= MASTHEAD_MAX_WORDS:
                rules[n] = ("masthead", "site name or tagline above the article", 0.7)

    def find(self, doc: Document) -> Findings:
        findings: Findings = {}
        texts = [doc.text[p.start : p.end] for p in doc.paragraphs]
        rules = [line_rule(t) for t in texts]
        self._masthead(doc, rules)
        in_link_list = False
        for n, (p, text) in enumerate(zip(doc.paragraphs, texts)):
            rule = rules[n]
            unpunctuated = not _ends_sentence(text) and len(words(text)) <= 30
            if rule is None and in_link_list and unpunctuated:
                rule = ("link_list", "headline in a list of links to other articles", FLAGGING_CONFIDENCE)
            elif rule is None and unpunctuated and is_title_case(text):
                near = [t for t in texts[max(0, n - 2) : n + 3] if not _ends_sentence(t) and is_title_case(t)]
                if len(near) >= 3:
                    rule = ("link_list", "one of several headline-style lines in a row (a link list)", 0.75)
            if _line_key(text) in _LIST_HEADERS:
                in_link_list = True
            elif rule is None and not unpunctuated:
                in_link_list = False
            members = doc.paragraph_sentences(p.index)
            if rule is not None:
                name, message, confidence = rule
                for s in members:
                    add(findings, s.index, Evidence(BOILERPLATE, name, message, confidence, (Span.of(doc, p.start, p.end),)))
                continue
            for s in members:
                if _CALL_TO_ACTION.match(s.text):
                    add(
                        findings,
                        s.index,
                        Evidence(
                            BOILERPLATE, "call_to_action", "site call to action, not article text", 0.8, (Span.of(doc, s.start, s.end),)
                        ),
                    )
        return findings
