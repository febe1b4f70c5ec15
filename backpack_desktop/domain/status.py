"""An award's status, derived locally at display time (reference a.6).

The server has no status field, and a cached badge must turn "Expired" while the learner is
offline, so the status is computed from the award and the current time, never stored. The
first matching rule wins: Revoked, Expired, Pending, New, Active.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from enum import Enum

from backpack_desktop.domain.models import Award


class Status(Enum):
    """What the status filter offers; values are the command line's words."""

    ACTIVE = "active"
    EXPIRED = "expired"
    REVOKED = "revoked"
    PENDING = "pending"
    NEW = "new"

    @property
    def label(self) -> str:
        """The word shown to the user."""
        return self.value.capitalize()


@dataclass(frozen=True)
class StatusInfo:
    """A status with the reason to show next to it (revocation reason, expiry date)."""

    status: Status
    reason: str | None = None


def status_of(award: Award, now: datetime | None = None) -> Status:
    """The award's status at ``now`` (default: the device clock, in UTC)."""
    return describe(award, now).status


def describe(award: Award, now: datetime | None = None) -> StatusInfo:
    """The status and its reason."""
    now = now or datetime.now(UTC)
    if award.revoked:
        return StatusInfo(Status.REVOKED, award.revocation_reason)
    if award.expires is not None and award.expires < now:
        return StatusInfo(Status.EXPIRED, f"expired on {award.expires.date().isoformat()}")
    if award.pending:
        return StatusInfo(Status.PENDING, "awarded to an address you have not verified yet")
    if award.acceptance == "Unaccepted":
        return StatusInfo(Status.NEW, "not accepted into your backpack yet")
    if award.expires is not None:
        return StatusInfo(Status.ACTIVE, f"expires on {award.expires.date().isoformat()}")
    return StatusInfo(Status.ACTIVE)
