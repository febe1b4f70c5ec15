"""OpenID Connect ID tokens: discovery, signing keys, single-use nonces and validation.

An ID token tells the app who signed in, so a forged or replayed one would put a stranger's
name on the window (SECURITY.md T18, tests 25-26). PyJWT's defaults are not enough: bare
``jwt.decode`` accepts a token without ``exp`` or with any ``iss``. So every check is explicit:

* the algorithm list is fixed here, never taken from the token header, which rules out
  ``alg=none`` and the HS256-with-the-public-key confusion;
* keys come only from the JWKS named in the server's discovery document; a token that names
  its own key (``jku``, ``jwk``, ``x5u``, ``x5c``) is refused before any key is looked at;
* an unknown ``kid`` refetches the JWKS at most once per minute, so a stream of bad tokens
  cannot make us hammer the server, yet a key rotation is picked up;
* ``exp``, ``iat``, ``iss``, ``aud`` and ``sub`` are required; ``azp`` must name us when
  there are several audiences; ``iat`` may not lie in the future beyond the leeway;
* the ``nonce`` must be one we issued and is consumed, last, so a forged token cannot burn it.

Every refusal is an :class:`IdTokenError` whose message never quotes the token or a claim.
The stateful parts (the JWKS cache and the nonce registry) live in ``oidc_keys``.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

import jwt

from backpack_desktop.domain.errors import IdTokenError, MalformedDataError
from backpack_desktop.services.http import ApiClient
from backpack_desktop.services.oidc_keys import ALGORITHMS, JwksCache, NonceRegistry

__all__ = [
    "ALGORITHMS",
    "IdentityClaims",
    "JwksCache",
    "NonceRegistry",
    "OidcConfig",
    "discover",
    "validate_id_token",
]

REQUIRED_CLAIMS = ["exp", "iat", "iss", "aud", "sub"]
DISCOVERY_PATH = "/.well-known/openid-configuration"
MAX_TOKEN_CHARS = 16_384
_KEY_HEADERS = ("jku", "jwk", "x5u", "x5c")  # keys named by the token itself are never used
MALFORMED = "The ID token is not a well-formed signed token."
FUTURE = "The ID token is dated in the future; check the computer's clock."
# PyJWT's exceptions, most specific first (several derive from DecodeError/InvalidTokenError).
_JWT_ERRORS: tuple[tuple[type[Exception], str, str], ...] = (
    (jwt.ExpiredSignatureError, "The ID token has expired.", "expired"),
    (jwt.ImmatureSignatureError, FUTURE, "future"),
    (jwt.InvalidIssuerError, "The ID token was issued by a different server.", "issuer"),
    (jwt.InvalidAudienceError, "The ID token was issued to a different application.", "audience"),
    (jwt.InvalidSignatureError, "The ID token's signature does not match the server's key.", "signature"),
    (jwt.InvalidAlgorithmError, "The ID token's algorithm does not match the server's key.", "algorithm"),
    (jwt.InvalidKeyError, "The server's signing key is too weak or unusable.", "key"),
    (jwt.DecodeError, MALFORMED, "malformed"),
)


@dataclass(frozen=True)
class OidcConfig:
    """The parts of the server's discovery document the app uses.

    Attributes:
        issuer: the exact ``iss`` every ID token must carry.
        jwks_uri: where the signing keys are published.
        authorization_endpoint: the browser sign-in page.
        token_endpoint: where codes are exchanged.
        revocation_endpoint: the RFC 7009 endpoint, or None when not advertised.
        scopes_supported: the advertised scopes (empty when not advertised).
    """

    issuer: str
    jwks_uri: str
    authorization_endpoint: str
    token_endpoint: str
    revocation_endpoint: str | None = None
    scopes_supported: tuple[str, ...] = ()


@dataclass(frozen=True)
class IdentityClaims:
    """Who signed in, from a validated ID token.

    ``name`` and ``email`` identify a person, so they stay out of the repr (and with it out of
    logs and crash reports); ``subject`` is the server's opaque account id.

    Attributes:
        subject: the ``sub`` claim (the Badgr user's entityId).
        name: the display name, or None.
        email: the e-mail address, or None.
    """

    subject: str
    name: str | None = field(default=None, repr=False)
    email: str | None = field(default=None, repr=False)

    @property
    def display_name(self) -> str:
        """What to show as "signed in as": the name, else the e-mail, else the subject."""
        return self.name or self.email or self.subject


def discover(client: ApiClient) -> OidcConfig:
    """Read ``/.well-known/openid-configuration`` from the API origin.

    Raises:
        MalformedDataError: the document lacks a required URL, names another issuer (OpenID
            Connect Discovery 1.0 section 4.3) or signs with none of :data:`ALGORITHMS`.
        NetworkError, ServerError, AuthError: as :meth:`ApiClient.get_json`.
    """
    doc = client.get_json(DISCOVERY_PATH)
    if not isinstance(doc, dict):
        raise MalformedDataError("The server's sign-in configuration could not be read.")
    issuer = _url(doc, "issuer")
    if issuer.rstrip("/") != client.base_url:
        raise MalformedDataError("The server's sign-in configuration names a different server.")
    algorithms = doc.get("id_token_signing_alg_values_supported")
    if not isinstance(algorithms, list) or not set(ALGORITHMS) & set(map(str, algorithms)):
        raise MalformedDataError("The server signs ID tokens in a way this app does not accept.")
    scopes = doc.get("scopes_supported")
    revocation = doc.get("revocation_endpoint")
    return OidcConfig(
        issuer=issuer,
        jwks_uri=_url(doc, "jwks_uri"),
        authorization_endpoint=_url(doc, "authorization_endpoint"),
        token_endpoint=_url(doc, "token_endpoint"),
        revocation_endpoint=_url(doc, "revocation_endpoint") if revocation is not None else None,
        scopes_supported=tuple(s for s in scopes if isinstance(s, str)) if isinstance(scopes, list) else (),
    )


def _url(doc: Mapping[str, Any], name: str) -> str:
    value = doc.get(name)
    if isinstance(value, str):
        parts = urlsplit(value)
        if parts.scheme in ("https", "http") and parts.netloc:
            return value
    raise MalformedDataError(f"The server's sign-in configuration has no valid {name}.")


def validate_id_token(
    token: str,
    *,
    issuer: str,
    client_id: str,
    jwks: JwksCache,
    nonces: NonceRegistry,
    leeway: float = 60,
    now: Callable[[], float] = time.time,
) -> IdentityClaims:
    """Check an ID token completely and return who it names.

    Args:
        token: the compact JWS from the token response's ``id_token``.
        issuer: the discovery document's ``issuer`` (compared exactly).
        client_id: our OAuth client id (the required audience).
        jwks: the server's keys.
        nonces: the registry that issued this sign-in's nonce; the nonce is consumed.
        leeway: allowed clock difference in seconds, for ``exp``, ``iat`` and ``nbf``.
        now: the wall clock (tests inject one).

    Raises:
        IdTokenError: the token fails any check; ``reason`` names which.
        NetworkError, ServerError: fetching the JWKS failed.
    """
    kid = _checked_header(token)
    claims = _decode(token, jwks.key(kid), issuer, client_id, leeway)
    _check_times(claims, now(), leeway)
    _check_party(claims, client_id)
    identity = _identity(claims)
    nonce = claims.get("nonce")
    if not isinstance(nonce, str) or not nonce:
        raise IdTokenError("The ID token has no nonce, so it is not tied to this sign-in.", "nonce-missing")
    if not nonces.consume(nonce):
        raise IdTokenError("The ID token's nonce is unknown, expired or already used.", "nonce")
    return identity


def _checked_header(token: str) -> str:
    """Judge the header before any key is chosen; return the ``kid``."""
    if not isinstance(token, str) or not token or len(token) > MAX_TOKEN_CHARS:
        raise IdTokenError("The ID token is missing or too long.", "malformed")
    try:
        header = jwt.get_unverified_header(token)
    except jwt.PyJWTError:
        raise IdTokenError(MALFORMED, "malformed") from None
    alg = header.get("alg")
    if not isinstance(alg, str) or alg.lower() == "none":
        raise IdTokenError("The ID token is not signed.", "unsigned")
    if alg not in ALGORITHMS:
        raise IdTokenError("The ID token is signed with an algorithm this app does not accept.", "algorithm")
    if any(name in header for name in _KEY_HEADERS):
        raise IdTokenError("The ID token names its own signing key, which is never trusted.", "key-header")
    if "crit" in header:
        raise IdTokenError("The ID token requires extensions this app does not support.", "critical")
    kid = header.get("kid")
    if not isinstance(kid, str) or not kid:
        raise IdTokenError("The ID token does not say which key signed it.", "kid")
    return kid


def _decode(token: str, key: jwt.PyJWK, issuer: str, client_id: str, leeway: float) -> dict[str, Any]:
    try:
        return jwt.decode(
            token,
            key,
            algorithms=list(ALGORITHMS),
            issuer=issuer,
            audience=client_id,
            options={"require": REQUIRED_CLAIMS, "enforce_minimum_key_length": True},
            leeway=leeway,
        )
    except jwt.MissingRequiredClaimError as exc:
        # exc.claim is one of our fixed claim names, never token content.
        raise IdTokenError(f"The ID token lacks the required '{exc.claim}' claim.", "missing-claim") from None
    except jwt.PyJWTError as exc:
        for kind, message, reason in _JWT_ERRORS:
            if isinstance(exc, kind):
                raise IdTokenError(message, reason) from None
        raise IdTokenError("The ID token was rejected.", "invalid") from None


def _check_times(claims: Mapping[str, Any], now: float, leeway: float) -> None:
    """PyJWT reads the system clock itself; repeat its time checks on the injected clock."""
    if float(claims["exp"]) <= now - leeway:
        raise IdTokenError("The ID token has expired.", "expired")
    if float(claims["iat"]) > now + leeway or float(claims.get("nbf", now)) > now + leeway:
        raise IdTokenError(FUTURE, "future")


def _check_party(claims: Mapping[str, Any], client_id: str) -> None:
    aud, azp = claims["aud"], claims.get("azp")
    if azp is None and isinstance(aud, list) and len(set(aud)) > 1:
        raise IdTokenError("The ID token names several audiences but no authorized party.", "azp")
    if azp is not None and azp != client_id:
        raise IdTokenError("The ID token was authorized for a different application.", "azp")


def _identity(claims: Mapping[str, Any]) -> IdentityClaims:
    subject = claims["sub"]
    if not isinstance(subject, str) or not subject or len(subject) > 255:
        raise IdTokenError("The ID token does not name a valid account.", "subject")
    name, email = claims.get("name"), claims.get("email")
    return IdentityClaims(
        subject,
        name if isinstance(name, str) and name else None,
        email if isinstance(email, str) and email else None,
    )
