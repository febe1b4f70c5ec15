"""Revocation lists: find a badge's id among the revoked entries.

An Open Badges 2.0 ``RevocationList`` lists entries in three shapes, all seen in the 1EdTech
test assets: an object with ``id`` (legacy ``uid``) and a ``revocationReason``, an object with
only an ``id``, or a bare id string.
"""

from __future__ import annotations

from dataclasses import dataclass

LIST_KEYS = ("revokedAssertions", "revokedCredentials")


@dataclass(frozen=True)
class Revoked:
    """A match in a revocation list.

    Attributes:
        reason: the issuer's reason, or ``None`` when it gave none.
    """

    reason: str | None


def find_revoked(entries: object, badge_ids: set[str]) -> Revoked | None:
    """The entry revoking one of ``badge_ids``, or ``None`` when none does."""
    for entry in entries if isinstance(entries, list) else []:
        if isinstance(entry, str) and entry in badge_ids:
            return Revoked(None)
        if isinstance(entry, dict) and (entry.get("id") in badge_ids or entry.get("uid") in badge_ids):
            reason = entry.get("revocationReason")
            return Revoked(reason if isinstance(reason, str) and reason.strip() else None)
    return None


def sentence(revoked: Revoked) -> str:
    """The user's sentence for a revocation."""
    if revoked.reason:
        return f"The issuer revoked this badge: {revoked.reason}"
    return "The issuer revoked this badge."
