"""Wire shapes of the sandbox, key for key as the Badgr serializers emit them.

Sources (see ../shared/reference/canvas-credentials-api.md): ``BackpackAssertionSerializerV2``
(a.5), ``BadgeClass.get_json``/``Issuer.get_json`` for the expanded OB 2.0 documents, the public
assertion JSON (a.7) and ``BadgeUserSerializerV2`` (a.10). The v2 API writes timestamps with a
``Z`` suffix and microseconds; the public OB JSON writes ``+00:00``, as the recorded examples show.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from backpack_desktop.sandbox.records import AwardRecord, BadgeClassRecord, IssuerRecord, UserRecord

OB2_CONTEXT = "https://w3id.org/openbadges/v2"


def api_time(value: datetime) -> str:
    """Format as DRF does: ``isoformat()`` with ``+00:00`` as ``Z`` (no fraction when it is zero)."""
    text = value.astimezone(UTC).isoformat()
    return text[:-6] + "Z" if text.endswith("+00:00") else text


def ob_time(value: datetime) -> str:
    """Format like the public OB JSON: ``2024-05-01T12:00:00.123456+00:00``."""
    return value.astimezone(UTC).isoformat()


class Urls:
    """Absolute URLs of every entity, for one API origin (and its UI origin)."""

    def __init__(self, api: str, ui: str) -> None:
        self.api = api.rstrip("/")
        self.ui = ui.rstrip("/")

    def assertion(self, award: AwardRecord) -> str:
        """The award's ``openBadgeId``."""
        return f"{self.api}/public/assertions/{award.entity_id}"

    def badgeclass(self, bc: BadgeClassRecord) -> str:
        """The badge class's ``id``."""
        return f"{self.api}/public/badges/{bc.entity_id}"

    def issuer(self, issuer: IssuerRecord) -> str:
        """The issuer's ``id``."""
        return f"{self.api}/public/issuers/{issuer.entity_id}"

    def key(self, issuer: IssuerRecord) -> str:
        """The issuer's CryptographicKey document (signed issuers only)."""
        return f"{self.issuer(issuer)}/keys/rsa-1"

    def revocation_list(self, issuer: IssuerRecord) -> str:
        """The issuer's revocation list (signed issuers only)."""
        return f"{self.issuer(issuer)}/revocations"


def award_json(
    award: AwardRecord, urls: Urls, expand_badgeclass: bool, expand_issuer: bool
) -> dict[str, Any]:
    """One BackpackAssertion (v2) with the hosted service's extra ``id``."""
    bc = award.badgeclass
    data: dict[str, Any] = {
        "entityType": "Assertion",
        "entityId": award.entity_id,
        "id": award.hex_id,
        "acceptance": award.acceptance,
        "openBadgeId": urls.assertion(award),
        "badgeclass": badgeclass_json(bc, urls, expand_issuer) if expand_badgeclass else bc.entity_id,
        "badgeclassOpenBadgeId": urls.badgeclass(bc),
        "issuer": bc.issuer.entity_id,
        "issuerOpenBadgeId": urls.issuer(bc.issuer),
        "image": f"{urls.assertion(award)}/image",
        "recipient": _recipient(award, plaintext=True),
        "issuedOn": api_time(award.issued_on),
        "narrative": award.narrative,
    }
    if award.evidence:  # the 2021 serializer skips it; hosted sends it: emit only when present
        data["evidence"] = [dict(e) for e in award.evidence]
    data.update(
        {
            "revoked": award.revoked,
            "revocationReason": award.revocation_reason,
            "expires": api_time(award.expires) if award.expires else None,
            "pending": award.pending,
        }
    )
    data.update(award.extensions)  # pass-through keys of the original JSON
    return data


def _recipient(award: AwardRecord, plaintext: bool) -> dict[str, Any]:
    # Key order differs between the v2 serializer and the public OB JSON (recorded examples).
    if plaintext:
        data: dict[str, Any] = {
            "identity": award.identity,
            "hashed": award.hashed,
            "type": "email",
            "plaintextIdentity": award.recipient_email,
        }
    else:
        data = {"hashed": award.hashed, "type": "email", "identity": award.identity}
    if award.hashed:
        data["salt"] = award.salt
    return data


def badgeclass_json(bc: BadgeClassRecord, urls: Urls, expand_issuer: bool) -> dict[str, Any]:
    """The OB 2.0 BadgeClass document (``get_json(include_extra=True)``)."""
    criteria: dict[str, str] = {}
    if bc.criteria_url:
        criteria["id"] = bc.criteria_url
    if bc.criteria_narrative:
        criteria["narrative"] = bc.criteria_narrative
    return {
        "@context": OB2_CONTEXT,
        "type": "BadgeClass",
        "id": urls.badgeclass(bc),
        "name": bc.name,
        "description": bc.description,
        "issuer": issuer_json(bc.issuer, urls) if expand_issuer else urls.issuer(bc.issuer),
        "image": f"{urls.badgeclass(bc)}/image",
        "criteria": criteria,
        "alignment": [dict(a) for a in bc.alignments],
        "tags": list(bc.tags),
    }


def issuer_json(issuer: IssuerRecord, urls: Urls) -> dict[str, Any]:
    """The OB 2.0 Issuer document; signed issuers also link their key and revocation list."""
    data: dict[str, Any] = {
        "@context": OB2_CONTEXT,
        "type": "Issuer",
        "id": urls.issuer(issuer),
        "name": issuer.name,
        "url": issuer.url,
        "email": issuer.email,
        "description": issuer.description,
        "image": f"{urls.issuer(issuer)}/image",
    }
    if issuer.signing:
        data["publicKey"] = urls.key(issuer)
        data["revocationList"] = urls.revocation_list(issuer)
    return data


def public_assertion_json(
    award: AwardRecord, urls: Urls, expand_badge: bool, expand_issuer: bool
) -> dict[str, Any]:
    """The public OB 2.0 Assertion; a revoked award is reduced to the stub the server sends."""
    if award.revoked:
        return {
            "@context": OB2_CONTEXT,
            "type": "Assertion",
            "id": urls.assertion(award),
            "revoked": True,
            "revocationReason": award.revocation_reason,
        }
    data: dict[str, Any] = {
        "@context": OB2_CONTEXT,
        "type": "Assertion",
        "id": urls.assertion(award),
        "badge": (
            badgeclass_json(award.badgeclass, urls, expand_issuer)
            if expand_badge
            else urls.badgeclass(award.badgeclass)
        ),
        "image": f"{urls.assertion(award)}/image",
        "verification": _verification(award, urls),
        "issuedOn": ob_time(award.issued_on),
        "recipient": _recipient(award, plaintext=False),
    }
    if award.narrative:
        data["narrative"] = award.narrative
    if award.evidence:
        data["evidence"] = [dict(e) for e in award.evidence]
    if award.expires:
        data["expires"] = ob_time(award.expires)
    data.update(award.extensions)
    return data


def _verification(award: AwardRecord, urls: Urls) -> dict[str, str]:
    if award.verification == "signed":
        return {"type": "SignedBadge", "creator": urls.key(award.badgeclass.issuer)}
    return {"type": "HostedBadge"}


def user_json(user: UserRecord) -> dict[str, Any]:
    """``GET /v2/users/self`` result item."""
    primary = user.primary_email
    return {
        "entityType": "BadgeUser",
        "entityId": user.entity_id,
        "firstName": user.first_name,
        "lastName": user.last_name,
        "emails": [
            {"email": e.email, "verified": e.verified, "primary": e.primary, "caseVariants": []}
            for e in user.emails
        ],
        "url": [],
        "telephone": [],
        "agreedTermsVersion": 1,
        "hasAgreedToLatestTermsVersion": True,
        "marketingOptIn": False,
        "badgrDomain": "badgr.sandbox.localhost",
        "hasPasswordSet": True,
        "recipient": {"type": "email", "identity": primary},
    }


def envelope(result: list[dict[str, Any]], **extra: Any) -> dict[str, Any]:
    """The v2 success envelope, with the hosted service's extra keys."""
    return {
        "status": {"success": True, "description": "ok"},
        "result": result,
        "timestamp": api_time(datetime.now(UTC)),
        **extra,
    }


def error_envelope(
    description: str,
    field_errors: dict[str, list[str]] | None = None,
    validation_errors: list[str] | None = None,
) -> dict[str, Any]:
    """The v2 error envelope (400/401/404)."""
    return {
        "status": {"success": False, "description": description},
        "result": [],
        "fieldErrors": field_errors or {},
        "validationErrors": validation_errors or [],
    }
