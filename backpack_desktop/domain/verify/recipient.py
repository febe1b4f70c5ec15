"""Is this badge awarded to one of the learner's verified e-mail addresses?

The answer never makes a badge invalid: an adviser checking a student's badge has other
addresses than the student, and a badge is genuine whoever holds it. A mismatch is therefore
a note, and without addresses the check is skipped with a note.
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from backpack_desktop.domain.verify.result import CheckList

_NO_EMAILS = "Recipient not checked: no verified e-mail addresses were given."
_NOT_YOURS = "The recipient is not among your verified addresses."
_YOURS = "Awarded to one of your verified addresses."


@dataclass(frozen=True)
class Identity:
    """One way the badge names its recipient.

    Attributes:
        kind: ``email`` or another identity type (``url``, ``telephone`` …).
        value: the address itself, or ``<alg>$<hex>`` when hashed.
        hashed: whether ``value`` is a hash.
        salt: appended to the address before hashing.
    """

    kind: str
    value: str
    hashed: bool
    salt: str = ""


def identities_ob2(document: dict[str, Any]) -> list[Identity]:
    """The recipient of an Open Badges 1.0 or 2.0 assertion (an IdentityObject, or a 1.0 hash string)."""
    recipient = document.get("recipient")
    if isinstance(recipient, str):  # 1.0: "sha256$…" with the salt beside it
        return [Identity("email", recipient, "$" in recipient, _text(document.get("salt")))]
    if not isinstance(recipient, dict) or not isinstance(recipient.get("identity"), str):
        return []
    hashed = recipient.get("hashed")
    return [
        Identity(
            _text(recipient.get("type")) or "email",
            recipient["identity"],
            hashed is True or str(hashed).lower() == "true",
            _text(recipient.get("salt")),
        )
    ]


def identities_ob3(subject: object) -> list[Identity]:
    """The recipient of a 3.0 credential: ``credentialSubject.identifier[]`` and a ``mailto:`` id."""
    if not isinstance(subject, dict):
        return []
    found: list[Identity] = []
    subject_id = subject.get("id")
    if isinstance(subject_id, str) and subject_id.lower().startswith("mailto:"):
        found.append(Identity("email", subject_id[7:], False))
    items = subject.get("identifier")
    for item in items if isinstance(items, list) else [items]:
        if isinstance(item, dict) and isinstance(item.get("identityHash"), str):
            kind = "email" if item.get("identityType") == "emailAddress" else _text(item.get("identityType"))
            found.append(
                Identity(kind, item["identityHash"], item.get("hashed") is True, _text(item.get("salt")))
            )
    return found


def check_recipient(found: CheckList, identities: Sequence[Identity], emails: Sequence[str]) -> None:
    """Record whether any of ``emails`` is the badge's recipient (never an essential check)."""
    if not emails:
        found.note("recipient", _NO_EMAILS)
        return
    usable = [i for i in identities if i.kind == "email"]
    if not usable:
        found.note(
            "recipient", "The recipient is not identified by an e-mail address, so it was not compared."
        )
    elif any(matches(identity, email) for identity in usable for email in emails):
        found.passed("recipient", _YOURS, essential=False)
    else:
        found.note("recipient", _NOT_YOURS)


def matches(identity: Identity, email: str) -> bool:
    """Whether ``email`` is this identity (plain: case-insensitive; hashed: ``alg$hex`` of email+salt)."""
    if not identity.hashed:
        return identity.value.strip().casefold() == email.strip().casefold()
    algorithm, _, expected = identity.value.partition("$")
    if algorithm.lower() not in ("sha256", "md5") or not expected:
        return False
    # Issuers hash the address as typed; many lower-case it first. Accept either spelling.
    for candidate in {email.strip(), email.strip().lower()}:
        digest = hashlib.new(algorithm.lower(), (candidate + identity.salt).encode(), usedforsecurity=False)
        if hmac.compare_digest(digest.hexdigest(), expected.strip().lower()):
            return True
    return False


def _text(value: object) -> str:
    return value if isinstance(value, str) else ""
