"""The wallet's data: awards with their badge class and issuer, parsed from API JSON.

Parsing is tolerant in the way the API reference asks (unknown keys ignored, optional keys may
be missing or null) and strict where it matters: a value of the wrong type in a field we show
is an error, never silently coerced into something misleading. The award JSON exactly as the
server sent it is kept alongside (``raw``) for the Badge Award JSON dialog.
"""

from __future__ import annotations

import copy
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from backpack_desktop.domain.errors import MalformedDataError


@dataclass(frozen=True)
class Issuer:
    """The organisation that awarded a badge."""

    id: str
    name: str
    url: str | None = None
    email: str | None = None
    description: str | None = None
    image_url: str | None = None


@dataclass(frozen=True)
class Alignment:
    """A skill or standard the badge aligns to."""

    target_name: str
    target_url: str | None = None
    target_description: str | None = None
    target_framework: str | None = None
    target_code: str | None = None


@dataclass(frozen=True)
class BadgeClass:
    """What was achieved: name, description, criteria, image."""

    id: str
    name: str
    description: str
    issuer: Issuer
    image_url: str | None = None
    criteria_url: str | None = None
    criteria_narrative: str | None = None
    alignments: tuple[Alignment, ...] = ()
    tags: tuple[str, ...] = ()


@dataclass(frozen=True)
class Evidence:
    """One piece of evidence attached to an award."""

    url: str | None = None
    narrative: str | None = None
    name: str | None = None
    description: str | None = None


@dataclass(frozen=True)
class Recipient:
    """Who the award was made to. ``plaintext`` is sensitive: it lives only in the encrypted cache."""

    identity: str
    hashed: bool
    type: str = "email"
    plaintext: str | None = None
    salt: str | None = None


@dataclass(frozen=True)
class Award:
    """One badge award in the learner's backpack.

    Attributes:
        entity_id: the server's ``entityId`` (an imported badge: ``imported-`` and a digest of
            its file): the id used on the command line and in the cache.
        raw: the award JSON exactly as received (key order preserved). Kept by reference, not
            copied or serialized, because loading 10,000 awards must stay fast; treat it as
            read-only and use :meth:`raw_json` for a private copy.
    """

    entity_id: str
    open_badge_id: str
    badgeclass: BadgeClass
    issued_on: datetime
    recipient: Recipient
    acceptance: str = "Accepted"
    expires: datetime | None = None
    revoked: bool = False
    revocation_reason: str | None = None
    pending: bool = False
    narrative: str | None = None
    evidence: tuple[Evidence, ...] = ()
    image_url: str | None = None
    recipient_name: str | None = None
    raw: Mapping[str, Any] = field(default_factory=dict, compare=False, repr=False)
    #: "synced" from the server, or "imported" from a badge file (kept across syncs).
    origin: str = "synced"

    @property
    def name(self) -> str:
        """The badge name."""
        return self.badgeclass.name

    @property
    def issuer(self) -> Issuer:
        """The issuer."""
        return self.badgeclass.issuer

    def raw_json(self) -> dict[str, Any]:
        """The award as received, parsed again (for the JSON dialog and exports)."""
        value: dict[str, Any] = copy.deepcopy(dict(self.raw))
        return value


# -- parsing -------------------------------------------------------------------------------
def _str(obj: Mapping[str, Any], key: str, required: bool = False) -> str | None:
    value = obj.get(key)
    if value is None:
        if required:
            raise MalformedDataError(f"missing field {key!r}")
        return None
    if not isinstance(value, str):
        raise MalformedDataError(f"field {key!r} should be text, not {type(value).__name__}")
    return value


def _req(obj: Mapping[str, Any], key: str) -> str:
    value = _str(obj, key, required=True)
    assert value is not None
    return value


def _bool(obj: Mapping[str, Any], key: str) -> bool:
    value = obj.get(key, False)
    if value is None:
        return False
    if not isinstance(value, bool):
        raise MalformedDataError(f"field {key!r} should be true or false")
    return value


def _image(value: Any) -> str | None:
    """An image is a URL or an Image object ``{id, caption?}``."""
    if isinstance(value, Mapping):
        value = value.get("id")
    return value if isinstance(value, str) else None


def _list(value: Any) -> list[Any]:
    """An optional list: absent or null is empty; anything else that is not a list is refused."""
    if value is None:
        return []
    if not isinstance(value, list):
        raise MalformedDataError(f"expected a list, not {type(value).__name__}")
    return value


def parse_time(text: str | None, key: str = "date") -> datetime | None:
    """Parse an ISO-8601 timestamp (``Z`` or offset, optional microseconds) as aware UTC."""
    if text is None:
        return None
    try:
        value = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        raise MalformedDataError(f"field {key!r} is not a date: {text[:40]!r}") from None
    return (value if value.tzinfo else value.replace(tzinfo=UTC)).astimezone(UTC)


def parse_issuer(obj: Any) -> Issuer:
    """An OB 2.0 Issuer object (as nested by ``expand=issuer``)."""
    if not isinstance(obj, Mapping):
        raise MalformedDataError("issuer is not an object (was the list fetched with expand=issuer?)")
    return Issuer(
        _req(obj, "id"),
        _req(obj, "name"),
        _str(obj, "url"),
        _str(obj, "email"),
        _str(obj, "description"),
        _image(obj.get("image")),
    )


def _alignment(obj: Any) -> Alignment | None:
    if not isinstance(obj, Mapping) or not isinstance(obj.get("targetName"), str):
        return None
    return Alignment(
        obj["targetName"],
        _str(obj, "targetUrl"),
        _str(obj, "targetDescription"),
        _str(obj, "targetFramework"),
        _str(obj, "targetCode"),
    )


def parse_badgeclass(obj: Any) -> BadgeClass:
    """An OB 2.0 BadgeClass (as nested by ``expand=badgeclass``)."""
    if not isinstance(obj, Mapping):
        raise MalformedDataError("badge class is not an object (was the list fetched with expand?)")
    criteria = obj.get("criteria")
    criteria_url = criteria if isinstance(criteria, str) else None
    narrative = None
    if isinstance(criteria, Mapping):
        criteria_url, narrative = _str(criteria, "id"), _str(criteria, "narrative")
    alignments = tuple(a for a in map(_alignment, _list(obj.get("alignment"))) if a)
    tags = tuple(t for t in _list(obj.get("tags")) if isinstance(t, str))
    return BadgeClass(
        _req(obj, "id"),
        _req(obj, "name"),
        _str(obj, "description") or "",
        parse_issuer(obj.get("issuer")),
        _image(obj.get("image")),
        criteria_url,
        narrative,
        alignments,
        tags,
    )


def _recipient(obj: Any) -> Recipient:
    if not isinstance(obj, Mapping):
        raise MalformedDataError("recipient is not an object")
    return Recipient(
        _req(obj, "identity"),
        _bool(obj, "hashed"),
        _str(obj, "type") or "email",
        _str(obj, "plaintextIdentity"),
        _str(obj, "salt"),
    )


def _evidence(items: Any) -> tuple[Evidence, ...]:
    if isinstance(items, str):
        return (Evidence(url=items),)
    if not isinstance(items, list):
        return ()
    out = []
    for item in items:
        if isinstance(item, str):
            out.append(Evidence(url=item))
        elif isinstance(item, Mapping):
            out.append(
                Evidence(
                    _str(item, "url") or _str(item, "id"),
                    _str(item, "narrative"),
                    _str(item, "name"),
                    _str(item, "description"),
                )
            )
    return tuple(out)


def _recipient_name(obj: Mapping[str, Any]) -> str | None:
    profile = obj.get("extensions:recipientProfile")
    name = profile.get("name") if isinstance(profile, Mapping) else None
    return name if isinstance(name, str) and name.strip() else None


def parse_award(
    obj: Any, badgeclass: BadgeClass | None = None, raw: Mapping[str, Any] | None = None
) -> Award:
    """A v2 BackpackAssertion fetched with ``expand=badgeclass&expand=issuer``.

    ``badgeclass`` may be given already parsed (the cache shares one per badge class, which
    makes loading a large backpack several times faster); otherwise it is parsed from ``obj``.
    ``raw`` is what :attr:`Award.raw` keeps (default ``obj``), for callers that hold the
    document in another form than the one they parse.

    Raises:
        MalformedDataError: a required field is missing or has the wrong type.
    """
    if not isinstance(obj, Mapping):
        raise MalformedDataError("an award is not an object")
    entity_id = _req(obj, "entityId")
    try:
        issued = parse_time(_req(obj, "issuedOn"), "issuedOn")
        assert issued is not None
        return Award(
            entity_id=entity_id,
            open_badge_id=_str(obj, "openBadgeId") or "",
            badgeclass=badgeclass or parse_badgeclass(obj.get("badgeclass")),
            issued_on=issued,
            recipient=_recipient(obj.get("recipient")),
            acceptance=_str(obj, "acceptance") or "Accepted",
            expires=parse_time(_str(obj, "expires"), "expires"),
            revoked=_bool(obj, "revoked"),
            revocation_reason=_str(obj, "revocationReason"),
            pending=_bool(obj, "pending"),
            narrative=_str(obj, "narrative"),
            evidence=_evidence(obj.get("evidence")),
            image_url=_image(obj.get("image")),
            recipient_name=_recipient_name(obj),
            raw=obj if raw is None else raw,
        )
    except MalformedDataError as exc:
        raise MalformedDataError(f"award {entity_id[:40]!r}: {exc}") from None


@dataclass(frozen=True)
class Profile:
    """The signed-in learner (``/v2/users/self``)."""

    entity_id: str
    first_name: str
    last_name: str
    emails: tuple[str, ...]  # verified addresses only: the identifiers awards are matched against

    @property
    def display_name(self) -> str:
        """First and last name."""
        return f"{self.first_name} {self.last_name}".strip()


def parse_profile(obj: Any) -> Profile:
    """A ``BadgeUser`` (v2)."""
    if not isinstance(obj, Mapping):
        raise MalformedDataError("the profile is not an object")
    emails = tuple(
        e["email"]
        for e in _list(obj.get("emails"))
        if isinstance(e, Mapping) and isinstance(e.get("email"), str) and e.get("verified")
    )
    return Profile(_req(obj, "entityId"), _str(obj, "firstName") or "", _str(obj, "lastName") or "", emails)
