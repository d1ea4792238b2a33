"""Publication dates read from the input: `published` or `date` in a JSONL object (or a datatrove
document's metadata), as an ISO 8601 date or timestamp. Provenance weighs them for direction."""

from __future__ import annotations

from datetime import date, datetime

DATE_KEYS = ("published", "date")


def parse_date(value: object) -> str | None:
    """The ISO calendar date (YYYY-MM-DD) of an ISO 8601 date or timestamp, else None: a date
    field that cannot be read is left out, not an error (crawls put anything there)."""
    if isinstance(value, datetime):
        return value.date().isoformat()
    if isinstance(value, date):
        return value.isoformat()
    if not isinstance(value, str) or not value.strip():
        return None
    try:
        return datetime.fromisoformat(value.strip()).date().isoformat()
    except ValueError:
        return None


def record_date(fields: dict | None) -> str | None:
    """The first readable date among a record's DATE_KEYS."""
    for key in DATE_KEYS:
        found = parse_date((fields or {}).get(key))
        if found is not None:
            return found
    return None
