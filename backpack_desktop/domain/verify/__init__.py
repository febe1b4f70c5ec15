"""Verify an Open Badges 1.0, 2.0 or 3.0 badge file: verified, invalid, or could not be checked.

Pure: nothing here opens a connection. Documents (the issuer's hosted copy, keys, revocation
lists, JSON-LD contexts) come only from the :class:`Resolver` objects the caller passes in,
at most :data:`~backpack_desktop.domain.verify.resolver.MAX_FETCHES` of them per badge. The
verdict never claims more than was checked: anything essential that could not be fetched
makes the result "could not be checked", never "verified" and never "not revoked".
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from backpack_desktop.domain.badgefile import BadgeFile
from backpack_desktop.domain.verify.ob2 import verify_ob2
from backpack_desktop.domain.verify.ob3 import verify_ob3
from backpack_desktop.domain.verify.resolver import (
    MAX_FETCHES,
    Fetcher,
    MapResolver,
    OfflineResolver,
    Resolver,
    Unavailable,
)
from backpack_desktop.domain.verify.result import Check, Outcome, Verification, conclude

__all__ = [
    "MAX_FETCHES",
    "Check",
    "MapResolver",
    "OfflineResolver",
    "Outcome",
    "Resolver",
    "Unavailable",
    "Verification",
    "verify",
]


def verify(
    badge: BadgeFile,
    *,
    resolver: Resolver,
    now: datetime,
    emails: Sequence[str] = (),
    context_resolver: Resolver | None = None,
) -> Verification:
    """Check ``badge`` as of ``now`` and say what was found.

    Args:
        badge: the decoded badge file.
        resolver: fetches issuer documents (hosted assertions, badge classes, issuers, keys,
            revocation and status lists).
        now: the moment to judge expiry and validity against (an aware datetime).
        emails: the learner's verified e-mail addresses; when empty the recipient is not compared.
        context_resolver: supplies JSON-LD context documents (defaults to ``resolver``).

    Returns:
        The verdict with every check made; it never raises for a badge that fails a check.
    """
    fetcher = Fetcher(resolver, context_resolver or resolver)
    if badge.version == "3.0":
        found = verify_ob3(badge, fetcher, now, emails)
    else:
        found = verify_ob2(badge, fetcher, now, emails)
    return conclude(found, badge.version, now)
