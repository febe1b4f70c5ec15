"""Open Badges 3.0 verification: VC-JWT (RS256, ES256, EdDSA), eddsa-rdfc-2022, status, dates.

Credentials are signed here with throwaway keys so that each rule can fail on its own; the
1EdTech files anchor the cryptography against an independent implementation (see
test_verify_testdata.py). JSON-LD contexts come from the shared test data's README table.
"""

from __future__ import annotations

import copy
import json
import re
import socket
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import jwt
import pytest
from cryptography.hazmat.primitives.asymmetric import ec, ed25519, rsa
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat
from jwt.algorithms import ECAlgorithm, OKPAlgorithm, RSAAlgorithm
from pyld import jsonld

from backpack_desktop.domain.badgefile import BadgeFile, read_badge_file, read_payload
from backpack_desktop.domain.verify import (
    MAX_FETCHES,
    MapResolver,
    OfflineResolver,
    Outcome,
    Resolver,
    Verification,
    verify,
)
from backpack_desktop.domain.verify.data_integrity import signed_message
from backpack_desktop.domain.verify.resolver import Fetcher

NOW = datetime(2025, 6, 1, tzinfo=UTC)
ISSUER = "https://issuer.example/profile"
CRED_ID = "urn:uuid:4f0e5b7c-0000-4000-8000-000000000001"
SUBJECT = "did:example:learner"
V2 = ["https://www.w3.org/ns/credentials/v2", "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json"]
_RSA = rsa.generate_private_key(public_exponent=65537, key_size=2048)
_EC = ec.generate_private_key(ec.SECP256R1())
_ED = ed25519.Ed25519PrivateKey.generate()
_B58 = "123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz"
_CONTEXT_ROW = re.compile(r"^\| `(https://[^`]+)` \| `(dcpv/contexts/[^`]+)` \|", re.MULTILINE)


def b58(data: bytes) -> str:
    number, out = int.from_bytes(data, "big"), ""
    while number:
        number, digit = divmod(number, 58)
        out = _B58[digit] + out
    return "1" * (len(data) - len(data.lstrip(b"\0"))) + out


def did_key(private: ed25519.Ed25519PrivateKey) -> str:
    raw = private.public_key().public_bytes(Encoding.Raw, PublicFormat.Raw)
    return "did:key:z" + b58(b"\xed\x01" + raw)


@pytest.fixture(scope="module")
def contexts(shared_testdata: Path) -> MapResolver:
    rows = _CONTEXT_ROW.findall((shared_testdata / "README.md").read_text(encoding="utf-8"))
    return MapResolver({url: shared_testdata / path for url, path in rows})


def credential(**changes: Any) -> dict[str, Any]:
    document: dict[str, Any] = {
        "@context": list(V2),
        "id": CRED_ID,
        "type": ["VerifiableCredential", "OpenBadgeCredential"],
        "issuer": {"id": ISSUER, "type": ["Profile"], "name": "Issuer"},
        "validFrom": "2020-01-01T00:00:00Z",
        "name": "Teamwork",
        "credentialSubject": {
            "id": SUBJECT,
            "type": ["AchievementSubject"],
            "achievement": {"id": "https://issuer.example/a", "type": ["Achievement"], "name": "Teamwork"},
        },
    }
    document.update(changes)
    return {k: v for k, v in document.items() if v is not None}


def vc_jwt(payload: dict[str, Any], algorithm: str = "RS256", **header: Any) -> BadgeFile:
    key = {"RS256": _RSA, "ES256": _EC, "EdDSA": _ED, "none": None}[algorithm]
    return read_payload(jwt.encode(payload, key, algorithm=algorithm, headers=header or None))


def claims(document: dict[str, Any], **extra: Any) -> dict[str, Any]:
    return {**document, "iss": ISSUER, "jti": CRED_ID, "nbf": 1577836800, **extra}


def inline_jwk() -> dict[str, Any]:
    return RSAAlgorithm.to_jwk(_RSA.public_key(), as_dict=True)


def check(result: Verification, name: str) -> Outcome:
    return next(c.outcome for c in result.checks if c.name == name)


def run(badge: BadgeFile, resolver: Resolver | None = None, **kwargs: Any) -> Verification:
    return verify(badge, resolver=resolver or OfflineResolver(), now=NOW, **kwargs)


# -- VC-JWT ----------------------------------------------------------------------------------------
def test_vcdm2_jwt_with_inline_jwk_is_verified_with_a_note() -> None:
    result = run(vc_jwt(claims(credential()), jwk=inline_jwk()))
    assert result.outcome is Outcome.VERIFIED, result.to_json()
    assert any("carried in the file itself" in r for r in result.reasons)


def test_es256_key_fetched_by_kid_is_verified_without_the_note() -> None:
    kid = "https://issuer.example/keys/1"
    jwk = ECAlgorithm.to_jwk(_EC.public_key(), as_dict=True)
    resolver = MapResolver({kid: json.dumps(jwk).encode()})
    result = run(vc_jwt(claims(credential()), "ES256", kid=kid), resolver)
    assert result.outcome is Outcome.VERIFIED, result.to_json()
    assert not any("carried in the file" in r for r in result.reasons)


def test_eddsa_key_in_a_did_document_found_by_kid() -> None:
    kid = "https://issuer.example/did.json#key-1"
    jwk = OKPAlgorithm.to_jwk(_ED.public_key(), as_dict=True)
    did_doc = {
        "id": "https://issuer.example/did.json",
        "verificationMethod": [{"id": "#key-1", "publicKeyJwk": jwk}],
    }
    resolver = MapResolver({"https://issuer.example/did.json": json.dumps(did_doc).encode()})
    assert run(vc_jwt(claims(credential()), "EdDSA", kid=kid), resolver).outcome is Outcome.VERIFIED


def test_eddsa_did_key_kid_resolves_offline() -> None:
    kid = did_key(_ED) + "#key"
    assert run(vc_jwt(claims(credential()), "EdDSA", kid=kid)).outcome is Outcome.VERIFIED


def test_kid_that_cannot_be_fetched_is_unchecked() -> None:
    result = run(vc_jwt(claims(credential()), kid="https://issuer.example/keys/1"))
    assert result.outcome is Outcome.UNCHECKED
    assert "key could not be fetched" in result.reasons[0]


def test_no_key_at_all_is_unchecked() -> None:
    result = run(vc_jwt(claims(credential())))
    assert result.outcome is Outcome.UNCHECKED
    assert "no verification key" in result.reasons[0]


def test_private_key_in_the_header_is_refused() -> None:
    private = RSAAlgorithm.to_jwk(_RSA, as_dict=True)
    result = run(vc_jwt(claims(credential()), jwk=private))
    assert result.outcome is Outcome.INVALID


def test_unsigned_alg_none_is_invalid() -> None:
    result = run(vc_jwt(claims(credential()), "none"))
    assert result.outcome is Outcome.INVALID
    assert "algorithm" in result.reasons[0]


def test_key_of_another_type_than_alg_is_invalid() -> None:
    jwk = ECAlgorithm.to_jwk(_EC.public_key(), as_dict=True)
    assert run(vc_jwt(claims(credential()), jwk=jwk)).outcome is Outcome.INVALID


def test_vcdm11_vc_claim_with_expiration_date_in_the_past_is_invalid() -> None:
    old = credential(
        validFrom=None, issuanceDate="2019-01-01T00:00:00Z", expirationDate="2021-01-01T00:00:00Z"
    )
    old["@context"] = ["https://www.w3.org/2018/credentials/v1", V2[1]]
    payload = {"vc": old, "iss": ISSUER, "jti": CRED_ID, "sub": SUBJECT, "nbf": 1546300800, "exp": 1609459200}
    badge = vc_jwt(payload, jwk=inline_jwk())
    assert badge.document == old
    result = run(badge)
    assert check(result, "signature") is Outcome.VERIFIED
    assert result.outcome is Outcome.INVALID
    assert "expired on 2021-01-01" in result.reasons[0]


@pytest.mark.parametrize(
    "extra",
    [
        {"iss": "https://forger.example"},
        {"jti": "urn:other"},
        {"sub": "did:example:other"},
        {"nbf": 1},
        {"exp": 4102444800},
    ],
    ids=["iss", "jti", "sub", "nbf", "exp"],
)
def test_jwt_claims_must_agree_with_the_credential(extra: dict[str, Any]) -> None:
    result = run(vc_jwt(claims(credential(validUntil="2090-01-01T00:00:00Z"), **extra), jwk=inline_jwk()))
    assert result.outcome is Outcome.INVALID
    assert check(result, "claims") is Outcome.INVALID


def test_not_yet_valid_credential_is_invalid() -> None:
    future = credential(validFrom="2030-01-01T00:00:00Z")
    result = run(vc_jwt(claims(future, nbf=1893456000), jwk=inline_jwk()))
    assert result.outcome is Outcome.INVALID
    assert "not valid until 2030-01-01" in result.reasons[0]


def test_tampered_vc_jwt_signature_and_payload_are_invalid(shared_testdata: Path) -> None:
    token = read_badge_file((shared_testdata / "dcpv/ob30/simple-jwt.png").read_bytes()).text
    head, payload, signature = token.split(".")
    middle = len(signature) // 2
    flipped = signature[:middle] + ("A" if signature[middle] != "A" else "B") + signature[middle + 1 :]
    assert run(read_payload(f"{head}.{payload}.{flipped}")).outcome is Outcome.INVALID
    document = read_payload(token).jws_claims
    document["name"] = "Leadership Badge"
    forged = jwt.utils.base64url_encode(json.dumps(document).encode()).decode()
    result = run(read_payload(f"{head}.{forged}.{signature}"))
    assert result.outcome is Outcome.INVALID
    assert "signature does not match" in result.reasons[0]


# -- Data Integrity (eddsa-rdfc-2022) ---------------------------------------------------------------
def sign_di(document: dict[str, Any], contexts: MapResolver, method: str) -> dict[str, Any]:
    proof = {
        "type": "DataIntegrityProof",
        "cryptosuite": "eddsa-rdfc-2022",
        "created": "2024-01-01T00:00:00Z",
        "verificationMethod": method,
        "proofPurpose": "assertionMethod",
    }
    message = signed_message(document, proof, Fetcher(OfflineResolver(), contexts))
    return {**document, "proof": [{**proof, "proofValue": "z" + b58(_ED.sign(message))}]}


def test_did_key_issuer_signed_credential_is_verified(contexts: MapResolver) -> None:
    did = did_key(_ED)
    signed = sign_di(
        credential(issuer={"id": did, "type": ["Profile"], "name": "I"}), contexts, f"{did}#{did[8:]}"
    )
    result = run(read_payload(json.dumps(signed)), context_resolver=contexts)
    assert result.outcome is Outcome.VERIFIED, result.to_json()
    assert check(result, "proof") is Outcome.VERIFIED
    assert not any("carried in the file" in r for r in result.reasons)


def test_key_in_the_issuers_controller_document(contexts: MapResolver) -> None:
    method = f"{ISSUER}#key-1"
    multikey = did_key(_ED)[len("did:key:") :]
    controller = {
        "id": ISSUER,
        "verificationMethod": [{"id": method, "type": "Multikey", "publicKeyMultibase": multikey}],
    }
    signed = read_payload(json.dumps(sign_di(credential(), contexts, method)))
    resolver = MapResolver({ISSUER: json.dumps(controller).encode()})
    assert run(signed, resolver, context_resolver=contexts).outcome is Outcome.VERIFIED
    assert run(signed, context_resolver=contexts).outcome is Outcome.UNCHECKED  # key not reachable


@pytest.mark.parametrize("path", [("name",), ("credentialSubject", "achievement", "name"), ("validFrom",)])
def test_changed_credential_field_breaks_the_proof(contexts: MapResolver, path: tuple[str, ...]) -> None:
    did = did_key(_ED)
    signed = sign_di(credential(), contexts, f"{did}#{did[8:]}")
    tampered = copy.deepcopy(signed)
    node = tampered
    for key in path[:-1]:
        node = node[key]
    node[path[-1]] = "2021-01-01T00:00:00Z" if path[-1] == "validFrom" else "Something else"
    result = run(read_payload(json.dumps(tampered)), context_resolver=contexts)
    assert result.outcome is Outcome.INVALID
    assert check(result, "proof") is Outcome.INVALID


def test_unsigned_credential_is_never_verified() -> None:
    result = run(read_payload(json.dumps(credential())))
    assert result.outcome is Outcome.UNCHECKED
    assert "no proof" in result.reasons[0]


def test_unsupported_cryptosuite_is_unchecked(contexts: MapResolver) -> None:
    document = credential(proof={"type": "Ed25519Signature2020", "proofValue": "z1"})
    assert run(read_payload(json.dumps(document)), context_resolver=contexts).outcome is Outcome.UNCHECKED


def test_pyld_never_touches_the_network(
    shared_testdata: Path, contexts: MapResolver, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A context missing from the map is "context unavailable"; pyld's loader and sockets stay unused."""
    touched: list[object] = []

    def refuse(*args: object, **kwargs: object) -> None:
        touched.append(args)
        raise AssertionError("network used")

    monkeypatch.setattr(socket.socket, "connect", refuse)
    monkeypatch.setattr(jsonld, "_default_document_loader", refuse)
    without_extensions = MapResolver(
        {url: contexts._exact[url] for url in contexts._exact if not url.endswith("extensions.json")}
    )
    badge = read_badge_file((shared_testdata / "dcpv/ob30/complete.json").read_bytes())
    # With every context first: nothing loaded then may satisfy the next verification's pyld.
    assert check(run(badge, context_resolver=contexts), "proof") is Outcome.VERIFIED
    result = run(badge, context_resolver=without_extensions)
    assert result.outcome is Outcome.UNCHECKED
    assert check(result, "proof") is Outcome.UNCHECKED
    assert "context unavailable" in result.reasons[0]
    assert touched == []


# -- status ----------------------------------------------------------------------------------------
def status_credential(*urls: str) -> BadgeFile:
    entries = [{"id": url, "type": "1EdTechRevocationList"} for url in urls]
    document = credential(credentialStatus=entries[0] if len(entries) == 1 else entries)
    return vc_jwt(claims(document), jwk=inline_jwk())


def test_status_list_naming_the_credential_revokes_it() -> None:
    listing = {"revokedCredentials": [{"id": CRED_ID, "revocationReason": "Withdrawn"}]}
    resolver = MapResolver({"https://issuer.example/status": json.dumps(listing).encode()})
    result = run(status_credential("https://issuer.example/status"), resolver)
    assert result.outcome is Outcome.INVALID
    assert result.revocation_reason == "Withdrawn"


def test_status_list_without_the_credential_is_not_revoked() -> None:
    resolver = MapResolver({"https://issuer.example/status": b'{"revokedCredentials": ["urn:x"]}'})
    result = run(status_credential("https://issuer.example/status"), resolver)
    assert result.outcome is Outcome.VERIFIED
    assert check(result, "revocation") is Outcome.VERIFIED


def test_unfetchable_or_unknown_status_is_unchecked() -> None:
    offline = run(status_credential("https://issuer.example/status"))
    assert (offline.outcome, check(offline, "revocation")) == (Outcome.UNCHECKED, Outcome.UNCHECKED)
    assert "Revocation status unknown (offline)" in offline.reasons[0]
    bitstring = credential(
        credentialStatus={"type": "BitstringStatusListEntry", "statusListCredential": "https://s"}
    )
    assert run(vc_jwt(claims(bitstring), jwk=inline_jwk())).outcome is Outcome.UNCHECKED


def test_fetches_are_capped_per_verification() -> None:
    asked: list[str] = []

    class AnswersEverything:
        def fetch(self, url: str) -> bytes:
            asked.append(url)
            return b'{"revokedCredentials": []}'

    urls = [f"https://issuer.example/status/{n}" for n in range(MAX_FETCHES + 10)]
    result = run(status_credential(*urls), AnswersEverything())
    assert len(asked) == MAX_FETCHES
    assert result.outcome is Outcome.UNCHECKED


# -- recipient and type ----------------------------------------------------------------------------
def test_identifier_list_matches_a_verified_address(shared_testdata: Path, contexts: MapResolver) -> None:
    badge = read_badge_file((shared_testdata / "dcpv/ob30/complete.json").read_bytes())
    result = run(badge, context_resolver=contexts, emails=("Student@1EdTech.edu",))
    assert check(result, "recipient") is Outcome.VERIFIED
    other = run(badge, context_resolver=contexts, emails=("nobody@example.org",))
    assert check(other, "recipient") is Outcome.UNCHECKED


def test_hashed_identifier_matches() -> None:
    import hashlib

    subject = credential()["credentialSubject"] | {
        "identifier": [
            {
                "type": "IdentityObject",
                "identityType": "emailAddress",
                "hashed": True,
                "salt": "s",
                "identityHash": "sha256$" + hashlib.sha256(b"me@example.orgs").hexdigest(),
            }
        ]
    }
    result = run(
        vc_jwt(claims(credential(credentialSubject=subject)), jwk=inline_jwk()), emails=("me@example.org",)
    )
    assert check(result, "recipient") is Outcome.VERIFIED


def test_credential_that_is_not_a_badge_is_invalid() -> None:
    document = credential(type=["VerifiableCredential", "EndorsementCredential"])
    assert run(vc_jwt(claims(document), jwk=inline_jwk())).outcome is Outcome.INVALID
