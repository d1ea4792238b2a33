"""Synthetic artifacts made from human sentences: garbled lists, broken quotes, boilerplate lines.

Each maker takes a clean sentence and a seeded `random.Random` and returns the damaged sentence,
or None when the sentence offers nothing to damage (no list, say). They imitate what spinners and
scrapers leave behind in the seeds, not the exact strings there.
"""

from __future__ import annotations

import random
import re

from detector.evidence.lists import LIST_PATTERN, list_items
from detector.evidence.page_debris import UI_LINES

_OPEN_QUOTE = re.compile(r"(\s)([\"“‘'])(?=\w)")
_CLOSE_DOUBLE = re.compile(r"(?<=[\w.,!?])”")
_WORDS = re.compile(r"\b[a-z]{3,}\b")


def garble_list(sentence: str, rng: random.Random) -> str | None:
    """Repeat one item of a list of names, or qualify two copies of an item with other items."""
    match = LIST_PATTERN.search(sentence)
    if match is None:
        return None
    items = list_items(match.group(0), match.start())
    if len(items) < 2:
        return None
    names = [sentence[s:e] for s, e, _, _ in items]
    if len(set(n.lower() for n in names)) < 2:
        return None
    k = rng.randrange(1, len(items))
    start, end = items[k][0], items[k][1]
    others = [n for i, n in enumerate(names) if i != k and n.lower() != names[k].lower()]
    if rng.random() < 0.65 or len(names) < 3 or k == len(items) - 1:
        replacement = rng.choice(others)  # "Australia, Canada, Britain, and Canada"
    else:
        a, b = rng.sample(others + [names[k]], 2) if len(others) >= 1 else (others[0], names[k])
        replacement = f"{names[k]} ({a}), {names[k]} ({b})"  # "Canada (Britain), Canada (US)"
    return sentence[:start] + replacement + sentence[end:]


def break_punctuation(sentence: str, rng: random.Random) -> str | None:
    """Glue an opening quote to the word before it, or close a quote with the wrong mark."""
    opens = list(_OPEN_QUOTE.finditer(sentence))
    closes = list(_CLOSE_DOUBLE.finditer(sentence))
    choice = rng.random()
    if opens and choice < 0.5:
        m = rng.choice(opens)
        return sentence[: m.start()] + m.group(2) + sentence[m.end() :]  # "lasted'very"
    if closes and choice < 0.8:
        m = rng.choice(closes)
        return sentence[: m.start()] + "’" + sentence[m.end() :]  # “…’
    words = list(_WORDS.finditer(sentence))
    if len(words) < 4:
        return None
    i = rng.randrange(1, len(words) - 2)
    first, last = words[i], words[min(len(words) - 1, i + rng.randint(1, 2))]
    quote_open, quote_close = rng.choice([("'", "'"), ("‘", "’"), ("’", "’"), ("“", "’"), ("'", "”")])
    glued_before = sentence[: first.start()].rstrip()
    return f"{glued_before}{quote_open}{sentence[first.start() : last.end()]}{quote_close}{sentence[last.end() :]}"


def _title(text: str) -> str:
    return " ".join(w[:1].upper() + w[1:] for w in text.split())


def headline(sentence: str, rng: random.Random, max_words: int = 12) -> str:
    words = sentence.rstrip('.!?"”’ ').split()
    start = rng.randrange(0, max(1, len(words) - max_words)) if len(words) > max_words else 0
    return _title(" ".join(words[start : start + rng.randint(6, max_words)]))


_TEMPLATES = [
    "{{^userSubscribed}} {{/userSubscribed}}",
    "{{#ad}}{{/ad}}",
    "{{> newsletter}}",
    "{% include 'ads/inline.html' %}",
    "<%= related_posts %>",
    "${article.byline}",
    "{{#isPremium}} {{/isPremium}}",
]
_CALLS = [
    "Read all the latest news, breaking news and news on the coronavirus here.",
    "Click here to subscribe to our newsletter.",
    "Follow us on Twitter and Facebook for the latest updates.",
    "Sign up for our daily briefing.",
    "Download our app to get breaking news alerts.",
    "Also read: {headline}",
    "Read more: {headline}",
    "Watch: {headline}",
]
_MONTHS = ["Jan", "February", "Mar", "April", "May", "June", "Jul", "Aug", "September", "Oct", "November", "Dec"]
_DAYS = ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"]


def boilerplate_line(source_sentence: str, rng: random.Random) -> tuple[str, str]:
    """(kind, line) of scraped debris; headlines for teasers and link lists come from real sentences."""
    kind = rng.choice(["teaser", "template", "furniture", "player", "date", "url", "call", "link"])
    if kind == "teaser":
        return kind, headline(source_sentence, rng) + " -"
    if kind == "template":
        return kind, rng.choice(_TEMPLATES)
    if kind == "furniture":
        return kind, _title(rng.choice(sorted(UI_LINES)))
    if kind == "player":
        return kind, f"{rng.randint(0, 12)}:{rng.randint(0, 59):02d}"
    if kind == "date":
        y, d = rng.randint(2005, 2026), rng.randint(1, 28)
        return kind, rng.choice(
            [
                f"{rng.choice(_DAYS)}, {rng.choice(_MONTHS)} {d}, {y}",
                f" date {y}-{rng.randint(1, 12):02d}-{d:02d} ",
                f"Published: {d} {rng.choice(_MONTHS)} {y}",
                f"Updated {rng.choice(_MONTHS)} {d}, {y} {rng.randint(1, 12)}:{rng.randint(0, 59):02d} pm",
            ]
        )
    if kind == "url":
        slug = "-".join(w.lower() for w in re.findall(r"[A-Za-z]+", source_sentence)[:7])
        return kind, rng.choice(
            ["Sources: ", "Source: ", ""]
        ) + f"https://www.{rng.choice(['news18', 'example', 'dailynews'])}.com/world/{slug}-{rng.randint(1000, 9999999)}.html"
    if kind == "call":
        return kind, rng.choice(_CALLS).format(headline=headline(source_sentence, rng))
    return kind, headline(source_sentence, rng)  # a link-list line: a headline without a period
