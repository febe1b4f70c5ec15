"""The Open Badges 2.0 Assertion an award stands for, rebuilt offline from the synced award.

The API award (``BackpackAssertion`` v2 with ``expand=badgeclass&expand=issuer``) holds everything
the public Assertion has, in another shape: API-only keys (``entityId``, ``acceptance``,
``pending``...) are dropped, the expanded badge class becomes ``badge``, the recipient loses its
``plaintextIdentity`` and evidence uses the OB 2.0 ``{type, id, narrative}`` form the server
publishes. Values are copied from :meth:`Award.raw_json` so nothing the issuer wrote is lost:
unknown badge class and issuer keys (``publicKey``, ``revocationList``, ``extensions:…``) are
kept after the standard ones.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from backpack_desktop.domain.models import Award, BadgeClass, Issuer

OB2_CONTEXT = "https://w3id.org/openbadges/v2"
EXTENSION_PREFIX = "extensions:"

_BADGE_KEYS = ("type", "id", "name", "description", "image", "criteria", "issuer", "alignment", "tags")
_ISSUER_KEYS = ("type", "id", "name", "url", "email", "description", "image")
_OPTIONAL_KEYS = ("expires", "narrative")


def open_badges_assertion(award: Award) -> dict[str, Any]:
    """The OB 2.0 Assertion for ``award``, with its BadgeClass and Issuer embedded.

    This is the wallet's copy, not what the issuer's server answers today. A revoked award is
    shown in full with ``revoked: true`` and its reason; the server would reduce it to a stub of
    ``id``, ``revoked`` and ``revocationReason``, which is not applied here. ``verification`` is
    ``HostedBadge`` (every assertion issued by the server is hosted) unless the synced award
    passed through a ``verification`` object of its own.

    Args:
        award: an award parsed from the API, whose :meth:`Award.raw_json` holds the expanded
            badge class and issuer.

    Returns:
        A new JSON-serialisable dict in a readable key order: ``@context``, ``type``, ``id``,
        ``recipient``, ``badge``, ``image``, ``verification``, ``issuedOn``, then the optional
        keys and the ``extensions:`` keys in the order the award had them.
    """
    raw = award.raw_json()
    data: dict[str, Any] = {
        "@context": OB2_CONTEXT,
        "type": "Assertion",
        "id": raw.get("openBadgeId") or award.open_badge_id,
        "recipient": _recipient(raw.get("recipient")),
        "badge": _badge(raw.get("badgeclass"), award.badgeclass),
    }
    if raw.get("image") is not None:
        data["image"] = raw["image"]
    verification = raw.get("verification")
    data["verification"] = verification if isinstance(verification, Mapping) else {"type": "HostedBadge"}
    data["issuedOn"] = raw.get("issuedOn")
    data.update({key: raw[key] for key in _OPTIONAL_KEYS if raw.get(key) is not None})
    if raw.get("evidence"):
        data["evidence"] = _evidence(raw["evidence"])
    if raw.get("revoked") is True:
        data["revoked"] = True
        if raw.get("revocationReason"):
            data["revocationReason"] = raw["revocationReason"]
    data.update({k: v for k, v in raw.items() if k.startswith(EXTENSION_PREFIX)})
    return data


def _recipient(obj: Any) -> dict[str, Any]:
    """The IdentityObject: ``type``, ``hashed``, ``identity`` and ``salt``, never the plaintext."""
    if not isinstance(obj, Mapping):
        return {}
    data = {
        "type": obj.get("type") or "email",
        "hashed": obj.get("hashed") is True,
        "identity": obj.get("identity"),
    }
    if obj.get("salt") is not None:
        data["salt"] = obj["salt"]
    return data


def _ordered(obj: Mapping[str, Any], keys: tuple[str, ...]) -> dict[str, Any]:
    """Standard ``keys`` first (present and not null), then every other key in its own order.

    A nested ``@context`` equal to the Assertion's is redundant and left out.
    """
    data = {key: obj[key] for key in keys if obj.get(key) is not None}
    for key, value in obj.items():
        if key in data or value is None or (key == "@context" and value == OB2_CONTEXT):
            continue
        data[key] = value
    return data


def _badge(obj: Any, parsed: BadgeClass) -> dict[str, Any] | str:
    if isinstance(obj, str):  # not expanded: an IRI is valid OB 2.0, but the parsed copy says more
        obj = None
    if not isinstance(obj, Mapping):
        return _badge_from_model(parsed)
    data = _ordered({"type": "BadgeClass", **obj}, _BADGE_KEYS)
    issuer = obj.get("issuer")
    data["issuer"] = (
        _ordered({"type": "Issuer", **issuer}, _ISSUER_KEYS)
        if isinstance(issuer, Mapping)
        else _issuer_from_model(parsed.issuer)
    )
    return data


def _evidence(items: Any) -> Any:
    """API evidence ``{url, narrative}`` as OB 2.0 ``{type: Evidence, id, narrative}``."""
    if not isinstance(items, list):
        return items
    out: list[Any] = []
    for item in items:
        if not isinstance(item, Mapping):
            out.append(item)
            continue
        data: dict[str, Any] = {"type": "Evidence"}
        if item.get("id") or item.get("url"):
            data["id"] = item.get("id") or item.get("url")
        data.update(
            (k, v) for k, v in item.items() if k not in ("id", "url", "type", "@context") and v is not None
        )
        out.append(data)
    return out


def _issuer_from_model(issuer: Issuer) -> dict[str, Any]:
    data: dict[str, Any] = {
        "type": "Issuer",
        "id": issuer.id,
        "name": issuer.name,
        "url": issuer.url,
        "email": issuer.email,
        "description": issuer.description,
        "image": issuer.image_url,
    }
    return {key: value for key, value in data.items() if value is not None}


def _badge_from_model(bc: BadgeClass) -> dict[str, Any]:
    criteria: dict[str, str] = {}
    if bc.criteria_url:
        criteria["id"] = bc.criteria_url
    if bc.criteria_narrative:
        criteria["narrative"] = bc.criteria_narrative
    alignment = [
        {
            key: value
            for key, value in (
                ("targetName", a.target_name),
                ("targetUrl", a.target_url),
                ("targetDescription", a.target_description),
                ("targetFramework", a.target_framework),
                ("targetCode", a.target_code),
            )
            if value is not None
        }
        for a in bc.alignments
    ]
    data: dict[str, Any] = {"type": "BadgeClass", "id": bc.id, "name": bc.name, "description": bc.description}
    if bc.image_url:
        data["image"] = bc.image_url
    data.update(
        criteria=criteria, issuer=_issuer_from_model(bc.issuer), alignment=alignment, tags=list(bc.tags)
    )
    return data
