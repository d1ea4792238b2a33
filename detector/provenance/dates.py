"""Publication dates as evidence of direction: an article cannot copy one published after it.

A document's date comes from its input (detector.io.dates, or an HTML page's markup). Dates can be
wrong (a crawl time taken for a publication date, a time zone), so the later document is the copy
with P = `DirectionConfig.date_confidence` from the dates alone (0.9: right nine times in ten),
added as log-odds to the artifacts'; 0.5 leaves dates out. Dates on the same day say nothing.
"""

from __future__ import annotations

import math
from datetime import date


def date_logit(mine: str | None, theirs: str | None, confidence: float = 0.9) -> tuple[float, str | None]:
    """The log-odds this side is the copy that the two dates give, and the reason in words."""
    if mine is None or theirs is None or mine == theirs or confidence == 0.5:
        return 0.0, None
    weight = math.log(confidence / (1.0 - confidence))
    days = (date.fromisoformat(mine) - date.fromisoformat(theirs)).days
    if days > 0:
        return weight, f"this document was published {_days(days)} after the other ({mine}, {theirs})"
    return -weight, f"this document was published {_days(-days)} before the other ({mine}, {theirs})"


def _days(n: int) -> str:
    return "1 day" if n == 1 else f"{n} days"
