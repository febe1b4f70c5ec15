"""What a verification found: one :class:`Check` per rule and the overall :class:`Verification`.

The overall outcome is derived from the checks, never set by hand, so no code path can report
"verified" while a check it ran said otherwise. The precedence is the honesty rule of the
wallet: anything proven wrong makes the badge invalid; anything essential that could not be
checked (signature, the issuer's hosted copy, revocation) makes it "could not be checked";
only then is it verified.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import Any


class Outcome(StrEnum):
    """The three answers a verification can give."""

    VERIFIED = "verified"
    INVALID = "invalid"
    UNCHECKED = "unchecked"


@dataclass(frozen=True)
class Check:
    """One rule applied to the badge.

    Attributes:
        name: a short fixed code (``"signature"``, ``"expiry"``, ``"revocation"`` …) so callers
            and tests can tell checks apart without parsing sentences.
        outcome: what this rule found.
        detail: one plain sentence for the user.
        essential: whether an UNCHECKED outcome here stops the badge from being verified. Notes
            and warnings (recipient not matched, outdated context) are not essential.
    """

    name: str
    outcome: Outcome
    detail: str
    essential: bool = True

    def to_json(self) -> dict[str, Any]:
        """The check as plain JSON for the command line and logs."""
        return {
            "name": self.name,
            "result": str(self.outcome),
            "detail": self.detail,
            "essential": self.essential,
        }


@dataclass(frozen=True)
class Verification:
    """The verdict on one badge file.

    Attributes:
        outcome: verified, invalid, or could not be checked.
        reasons: sentences for the user, the most important first; for a verified badge they
            are notes and warnings.
        version: the Open Badges version of the badge ("1.0", "2.0" or "3.0").
        checks: every individual check, in the order they ran.
        checked_at: the time the caller said it was.
        revocation_reason: the issuer's reason when the badge was found revoked (``""`` when it
            gave none); ``None`` when it was not found revoked.
    """

    outcome: Outcome
    reasons: tuple[str, ...]
    version: str
    checks: tuple[Check, ...]
    checked_at: datetime
    revocation_reason: str | None = None

    def to_json(self) -> dict[str, Any]:
        """The verdict as plain JSON (``result``, ``reasons``, ``version``, ``checks``, ``checked_at``)."""
        data: dict[str, Any] = {
            "result": str(self.outcome),
            "reasons": list(self.reasons),
            "version": self.version,
            "checks": [check.to_json() for check in self.checks],
            "checked_at": self.checked_at.isoformat(),
        }
        if self.revocation_reason is not None:
            data["revocation_reason"] = self.revocation_reason
        return data


@dataclass
class CheckList:
    """Checks collected while a verification runs (mutable, private to one verification).

    Attributes:
        checks: the checks so far.
        revocation_reason: set when a revocation was found (``""`` if the issuer gave no reason).
    """

    checks: list[Check] = field(default_factory=list)
    revocation_reason: str | None = None

    def add(self, name: str, outcome: Outcome, detail: str, *, essential: bool = True) -> Check:
        """Record one check and return it."""
        check = Check(name, outcome, detail, essential)
        self.checks.append(check)
        return check

    def passed(self, name: str, detail: str, *, essential: bool = True) -> Check:
        """Record a check that passed; only essential passes (signature, proof) can verify a badge."""
        return self.add(name, Outcome.VERIFIED, detail, essential=essential)

    def failed(self, name: str, detail: str) -> Check:
        """Record a check that proved the badge invalid."""
        return self.add(name, Outcome.INVALID, detail)

    def unchecked(self, name: str, detail: str, *, essential: bool = True) -> Check:
        """Record a check that could not be made (essential unless said otherwise)."""
        return self.add(name, Outcome.UNCHECKED, detail, essential=essential)

    def note(self, name: str, detail: str) -> Check:
        """Record a warning or note that does not change the verdict."""
        return self.add(name, Outcome.UNCHECKED, detail, essential=False)

    def revoked(self, detail: str, reason: str | None) -> Check:
        """Record that the issuer revoked the badge (``reason`` ``""`` when it gave none)."""
        self.revocation_reason = reason or ""
        return self.failed("revocation", detail)

    def has_invalid(self) -> bool:
        """Whether a check already proved the badge invalid."""
        return any(c.outcome is Outcome.INVALID for c in self.checks)


def overall(checks: Iterable[Check]) -> Outcome:
    """The verdict the checks add up to.

    A badge is verified only when at least one essential check positively passed: a list of
    skipped checks must never add up to "verified".
    """
    checks = tuple(checks)
    if any(c.outcome is Outcome.INVALID for c in checks):
        return Outcome.INVALID
    if any(c.outcome is Outcome.UNCHECKED and c.essential for c in checks):
        return Outcome.UNCHECKED
    if not any(c.outcome is Outcome.VERIFIED and c.essential for c in checks):
        return Outcome.UNCHECKED
    return Outcome.VERIFIED


def conclude(found: CheckList, version: str, now: datetime) -> Verification:
    """Turn the collected checks into the verdict, with the reasons in order of importance."""
    checks = tuple(found.checks)
    outcome = overall(checks)
    invalid = [c.detail for c in checks if c.outcome is Outcome.INVALID]
    essential = [c.detail for c in checks if c.outcome is Outcome.UNCHECKED and c.essential]
    notes = [c.detail for c in checks if c.outcome is Outcome.UNCHECKED and not c.essential]
    reasons = [*invalid, *essential, *notes]
    if outcome is Outcome.UNCHECKED and not essential:
        reasons.insert(0, "Nothing in this badge could be checked.")
    return Verification(outcome, tuple(reasons), version, checks, now, found.revocation_reason)
