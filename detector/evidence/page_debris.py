"""Page debris line by line: the patterns a scraped page's furniture matches, each with its reason.

A line (or a sentence inside one) that matches is not written by anyone for the article: template
tags, players, datelines, credits, notices, shop widgets, links to other stories. The finder in
boilerplate.py adds what needs the lines around (mastheads, link lists); the duplicate finder asks
`line_rule` whether a repeated line is furniture.
"""

from __future__ import annotations

import re

from detector.evidence.base import FLAGGING_CONFIDENCE
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
    # then its time: "2 November 2014 Last updated at 17:20 GMT", "November 28, 2013 -- Updated 0203 GMT (1003 HKT)"
    rf"(?:\s*(?:,|--|—|–|\|)?\s*(?:(?:last\s+)?updated(?:\s+at)?:?\s+)?\d{{1,2}}:?\d{{2}}\s*(?:am|pm)?(?:\s*[A-Z]{{2,4}})?"
    rf"(?:\s*\(\d{{1,2}}:?\d{{2}}\s*[A-Z]{{2,4}}\))?)?$",
    re.IGNORECASE,
)
# A picture's credit alone on its line ("Credit: Riot Games, ONE Esports", "Photo: AP", "Screenshot
# by Kristine Tuting/ONE Esports", "(Photo by Jane Doe/Getty Images)", "Image copyright Reuters",
# "David McNew—Getty Images"): a few words naming who made the picture, no sentence. "Photos: ..."
# heads a gallery, and "(Reuters)" alone names a story's source: neither is a credit.
_AGENCY = r"(?:getty images|afp|reuters|ap|ap photo|associated press|epa|shutterstock|alamy|pa media|pa wire|istock|istockphoto|bloomberg)"
_CREDIT_LINE = re.compile(
    r"^\(?(?:(?:(?:photo|image|picture|video|graphic|illustration)\s+)?credits?\s*:"
    r"|(?:photo|image|picture|photograph|illustration|graphic)\s*(?:courtesy(?: of)?)?\s*:"
    r"|(?:photo|image|picture|screenshot|illustration|graphic|video)s?\s+(?:by|courtesy of|via)\s"
    r"|image (?:copyright|source)\b"
    rf"|[\w.' -]{{2,40}}\s*[/—–|]\s*{_AGENCY}\)?$)",
    re.IGNORECASE,
)
CREDIT_MAX_WORDS = 10
# A copyright notice ("™ & © 2013 Cable News Network, Inc. All rights reserved.") and the lines that
# credit the story's reporters ("CNN's Christine Romans contributed to this report", "Reporting by
# Jane Doe; Editing by John Roe") or give an address ("Write to Jane Doe at jane.doe@time.com",
# "Email us your stories at haveyoursay@bbc.co.uk"): the page's, not the story's.
_COPYRIGHT_LINE = re.compile(
    r"^(?:™\s*&\s*)?(?:©|\(c\)|copyright)\s*(?:©\s*)?\d{4}\b|\ball rights reserved\.?$|^©.*\bcopyright\b", re.IGNORECASE
)  # "© Alamy: One of few photos of ..." is a caption with its credit, not a notice
_BYLINE = re.compile(
    r"^(?:.{0,120}\bcontributed (?:to )?(?:this|the) (?:report|story|article)|(?:additional )?reporting by\b.{0,160})[.;]?$",
    re.IGNORECASE,
)
_CONTACT_LINE = re.compile(r"^(?:write to|contact|e-?mail) .{0,60}\bat \S+@\S+\.\w+\.?$", re.IGNORECASE)
NOTICE_MAX_WORDS = 30
# A shop widget's button text with its product ("ADD TO CART: US$25 Gift Card", "VIEW PRICE: ..."),
# what affiliate boxes leave in the article's text.
_SHOP_LINE = re.compile(
    r"^(?:add to (?:cart|basket|bag)|buy (?:now|it now|on amazon)|shop now|view (?:price|deal|product|offer)"
    r"|check (?:price|availability)|see (?:price|deal|offer)|get (?:it|the deal|this deal))\b\s*(?:[:!–—-]|$)",
    re.IGNORECASE,
)
SHOP_MAX_WORDS = 16
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
    "story highlights",
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
# A link to another story set in the text: "Read more: <its headline>", "Related: ...", "See also: ...".
_RELATED_LINK = re.compile(r"^(?:read more|read next|more on this|see also|related)\s*:\s*\S", re.IGNORECASE)
# A heading over a list of links to the site's other stories ("More Must-Reads From TIME",
# "More stories from CNN", "Most popular", "Top stories"): a few words, no sentence.
_LIST_HEADER = re.compile(
    r"^(?:(?:more|other|related|recommended|popular|latest|top|trending)\b(?=.*\b(?:from|stories|articles|reads|must-reads|news|coverage|videos)\b)"
    r"|most (?:read|popular|viewed|shared|watched)$|editor'?s? picks$|don'?t miss$|what to read next$)",
    re.IGNORECASE,
)
LIST_HEADER_MAX_WORDS = 6
_TERMINAL = tuple(".!?…:;")
# A wire story's opening dateline ("WASHINGTON (CNN) —", "LONDON (Reuters) -"): the lines above it
# are the page's, not the story's.
WIRE_DATELINE = re.compile(r"^[A-Z][A-Z .,'’-]{2,40} \((?:[A-Z][\w.&' -]{1,30})\) ?[—–-]{1,2} ")
CLOSERS = "\"'”’)]»"
MASTHEAD_MAX_WORDS = 8
SITE_NAME_MAX_WORDS = 3


def ends_sentence(text: str) -> bool:
    return text.rstrip(CLOSERS).endswith(_TERMINAL)


def line_key(text: str) -> str:
    return " ".join(text.lower().split()).strip(" :·•|")


def is_list_header(text: str, key: str | None = None) -> bool:
    """A heading over a list of links to other stories; `key`: the line's `line_key`, if at hand."""
    key = line_key(text) if key is None else key
    return key in _LIST_HEADERS or (_LIST_HEADER.match(key) is not None and len(words(text)) <= LIST_HEADER_MAX_WORDS)


def line_rule(text: str) -> tuple[str, str, float] | None:
    """The rule a whole line of page debris matches, as (rule, message, confidence), or None."""
    key = line_key(text)
    if _TEMPLATE.search(text) and len(_TEMPLATE.sub("", text).strip()) < 3:
        return "template_tag", "unrendered template tag", 0.95
    if _TEMPLATE.search(text):
        return "template_tag", "contains an unrendered template tag", 0.8
    if key in UI_LINES:
        return "page_furniture", f"page furniture: “{text.strip()}”", 0.9
    if is_list_header(text, key):
        return "page_furniture", f"page furniture: a heading over links to other stories (“{text.strip()}”)", 0.9
    if _PLAYER.match(key):
        return "media_player", "a time display alone on its line (a media player's clock or a live page's timestamp)", 0.9
    if _PLAYER_NOTICE.match(key):
        return "media_player", "a media player's notice, not article text", 0.9
    if _DATE_LINE.match(key):
        return "dateline", "a date on a line of its own (masthead or byline)", 0.8
    if _TIME_LINE.match(key):
        return "dateline", "a time on a line of its own (a byline's or a live page's timestamp)", 0.8
    if _CREDIT_LINE.match(key) and len(words(text)) <= CREDIT_MAX_WORDS and not ends_sentence(text):
        return "image_credit", "a picture's credit line (photographer or agency), not article text", FLAGGING_CONFIDENCE
    if _COPYRIGHT_LINE.search(key) and len(words(text)) <= NOTICE_MAX_WORDS:
        return "copyright", "a copyright notice, not article text", FLAGGING_CONFIDENCE
    if _BYLINE.match(key) and len(words(text)) <= NOTICE_MAX_WORDS:
        return "byline", "a line crediting the story's reporters (a byline), not article text", FLAGGING_CONFIDENCE
    if _CONTACT_LINE.match(key) and len(words(text)) <= NOTICE_MAX_WORDS:
        return "contact_line", "an address to write to (“Write to … at …”), not article text", FLAGGING_CONFIDENCE
    if _SHOP_LINE.match(key) and len(words(text)) <= SHOP_MAX_WORDS:
        return "shop_link", "a shop widget's button and product (an affiliate box), not article text", FLAGGING_CONFIDENCE
    if _URL_LINE.match(text.strip()):
        return "url_line", "a bare link or source line", FLAGGING_CONFIDENCE
    if _SEPARATOR.match(key):
        return "separator", "a separator line", FLAGGING_CONFIDENCE
    teaser = _TEASER.search(text)
    if teaser and is_title_case(text):
        mark = "“|”" if teaser.group().strip() == "|" else "a dash"
        return "teaser", f"ad or link teaser (a headline ending in {mark})", FLAGGING_CONFIDENCE
    return None


def sentence_rule(text: str) -> tuple[str, str, float] | None:
    """The rule a sentence of page debris inside a line matches ("Read more: ...", "Sign up for
    ..."), as (rule, message, confidence), or None."""
    if _RELATED_LINK.match(text):
        return "related_link", "a link to another story (“Read more: …”), not article text", FLAGGING_CONFIDENCE
    if _CALL_TO_ACTION.match(text):
        return "call_to_action", "site call to action, not article text", 0.8
    return None
