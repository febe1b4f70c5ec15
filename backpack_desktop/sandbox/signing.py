"""Keys and signatures for the sandbox's signed awards.

* Open Badges 2.0 signed assertions: a compact JWS (RS256) whose payload is the assertion; the
  issuer publishes a ``CryptographicKey`` linked both ways (issuer ``publicKey`` <-> key
  ``owner``) and a revocation list (open-badges.md d.4).
* Open Badges 3.0: a VC-JWT (EdDSA) in the VCDM 2.0 layout, its JOSE header naming the key by a
  ``kid`` URL the sandbox serves as a JWK (open-badges.md d.5).

The Ed25519 key is derived from the seed, so OB 3.0 credentials are byte-identical across runs.
The RSA key is generated per run: the cryptography package offers no seeded RSA generation.
"""

from __future__ import annotations

import base64
import hashlib
import json
from datetime import UTC, datetime
from functools import cached_property
from typing import Any

import jwt
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ed25519, rsa

from backpack_desktop.sandbox.records import AwardRecord, IssuerRecord
from backpack_desktop.sandbox.serializers import OB2_CONTEXT, Urls, public_assertion_json

VC_CONTEXT = "https://www.w3.org/ns/credentials/v2"
OB3_CONTEXT = "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json"


class Signer:
    """Holds the sandbox's keys and produces signed documents for awards."""

    def __init__(self, seed: int, urls: Urls) -> None:
        self._seed = seed
        self._urls = urls

    @cached_property
    def rsa_key(self) -> rsa.RSAPrivateKey:
        """The RS256 key of every signing OB 2.0 issuer (generated on first use)."""
        return rsa.generate_private_key(public_exponent=65537, key_size=2048)

    @cached_property
    def ed25519_key(self) -> ed25519.Ed25519PrivateKey:
        """The EdDSA key of OB 3.0 issuers, derived from the seed."""
        material = hashlib.sha256(f"backpack-sandbox-ob3-{self._seed}".encode()).digest()
        return ed25519.Ed25519PrivateKey.from_private_bytes(material)

    # -- OB 2.0 -----------------------------------------------------------------------------
    def signed_assertion(self, award: AwardRecord) -> str:
        """The compact JWS of the award's assertion (expanded badge and issuer stay URLs)."""
        payload = json.dumps(
            public_assertion_json(award, self._urls, False, False), ensure_ascii=False, separators=(",", ":")
        ).encode("utf-8")
        return jwt.api_jws.encode(payload, self.rsa_key, algorithm="RS256")

    def key_document(self, issuer: IssuerRecord) -> dict[str, Any]:
        """The issuer's ``CryptographicKey``."""
        pem = self.rsa_key.public_key().public_bytes(
            serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
        )
        return {
            "@context": OB2_CONTEXT,
            "type": "CryptographicKey",
            "id": self._urls.key(issuer),
            "owner": self._urls.issuer(issuer),
            "publicKeyPem": pem.decode("ascii"),
        }

    def revocation_list(self, issuer: IssuerRecord, awards: list[AwardRecord]) -> dict[str, Any]:
        """The issuer's ``RevocationList`` naming its revoked awards."""
        revoked = [
            {"id": self._urls.assertion(a), "revocationReason": a.revocation_reason}
            for a in awards
            if a.revoked and a.badgeclass.issuer == issuer
        ]
        return {
            "@context": OB2_CONTEXT,
            "type": "RevocationList",
            "id": self._urls.revocation_list(issuer),
            "issuer": self._urls.issuer(issuer),
            "revokedAssertions": revoked,
        }

    # -- OB 3.0 -----------------------------------------------------------------------------
    def ob3_key_url(self, issuer: IssuerRecord) -> str:
        """The ``kid`` of the issuer's Ed25519 key (served as a JWK)."""
        return f"{self._urls.issuer(issuer)}/keys/ed25519-1"

    def ob3_jwk(self) -> dict[str, str]:
        """The public Ed25519 key as a JWK (RFC 8037)."""
        raw = self.ed25519_key.public_key().public_bytes(
            serialization.Encoding.Raw, serialization.PublicFormat.Raw
        )
        return {"kty": "OKP", "crv": "Ed25519", "x": _b64url(raw)}

    def credential(self, award: AwardRecord) -> dict[str, Any]:
        """The OpenBadgeCredential (VCDM 2.0) for an OB 3.0 award."""
        bc, issuer = award.badgeclass, award.badgeclass.issuer
        subject: dict[str, Any] = {
            "type": ["AchievementSubject"],
            "identifier": [
                {
                    "type": "IdentityObject",
                    "identityType": "emailAddress",
                    "hashed": True,
                    "identityHash": award.identity,
                    "salt": award.salt,
                }
            ],
            "achievement": {
                "id": self._urls.badgeclass(bc),
                "type": ["Achievement"],
                "name": bc.name,
                "description": bc.description,
                "criteria": {"narrative": bc.criteria_narrative or ""},
                "image": {"id": f"{self._urls.badgeclass(bc)}/image", "type": "Image"},
            },
        }
        credential: dict[str, Any] = {
            "@context": [VC_CONTEXT, OB3_CONTEXT],
            "id": self._urls.assertion(award),
            "type": ["VerifiableCredential", "OpenBadgeCredential"],
            "issuer": {
                "id": self._urls.issuer(issuer),
                "type": ["Profile"],
                "name": issuer.name,
                "url": issuer.url,
                "email": issuer.email,
            },
            "validFrom": _vc_time(award.issued_on),
            "name": bc.name,
            "credentialSubject": subject,
        }
        if award.expires:
            credential["validUntil"] = _vc_time(award.expires)
        return credential

    def vc_jwt(self, award: AwardRecord) -> str:
        """The credential as a VC-JWT (payload = credential + iss/jti/nbf/exp/iat)."""
        credential = self.credential(award)
        claims: dict[str, Any] = dict(credential)
        claims.update(
            iss=credential["issuer"]["id"],
            jti=credential["id"],
            nbf=int(award.issued_on.timestamp()),
            iat=int(award.issued_on.timestamp()),
        )
        if award.expires:
            claims["exp"] = int(award.expires.timestamp())
        headers = {"kid": self.ob3_key_url(award.badgeclass.issuer), "typ": "JWT"}
        return jwt.encode(claims, self.ed25519_key, algorithm="EdDSA", headers=headers)


def _vc_time(value: datetime) -> str:
    return value.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).decode("ascii").rstrip("=")
