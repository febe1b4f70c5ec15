"""An imported badge file as an :class:`Award`, so it lives in the same list as synced ones.

The file's document is mapped onto the fields the Backpack view shows: an Open Badges 2.0 (or
1.0) assertion with its badge class and issuer (embedded, or fetched at import time and kept),
or a 3.0 credential with its achievement. What the file does not say is left empty rather than
invented: a badge class known only by its URL is shown as "Badge from <host>".
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from dataclasses import replace
from typing import Any
from urllib.parse import urlsplit

from backpack_desktop.domain.badgefile import BadgeFile
from backpack_desktop.domain.errors import MalformedDataError
from backpack_desktop.domain.models import Award, parse_award

IMPORTED = "imported"
PREFIX = "imported-"


def imported_id(badge: BadgeFile) -> str:
    """A stable id for an imported badge: the same payload imported twice is one badge."""
    return PREFIX + hashlib.sha256(badge.text.encode("utf-8")).hexdigest()[:24]


def award_from_badge_file(
    badge: BadgeFile, imported_at: str, resolved: Mapping[str, Any] | None = None
) -> Award:
    """The award a badge file stands for; ``resolved`` maps URLs to documents fetched at import.

    Raises:
        MalformedDataError: the document lacks what every badge has (a name, a date).
    """
    resolved = resolved or {}
    if badge.version == "3.0":
        shaped = _from_credential(badge.document, imported_at)
    else:
        shaped = _from_assertion(badge.document, imported_at, resolved)
    shaped["entityId"] = imported_id(badge)
    award = parse_award(shaped, raw=badge.document)
    return replace(award, origin=IMPORTED)


def _text(value: Any) -> str | None:
    return value if isinstance(value, str) and value.strip() else None


def _host(url: str) -> str:
    return urlsplit(url).hostname or "an unknown site"


def _issuer(value: Any, resolved: Mapping[str, Any]) -> dict[str, Any]:
    if isinstance(value, str):
        doc = resolved.get(value)
        value = doc if isinstance(doc, Mapping) else {"id": value, "name": f"Issuer at {_host(value)}"}
    if not isinstance(value, Mapping):
        return {"id": "unknown", "name": "Unknown issuer"}
    issuer: dict[str, Any] = {
        k: v for k, v in value.items() if k in ("url", "email", "description") and isinstance(v, str)
    }
    image = value.get("image")
    if isinstance(image, (str, Mapping)):
        issuer["image"] = image
    issuer["id"] = _text(value.get("id")) or "unknown"
    issuer["name"] = _text(value.get("name")) or "Unknown issuer"
    return issuer


def _badgeclass(value: Any, resolved: Mapping[str, Any]) -> dict[str, Any]:
    if isinstance(value, str):
        doc = resolved.get(value)
        value = doc if isinstance(doc, Mapping) else {"id": value, "name": f"Badge from {_host(value)}"}
    if not isinstance(value, Mapping):
        raise MalformedDataError("the file names no badge")
    bc = {k: v for k, v in value.items() if k in ("description", "image", "criteria", "alignment", "tags")}
    bc["id"] = _text(value.get("id")) or "unknown"
    bc["name"] = _text(value.get("name")) or "Unnamed badge"
    bc["issuer"] = _issuer(value.get("issuer"), resolved)
    return bc


def _recipient(value: Any) -> dict[str, Any]:
    if not isinstance(value, Mapping):
        return {"identity": "unknown", "hashed": False, "type": "email"}
    identity = value.get("identity")
    if isinstance(identity, Mapping):  # malformed 1.0-era files nest it the wrong way round
        identity = identity.get("identity") or identity.get("recipient")
    return {
        "identity": identity if isinstance(identity, str) else "unknown",
        "hashed": bool(value.get("hashed")),
        "type": value.get("type") if isinstance(value.get("type"), str) else "email",
        **({"salt": value["salt"]} if isinstance(value.get("salt"), str) else {}),
    }


def _from_assertion(doc: Mapping[str, Any], imported_at: str, resolved: Mapping[str, Any]) -> dict[str, Any]:
    verify = doc.get("verify")
    hosted = verify.get("url") if isinstance(verify, Mapping) else None
    identifier = _text(doc.get("id")) or _text(hosted) or ""
    issued = _date(doc.get("issuedOn")) or imported_at
    shaped: dict[str, Any] = {
        "openBadgeId": identifier if identifier.startswith(("http://", "https://")) else "",
        "badgeclass": _badgeclass(doc.get("badge"), resolved),
        "issuedOn": issued,
        "recipient": _recipient(doc.get("recipient") or doc.get("identity")),
    }
    for source, target in (("expires", "expires"), ("narrative", "narrative"), ("evidence", "evidence")):
        if doc.get(source) is not None:
            shaped[target] = _date(doc[source]) if source == "expires" else doc[source]
    image = doc.get("image")
    if isinstance(image, (str, Mapping)):
        shaped["image"] = image
    return shaped


def _from_credential(doc: Mapping[str, Any], imported_at: str) -> dict[str, Any]:
    subject = doc.get("credentialSubject")
    subject = subject[0] if isinstance(subject, list) and subject else subject
    subject = subject if isinstance(subject, Mapping) else {}
    achievement = subject.get("achievement")
    achievement = achievement if isinstance(achievement, Mapping) else {}
    issuer = doc.get("issuer")
    criteria = achievement.get("criteria")
    badgeclass: dict[str, Any] = {
        "id": _text(achievement.get("id")) or "unknown",
        "name": _text(achievement.get("name")) or _text(doc.get("name")) or "Unnamed credential",
        "description": _text(achievement.get("description")) or _text(doc.get("description")) or "",
        "issuer": _issuer(issuer, {}),
    }
    if isinstance(criteria, Mapping):
        badgeclass["criteria"] = {k: v for k, v in criteria.items() if k in ("id", "narrative")}
    image = achievement.get("image")
    if isinstance(image, Mapping) and isinstance(image.get("id"), str):
        badgeclass["image"] = image["id"]
    identifier = subject.get("identifier")
    first = identifier[0] if isinstance(identifier, list) and identifier else {}
    recipient = {
        "identity": (first.get("identityHash") if isinstance(first, Mapping) else None)
        or _text(subject.get("id"))
        or "unknown",
        "hashed": bool(isinstance(first, Mapping) and first.get("hashed")),
        "type": "email",
    }
    issued = _date(doc.get("validFrom") or doc.get("issuanceDate") or doc.get("awardedDate")) or imported_at
    shaped: dict[str, Any] = {
        "openBadgeId": _text(doc.get("id")) or "",
        "badgeclass": badgeclass,
        "issuedOn": issued,
        "recipient": recipient,
    }
    expires = _date(doc.get("validUntil") or doc.get("expirationDate"))
    if expires:
        shaped["expires"] = expires
    return shaped


def _date(value: Any) -> str | None:
    """An ISO date or time as the API writes it; a bare date becomes midnight UTC."""
    if not isinstance(value, str) or not value.strip():
        return None
    text = value.strip()
    if len(text) == 10 and text[4] == "-" and text[7] == "-":
        return text + "T00:00:00Z"
    return text
