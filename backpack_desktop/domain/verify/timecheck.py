"""Dates: not yet valid, expired, or expiring before it was issued.

Open Badges 1.0 allowed a bare date or a Unix timestamp, 2.0 an ISO 8601 date-time, 3.0 the
VC Data Model's ``validFrom``/``validUntil`` (1.1: ``issuanceDate``/``expirationDate``), and a
JWT carries ``nbf``/``exp`` in seconds. All of them are read here into aware UTC datetimes.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import Final

from backpack_desktop.domain.verify.result import CheckList

# An issuer's clock a few minutes ahead of ours must not make a brand-new badge "not yet valid".
# Expiry gets no leeway: a wallet should not call a badge valid after the issuer said it ends.
CLOCK_SKEW: Final = timedelta(minutes=5)


def parse_time(value: object) -> datetime | None:
    """Read a badge date; ``None`` when it is absent.

    Raises:
        ValueError: the value is present but is not a date.
    """
    if value is None:
        return None
    if isinstance(value, bool):
        raise ValueError("not a date")
    if isinstance(value, int | float):
        return datetime.fromtimestamp(value, UTC)
    if not isinstance(value, str) or not value.strip():
        raise ValueError("not a date")
    text = value.strip()
    if text.isdigit():
        return datetime.fromtimestamp(int(text), UTC)
    if len(text) == 10:
        return datetime.combine(date.fromisoformat(text), datetime.min.time(), UTC)
    parsed = datetime.fromisoformat(text.replace("z", "Z"))
    # Open Badges 2.0 requires a zone; an old issuer that left it out almost surely meant UTC.
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def describe(moment: datetime) -> str:
    """A date for a sentence: the day, plus the time when it is not midnight UTC."""
    moment = moment.astimezone(UTC)
    if moment.time() == datetime.min.time():
        return f"{moment:%Y-%m-%d}"
    return f"{moment:%Y-%m-%d %H:%M} UTC"


def check_dates(found: CheckList, start: object, end: object, now: datetime) -> None:
    """Check the validity window ``start`` (issued / valid from) to ``end`` (expires / valid until)."""
    try:
        begins = parse_time(start)
    except (ValueError, OverflowError, OSError):
        found.failed("dates", "The issue date in the badge is not a valid date.")
        return
    try:
        ends = parse_time(end)
    except (ValueError, OverflowError, OSError):
        found.failed("dates", "The expiry date in the badge is not a valid date.")
        return
    if begins is not None and ends is not None and ends < begins:
        found.failed("dates", "The badge expires before it was issued.")
    elif begins is not None and begins > now + CLOCK_SKEW:
        found.failed("not-yet-valid", f"The badge is not valid until {describe(begins)}.")
    elif ends is not None and ends <= now:
        found.failed("expiry", f"The badge expired on {describe(ends)}.")
    elif ends is not None:
        found.passed("dates", f"The badge is valid until {describe(ends)}.", essential=False)
    else:
        found.passed("dates", "The badge does not expire.", essential=False)
