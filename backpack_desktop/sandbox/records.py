"""Server-side records of the sandbox: the learner, issuers, badge classes and awards.

These mirror the Badgr models the API serializes (``BadgeUser``, ``Issuer``, ``BadgeClass``,
``BadgeInstance``) closely enough that ``serializers`` can produce the exact wire shapes.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Literal

Verification = Literal["hosted", "signed", "ob3"]
Acceptance = Literal["Unaccepted", "Accepted", "Rejected"]


@dataclass(frozen=True)
class EmailRecord:
    """One of the learner's e-mail addresses."""

    email: str
    verified: bool
    primary: bool = False


@dataclass(frozen=True)
class UserRecord:
    """The sandbox learner account."""

    entity_id: str
    first_name: str
    last_name: str
    emails: tuple[EmailRecord, ...]
    password: str

    @property
    def primary_email(self) -> str:
        """The primary address (the password-grant username)."""
        return next(e.email for e in self.emails if e.primary)

    def owns(self, email: str, verified_only: bool) -> bool:
        """Tell whether ``email`` is one of the learner's (verified) identifiers."""
        return any(
            e.email.lower() == email.lower() and (e.verified or not verified_only) for e in self.emails
        )


@dataclass(frozen=True)
class IssuerRecord:
    """An issuer profile."""

    entity_id: str
    hex_id: str
    name: str
    url: str
    email: str
    description: str
    signing: bool = False  # publishes a CryptographicKey and a revocation list (OB 2.0 signed)


@dataclass(frozen=True)
class BadgeClassRecord:
    """A badge class (achievement)."""

    entity_id: str
    hex_id: str
    issuer: IssuerRecord
    name: str
    description: str
    criteria_narrative: str | None
    criteria_url: str | None
    image_format: Literal["png", "svg"]
    alignments: tuple[dict[str, str], ...] = ()
    tags: tuple[str, ...] = ()
    art_seed: str | None = None  # picks the artwork; defaults to the entity id

    @property
    def artwork_key(self) -> str:
        """The seed of this badge class's drawing (generated backpacks share a small pool)."""
        return self.art_seed or self.entity_id


@dataclass
class AwardRecord:
    """A badge award (assertion) in the learner's backpack; ``acceptance`` changes by PUT."""

    entity_id: str
    hex_id: str
    badgeclass: BadgeClassRecord
    recipient_email: str
    hashed: bool
    salt: str
    issued_on: datetime
    expires: datetime | None = None
    revoked: bool = False
    revocation_reason: str | None = None
    pending: bool = False
    acceptance: Acceptance = "Accepted"
    narrative: str | None = None
    evidence: tuple[dict[str, str], ...] = ()
    extensions: dict[str, Any] = field(default_factory=dict)
    verification: Verification = "hosted"

    @property
    def identity(self) -> str:
        """The recipient identity as Badgr stores it: ``sha256$hex(email+salt)`` when hashed."""
        if not self.hashed:
            return self.recipient_email
        digest = hashlib.sha256((self.recipient_email + self.salt).encode("utf-8")).hexdigest()
        return f"sha256${digest}"

    @property
    def image_format(self) -> Literal["png", "svg"]:
        """Awards are baked into their badge class's image format."""
        return self.badgeclass.image_format
