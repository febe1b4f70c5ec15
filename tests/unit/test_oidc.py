"""ID-token validation (services/oidc.py, oidc_keys.py; SECURITY.md T18, tests 25 and 26).

Keys are generated here; tokens are signed with PyJWT or, for the forgeries PyJWT refuses to
produce (HS256 keyed with a public key), assembled by hand. Each rejection must raise
IdTokenError with its own ``reason`` and a message that quotes no part of the token.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import jwt
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from jwt.algorithms import ECAlgorithm, RSAAlgorithm

from backpack_desktop.domain.errors import AuthError, IdTokenError
from backpack_desktop.services.oidc import IdentityClaims, JwksCache, NonceRegistry, validate_id_token

ISSUER = "https://api.badgr.example"
CLIENT_ID = "backpack-desktop"
RSA_KEY = rsa.generate_private_key(public_exponent=65537, key_size=2048)
OTHER_RSA_KEY = rsa.generate_private_key(public_exponent=65537, key_size=2048)
EC_KEY = ec.generate_private_key(ec.SECP256R1())
KID, EC_KID, NEW_KID = "rsa-1", "ec-1", "rsa-2"
DROP = object()


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).decode("ascii").rstrip("=")


class FakeClock:
    """A monotonic clock moved by hand."""

    def __init__(self) -> None:
        self.now = 1_000.0

    def __call__(self) -> float:
        return self.now


def _jwk(key: Any, kid: str, alg: str) -> dict[str, Any]:
    to_jwk = RSAAlgorithm.to_jwk if alg == "RS256" else ECAlgorithm.to_jwk
    return {**to_jwk(key.public_key(), as_dict=True), "kid": kid, "alg": alg, "use": "sig"}


@dataclass
class Server:
    """The identity provider's side: its JWKS (changeable) and a count of fetches."""

    keys: list[dict[str, Any]] = field(
        default_factory=lambda: [_jwk(RSA_KEY, KID, "RS256"), _jwk(EC_KEY, EC_KID, "ES256")]
    )
    fetched: int = 0

    def fetch(self) -> dict[str, Any]:
        self.fetched += 1
        return {"keys": list(self.keys)}


@dataclass
class Ctx:
    server: Server
    clock: FakeClock
    jwks: JwksCache
    nonces: NonceRegistry

    def token(self, *, key: Any = RSA_KEY, alg: str = "RS256", headers: dict[str, Any] | None = None,
              **claims: Any) -> str:
        now = int(time.time())
        body: dict[str, Any] = {"iss": ISSUER, "aud": CLIENT_ID, "azp": CLIENT_ID, "sub": "user-entity-1",
                                "iat": now, "exp": now + 300, "auth_time": now, "nonce": self.nonces.issue(),
                                "name": "Ada Lovelace", "email": "ada@example.org"}
        body.update(claims)
        body = {k: v for k, v in body.items() if v is not DROP}
        head = {"kid": KID if alg == "RS256" else EC_KID} | (headers or {})
        head = {k: v for k, v in head.items() if v is not DROP}
        return jwt.encode(body, key, algorithm=alg, headers=head)

    def validate(self, token: str, **kw: Any) -> IdentityClaims:
        return validate_id_token(token, issuer=ISSUER, client_id=CLIENT_ID, jwks=self.jwks,
                                 nonces=self.nonces, **kw)

    def rejects(self, token: str, reason: str, **kw: Any) -> IdTokenError:
        with pytest.raises(IdTokenError) as info:
            self.validate(token, **kw)
        assert info.value.reason == reason, str(info.value)
        _assert_quiet(info.value, token)
        return info.value


def _assert_quiet(exc: IdTokenError, token: str) -> None:
    """One sentence, no part of the token, no chained PyJWT exception that might quote it."""
    text = str(exc)
    assert isinstance(exc, AuthError)
    assert text.endswith(".") and "\n" not in text
    for part in [token, *token.split(".")]:
        assert len(part) < 8 or part not in text
    assert "ada@example.org" not in text and "user-entity-1" not in text
    assert exc.__cause__ is None and (exc.__context__ is None or exc.__suppress_context__)


@pytest.fixture
def ctx() -> Ctx:
    server, clock = Server(), FakeClock()
    return Ctx(server, clock, JwksCache(server.fetch, clock=clock), NonceRegistry(clock=clock))


def _hand_made(header: dict[str, Any], claims: dict[str, Any], sign: Callable[[bytes], bytes]) -> str:
    signing_input = f"{_b64(json.dumps(header).encode())}.{_b64(json.dumps(claims).encode())}"
    return f"{signing_input}.{_b64(sign(signing_input.encode()))}"


def _claims_of(token: str) -> dict[str, Any]:
    return jwt.decode(token, options={"verify_signature": False})


# -- accepted ---------------------------------------------------------------------------------
def test_a_good_rs256_token_is_accepted(ctx: Ctx) -> None:
    identity = ctx.validate(ctx.token())
    assert identity == IdentityClaims("user-entity-1", "Ada Lovelace", "ada@example.org")
    assert identity.display_name == "Ada Lovelace"
    assert ctx.server.fetched == 1


def test_a_good_es256_token_is_accepted(ctx: Ctx) -> None:
    assert ctx.validate(ctx.token(key=EC_KEY, alg="ES256")).subject == "user-entity-1"


def test_the_repr_keeps_name_and_email_out() -> None:
    text = repr(IdentityClaims("user-entity-1", "Ada Lovelace", "ada@example.org"))
    assert "user-entity-1" in text
    assert "ada@example.org" not in text and "Lovelace" not in text


def test_clock_differences_within_the_leeway_are_accepted(ctx: Ctx) -> None:
    now = int(time.time())
    assert ctx.validate(ctx.token(iat=now + 50, exp=now - 50 + 1))
    assert ctx.validate(ctx.token(aud=[CLIENT_ID]), leeway=0)


def test_several_audiences_with_our_azp_are_accepted(ctx: Ctx) -> None:
    assert ctx.validate(ctx.token(aud=[CLIENT_ID, "other-app"], azp=CLIENT_ID))


# -- SECURITY.md test 25: the rejection matrix ----------------------------------------------------
def test_alg_none_is_rejected(ctx: Ctx) -> None:
    token = ctx.token(key=None, alg="none", headers={"kid": KID})
    ctx.rejects(token, "unsigned")


def test_hs256_signed_with_the_public_key_is_rejected(ctx: Ctx) -> None:
    pem = RSA_KEY.public_key().public_bytes(serialization.Encoding.PEM,
                                            serialization.PublicFormat.SubjectPublicKeyInfo)
    claims = _claims_of(ctx.token())
    for secret in (pem, json.dumps(_jwk(RSA_KEY, KID, "RS256")).encode()):

        def hs256(data: bytes, secret: bytes = secret) -> bytes:
            return hmac.new(secret, data, hashlib.sha256).digest()

        ctx.rejects(_hand_made({"alg": "HS256", "typ": "JWT", "kid": KID}, claims, hs256), "algorithm")
    assert ctx.validate(ctx.token())  # the nonce of the forgeries was not burnt either


def test_other_algorithms_outside_the_fixed_list_are_rejected(ctx: Ctx) -> None:
    ctx.rejects(ctx.token(alg="RS512"), "algorithm")
    ctx.rejects(ctx.token(alg="PS256"), "algorithm")


def test_a_header_alg_that_differs_from_the_key_is_rejected(ctx: Ctx) -> None:
    token = ctx.token(key=EC_KEY, alg="ES256", headers={"kid": KID})  # ES256 under the RSA key's kid
    ctx.rejects(token, "algorithm")


def test_unknown_kid_is_rejected(ctx: Ctx) -> None:
    ctx.rejects(ctx.token(key=OTHER_RSA_KEY, headers={"kid": "nobody"}), "kid")


def test_missing_kid_is_rejected(ctx: Ctx) -> None:
    ctx.rejects(ctx.token(headers={"kid": DROP}), "kid")


@pytest.mark.parametrize("header", ["jku", "jwk", "x5u", "x5c"])
def test_a_token_naming_its_own_key_is_rejected_without_fetching_it(ctx: Ctx, header: str) -> None:
    attacker_jwks = _jwk(OTHER_RSA_KEY, "evil", "RS256")
    value: Any = {"jku": "https://evil.example/jwks.json", "jwk": attacker_jwks,
                  "x5u": "https://evil.example/cert.pem", "x5c": ["MIIB"]}[header]
    token = ctx.token(key=OTHER_RSA_KEY, headers={"kid": "evil", header: value})
    ctx.rejects(token, "key-header")
    assert ctx.server.fetched == 0  # not even our own JWKS was fetched for it


def test_a_forged_signature_under_a_known_kid_is_rejected(ctx: Ctx) -> None:
    ctx.rejects(ctx.token(key=OTHER_RSA_KEY), "signature")


def test_wrong_issuer_is_rejected(ctx: Ctx) -> None:
    ctx.rejects(ctx.token(iss="https://evil.example"), "issuer")
    ctx.rejects(ctx.token(iss=ISSUER + "/"), "issuer")  # compared exactly


def test_missing_audience_is_rejected(ctx: Ctx) -> None:
    error = ctx.rejects(ctx.token(aud=DROP), "missing-claim")
    assert "'aud'" in str(error)


def test_another_audience_is_rejected(ctx: Ctx) -> None:
    ctx.rejects(ctx.token(aud="other-app", azp="other-app"), "audience")
    ctx.rejects(ctx.token(aud=["other-app", "third-app"], azp="other-app"), "audience")


def test_several_audiences_without_azp_are_rejected(ctx: Ctx) -> None:
    ctx.rejects(ctx.token(aud=[CLIENT_ID, "other-app"], azp=DROP), "azp")


def test_several_audiences_with_a_wrong_azp_are_rejected(ctx: Ctx) -> None:
    ctx.rejects(ctx.token(aud=[CLIENT_ID, "other-app"], azp="other-app"), "azp")
    ctx.rejects(ctx.token(azp="other-app"), "azp")  # a single audience with a foreign azp too


@pytest.mark.parametrize("claim", ["exp", "iat", "iss", "sub"])
def test_missing_required_claims_are_rejected(ctx: Ctx, claim: str) -> None:
    claims: dict[str, Any] = {claim: DROP}
    error = ctx.rejects(ctx.token(**claims), "missing-claim")
    assert f"'{claim}'" in str(error)


def test_an_empty_subject_is_rejected(ctx: Ctx) -> None:
    ctx.rejects(ctx.token(sub=""), "subject")


def test_expired_is_rejected(ctx: Ctx) -> None:
    now = int(time.time())
    ctx.rejects(ctx.token(iat=now - 3600, exp=now - 600), "expired")


def test_iat_in_the_far_future_is_rejected(ctx: Ctx) -> None:
    now = int(time.time())
    ctx.rejects(ctx.token(iat=now + 86400, exp=now + 86400 + 300), "future")
    ctx.rejects(ctx.token(iat=now + 90), "future")  # just past the 60 s leeway


def test_time_checks_follow_the_injected_clock(ctx: Ctx) -> None:
    token = ctx.token()
    ctx.rejects(token, "expired", now=lambda: time.time() + 7200)
    ctx.rejects(token, "future", now=lambda: time.time() - 7200)


def test_missing_nonce_is_rejected(ctx: Ctx) -> None:
    ctx.rejects(ctx.token(nonce=DROP), "nonce-missing")


def test_wrong_nonce_is_rejected(ctx: Ctx) -> None:
    ctx.rejects(ctx.token(nonce="never-issued"), "nonce")


def test_reused_nonce_is_rejected(ctx: Ctx) -> None:
    token = ctx.token()
    assert ctx.validate(token)
    ctx.rejects(token, "nonce")


def test_expired_nonce_is_rejected(ctx: Ctx) -> None:
    token = ctx.token()
    ctx.clock.now += 601
    ctx.rejects(token, "nonce")


def test_a_rejected_token_does_not_use_up_the_nonce(ctx: Ctx) -> None:
    nonce = ctx.nonces.issue()
    ctx.rejects(ctx.token(key=OTHER_RSA_KEY, nonce=nonce), "signature")
    assert ctx.validate(ctx.token(nonce=nonce))


def _rs256(data: bytes) -> bytes:
    return RSAAlgorithm(RSAAlgorithm.SHA256).sign(data, RSA_KEY)


NOT_AN_OBJECT = jwt.api_jws.encode(b"[1, 2]", RSA_KEY, algorithm="RS256", headers={"kid": KID})


@pytest.mark.parametrize("token", ["", "abc", "a.b.c", "x" * 20_000, NOT_AN_OBJECT])
def test_malformed_tokens_are_rejected(ctx: Ctx, token: str) -> None:
    ctx.rejects(token, "malformed")


def test_a_garbage_signature_is_rejected(ctx: Ctx) -> None:
    head, body, _ = ctx.token().split(".")
    ctx.rejects(f"{head}.{body}.", "signature")
    ctx.rejects(f"{head}.{body}.{_b64(b'x' * 256)}", "signature")


def test_critical_extensions_are_rejected(ctx: Ctx) -> None:
    header = {"alg": "RS256", "kid": KID, "crit": ["b64"], "b64": True}
    ctx.rejects(_hand_made(header, _claims_of(ctx.token()), _rs256), "critical")
    ctx.rejects(ctx.token(headers={"crit": ["exp-ext"], "exp-ext": 1}), "malformed")  # PyJWT refuses it


# -- JWKS cache: refetch at most once per minute ---------------------------------------------------
def test_unknown_kid_refetches_at_most_once_per_minute(ctx: Ctx) -> None:
    assert ctx.validate(ctx.token())
    assert ctx.server.fetched == 1
    stranger = {"kid": NEW_KID}
    for _ in range(5):  # a burst of unknown kids right after the fetch: no refetch
        ctx.rejects(ctx.token(key=OTHER_RSA_KEY, headers=stranger), "kid")
    assert ctx.server.fetched == 1
    ctx.clock.now += 61
    for _ in range(5):  # a minute later: one refetch for the whole burst
        ctx.rejects(ctx.token(key=OTHER_RSA_KEY, headers=stranger), "kid")
    assert ctx.server.fetched == 2
    assert ctx.validate(ctx.token())  # known keys never cause a fetch
    assert ctx.server.fetched == 2


def test_a_rotated_key_is_picked_up_after_the_interval(ctx: Ctx) -> None:
    assert ctx.validate(ctx.token())
    ctx.server.keys = [_jwk(OTHER_RSA_KEY, NEW_KID, "RS256")]
    rotated = ctx.token(key=OTHER_RSA_KEY, headers={"kid": NEW_KID})
    ctx.rejects(rotated, "kid")
    ctx.clock.now += 60
    assert ctx.validate(ctx.token(key=OTHER_RSA_KEY, headers={"kid": NEW_KID}))
    assert ctx.server.fetched == 2


def test_symmetric_and_foreign_keys_in_the_jwks_are_ignored(ctx: Ctx) -> None:
    ctx.server.keys = [
        {"kty": "oct", "kid": "oct-1", "k": _b64(b"s" * 32), "alg": "HS256"},
        {**_jwk(OTHER_RSA_KEY, "enc-1", "RS256"), "use": "enc"},
        {**_jwk(OTHER_RSA_KEY, "alg-1", "RS256"), "alg": "RS512"},
        _jwk(RSA_KEY, KID, "RS256"),
    ]
    for kid in ("oct-1", "enc-1", "alg-1"):
        ctx.rejects(ctx.token(key=OTHER_RSA_KEY, headers={"kid": kid}), "kid")
    assert ctx.validate(ctx.token())


def test_an_unreadable_jwks_is_rejected(ctx: Ctx) -> None:
    cache = JwksCache(lambda: {"no": "keys"}, clock=ctx.clock)
    with pytest.raises(IdTokenError) as info:
        cache.key(KID)
    assert info.value.reason == "jwks"


def test_a_failed_first_fetch_does_not_block_the_next_try() -> None:
    calls: list[int] = []

    def flaky() -> dict[str, Any]:
        calls.append(1)
        if len(calls) == 1:
            raise OSError("network down")
        return {"keys": [_jwk(RSA_KEY, KID, "RS256")]}

    cache = JwksCache(flaky, clock=FakeClock())
    with pytest.raises(OSError):
        cache.key(KID)
    assert cache.key(KID).algorithm_name == "RS256"


# -- nonces ------------------------------------------------------------------------------------------
def test_nonces_are_random_and_single_use() -> None:
    registry = NonceRegistry()
    first, second = registry.issue(), registry.issue()
    assert first != second and len(first) >= 40
    assert registry.consume(first) and not registry.consume(first)
    assert registry.consume(second)
    assert not registry.consume("made-up")


def test_only_the_newest_nonces_stay_pending() -> None:
    registry = NonceRegistry(limit=2)
    oldest, middle, newest = registry.issue(), registry.issue(), registry.issue()
    assert not registry.consume(oldest)
    assert registry.consume(middle) and registry.consume(newest)


# -- SECURITY.md test 26: PyJWT's defaults are not enough ---------------------------------------------
def test_bare_jwt_decode_accepts_what_our_wrapper_rejects(ctx: Ctx) -> None:
    public = RSA_KEY.public_key()
    no_exp = ctx.token(exp=DROP)
    evil = ctx.token(iss="https://evil")
    assert "exp" not in jwt.decode(no_exp, public, algorithms=["RS256"], audience=CLIENT_ID)
    assert jwt.decode(evil, public, algorithms=["RS256"], audience=CLIENT_ID)["iss"] == "https://evil"
    ctx.rejects(no_exp, "missing-claim")
    ctx.rejects(evil, "issuer")


def test_the_wrapper_passes_algorithms_issuer_audience_and_require(
        ctx: Ctx, monkeypatch: pytest.MonkeyPatch) -> None:
    seen: list[dict[str, Any]] = []
    real_decode = jwt.decode

    def spy(token: str, key: Any, **kwargs: Any) -> dict[str, Any]:
        seen.append(kwargs)
        return real_decode(token, key, **kwargs)

    monkeypatch.setattr(jwt, "decode", spy)
    assert ctx.validate(ctx.token(), leeway=30)
    (kwargs,) = seen
    assert kwargs["algorithms"] == ["RS256", "ES256"]
    assert kwargs["issuer"] == ISSUER and kwargs["audience"] == CLIENT_ID
    assert set(kwargs["options"]["require"]) >= {"exp", "iat", "iss", "aud", "sub"}
    assert kwargs["leeway"] == 30
