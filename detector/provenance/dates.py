"""Publication dates as evidence of direction: an article cannot copy one published after it.

A document's date comes from its input (detector.io.dates). Crawl dates are noisy (a page crawled
late, a time zone), so a date is weighed as strong evidence, not proof: alone it makes the later
document the copy with P = DATE_CONFIDENCE; against clear artifact evidence it can lose. Dates on
the same day say nothing.
"""

from __future__ import annotations

import math
from datetime import date

DATE_CONFIDENCE = 0.9
DATE_LOGIT = math.log(DATE_CONFIDENCE / (1.0 - DATE_CONFIDENCE))


def date_logit(mine: str | None, theirs: str | None) -> tuple[float, str | None]:
    """The log-odds this side is the copy that the two dates give, and the reason in words."""
    if mine is None or theirs is None or mine == theirs:
        return 0.0, None
    days = (date.fromisoformat(mine) - date.fromisoformat(theirs)).days
    if days > 0:
        return DATE_LOGIT, f"this document was published {_days(days)} after the other ({mine}, {theirs})"
    return -DATE_LOGIT, f"this document was published {_days(-days)} before the other ({mine}, {theirs})"


def _days(n: int) -> str:
    return "1 day" if n == 1 else f"{n} days"
