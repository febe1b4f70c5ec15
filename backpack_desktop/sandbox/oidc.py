"""OpenID Connect for the sandbox: ID tokens, the discovery document and the JWKS.

The real Canvas Credentials server does not speak OpenID Connect; the sandbox adds it so the
app's ID-token validation (issue 4 item 6, SECURITY.md T18) runs against a server over real
HTTP instead of hand-made fixtures. It follows OpenID Connect Core 1.0 section 2 and
Discovery 1.0 section 3 as far as a public client with the ``code`` flow needs.

The signing key is a separate RSA key from the OB 2.0 assertion key in ``signing.py``: one
key per purpose, so a signature made for one can never be passed off as the other. It is made
on first use (an RSA key takes a noticeable moment and most sandboxes never issue an ID token)
under a lock, because two racing requests must not end up with two different keys.
"""

from __future__ import annotations

import base64
import hashlib
import json
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any

import jwt
from cryptography.hazmat.primitives.asymmetric import rsa
from jwt.algorithms import RSAAlgorithm

from backpack_desktop.sandbox.http import Request, Response, Router, json_response
from backpack_desktop.sandbox.records import UserRecord

OPENID = "openid"
ID_TOKEN_LIFETIME = 300
CLAIMS = ("iss", "sub", "aud", "azp", "exp", "iat", "auth_time", "nonce", "name", "email")
SUPPORTED_SCOPES = (OPENID, "r:profile", "rw:profile", "r:backpack", "rw:backpack", "rw:issuer")


@dataclass
class IdTokenIssuer:
    """Signs ID tokens and describes itself for discovery. Thread-safe.

    Attributes:
        api: the API origin, which is also the ``iss`` of every ID token.
        ui: the UI origin, home of the authorization endpoint.
        now: the wall clock; ID-token times are absolute (unlike the token authority's
            monotonic clock), so tests that shift time replace this one separately.
    """

    api: str
    ui: str
    now: Callable[[], float] = time.time
    _key: rsa.RSAPrivateKey | None = None
    _lock: threading.Lock = field(default_factory=threading.Lock)

    @property
    def key(self) -> rsa.RSAPrivateKey:
        """The RS256 signing key, generated on first use."""
        with self._lock:
            if self._key is None:
                self._key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
            return self._key

    @cached_property
    def kid(self) -> str:
        """The key id: the RFC 7638 thumbprint of the public key, stable for the key's life."""
        jwk = self._public_jwk()
        canonical = json.dumps({k: jwk[k] for k in ("e", "kty", "n")}, separators=(",", ":"), sort_keys=True)
        digest = hashlib.sha256(canonical.encode("ascii")).digest()
        return base64.urlsafe_b64encode(digest).decode("ascii").rstrip("=")

    def _public_jwk(self) -> dict[str, Any]:
        return RSAAlgorithm.to_jwk(self.key.public_key(), as_dict=True)

    def jwks(self) -> dict[str, Any]:
        """The JSON Web Key Set that verifies every ID token (RFC 7517 section 5)."""
        jwk = self._public_jwk()
        key = {"kid": self.kid, "kty": "RSA", "n": jwk["n"], "e": jwk["e"], "alg": "RS256", "use": "sig"}
        return {"keys": [key]}

    def discovery(self) -> dict[str, Any]:
        """The ``/.well-known/openid-configuration`` document."""
        return {
            "issuer": self.api,
            "authorization_endpoint": f"{self.ui}/auth/oauth2/authorize",
            "token_endpoint": f"{self.api}/o/token",
            "revocation_endpoint": f"{self.api}/o/revoke_token/",
            "jwks_uri": f"{self.api}/o/jwks",
            "response_types_supported": ["code"],
            "grant_types_supported": ["authorization_code", "refresh_token", "password"],
            "subject_types_supported": ["public"],
            "id_token_signing_alg_values_supported": ["RS256"],
            "scopes_supported": list(SUPPORTED_SCOPES),
            "token_endpoint_auth_methods_supported": ["none", "client_secret_basic", "client_secret_post"],
            "code_challenge_methods_supported": ["S256"],
            "claims_supported": list(CLAIMS),
        }

    def issue(self, user: UserRecord, client_id: str, nonce: str | None, auth_time: float | None) -> str:
        """Sign an ID token for ``user`` and ``client_id``.

        Args:
            user: the signed-in learner (``sub`` is the entityId, as in ``/v2/users/self``).
            client_id: the audience and authorized party.
            nonce: the client's nonce from the authorization request, echoed unchanged.
            auth_time: when the learner authenticated (wall clock); now when None.
        """
        iat = int(self.now())
        claims: dict[str, Any] = {
            "iss": self.api,
            "sub": user.entity_id,
            "aud": client_id,
            "azp": client_id,
            "iat": iat,
            "exp": iat + ID_TOKEN_LIFETIME,
            "auth_time": int(auth_time) if auth_time is not None else iat,
            "name": f"{user.first_name} {user.last_name}",
            "email": user.primary_email,
        }
        if nonce:
            claims["nonce"] = nonce
        return jwt.encode(claims, self.key, algorithm="RS256", headers={"kid": self.kid, "typ": "JWT"})


def add_oidc_routes(router: Router, issuer: IdTokenIssuer) -> None:
    """Register discovery and the JWKS on the API origin."""

    def configuration(request: Request) -> Response:
        return _public_json(issuer.discovery())

    def jwks(request: Request) -> Response:
        return _public_json(issuer.jwks())

    router.add("GET", r"/\.well-known/openid-configuration", configuration)
    router.add("GET", r"/o/jwks/?", jwks)


def _public_json(body: dict[str, Any]) -> Response:
    response = json_response(200, body)
    # Public, rarely changing documents (Discovery 1.0 suggests caching them).
    response.headers.append(("Cache-Control", "public, max-age=3600"))
    return response
