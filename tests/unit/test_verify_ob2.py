"""Open Badges 1.0/2.0 verification: hosted re-fetch, signed JWS, revocation, dates, recipient.

Signed badges are made here with a throwaway RSA key whose key document, issuer and badge
class are served by a MapResolver, so every rule (key linked both ways, revocation list
shapes, tampering) can be exercised. Hosted badges start from the 1EdTech basic assertion.
"""

from __future__ import annotations

import copy
import hashlib
import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import jwt
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

from backpack_desktop.domain.badgefile import BadgeFile, read_badge_file, read_payload
from backpack_desktop.domain.verify import (
    MapResolver,
    OfflineResolver,
    Outcome,
    Unavailable,
    Verification,
    verify,
)
from backpack_desktop.domain.verify.resolver import Fetcher

NOW = datetime(2025, 6, 1, tzinfo=UTC)
ORG = "https://issuer.example/"
KEY_URL, ISSUER_URL, BADGE_URL = f"{ORG}key.json", f"{ORG}issuer.json", f"{ORG}badge.json"
LIST_URL, ASSERTION_ID = f"{ORG}revoked.json", f"{ORG}assertions/1"
EMAIL, SALT = "Learner@Example.org", "pepper"
_PRIVATE = rsa.generate_private_key(public_exponent=65537, key_size=2048)


def _json(value: Any) -> bytes:
    return json.dumps(value).encode()


def _pem() -> str:
    public = _PRIVATE.public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    return public.decode()


def _assertion(**changes: Any) -> dict[str, Any]:
    digest = hashlib.sha256((EMAIL.lower() + SALT).encode()).hexdigest()
    document = {
        "@context": "https://w3id.org/openbadges/v2",
        "type": "Assertion",
        "id": ASSERTION_ID,
        "recipient": {"type": "email", "hashed": True, "salt": SALT, "identity": f"sha256${digest}"},
        "issuedOn": "2020-01-01T00:00:00Z",
        "badge": BADGE_URL,
        "verification": {"type": "signed", "creator": KEY_URL},
    }
    document.update(changes)
    return document


def _world(**overrides: Any) -> dict[str, Any]:
    """The issuer's published documents; an override of None leaves that URL unavailable."""
    docs: dict[str, Any] = {
        KEY_URL: {"id": KEY_URL, "type": "CryptographicKey", "owner": ISSUER_URL, "publicKeyPem": _pem()},
        ISSUER_URL: {
            "id": ISSUER_URL,
            "type": "Issuer",
            "name": "Issuer",
            "publicKey": KEY_URL,
            "revocationList": LIST_URL,
        },
        BADGE_URL: {"id": BADGE_URL, "type": "BadgeClass", "name": "B", "issuer": ISSUER_URL},
        LIST_URL: {"id": LIST_URL, "type": "RevocationList", "revokedAssertions": []},
    }
    docs.update(overrides)
    return docs


def _resolver(docs: dict[str, Any]) -> MapResolver:
    return MapResolver({url: _json(doc) for url, doc in docs.items() if doc is not None})


def _signed(document: dict[str, Any], header: dict[str, Any] | None = None) -> BadgeFile:
    token = jwt.api_jws.encode(_json(document), _PRIVATE, algorithm="RS256", headers=header)
    return read_payload(token)


def _verify(badge: BadgeFile, docs: dict[str, Any], emails: tuple[str, ...] = ()) -> Verification:
    return verify(badge, resolver=_resolver(docs), now=NOW, emails=emails)


def _outcome(result: Verification, name: str) -> Outcome:
    return next(c.outcome for c in result.checks if c.name == name)


# -- signed --------------------------------------------------------------------------------------
def test_signed_badge_with_linked_key_is_verified() -> None:
    result = _verify(_signed(_assertion()), _world())
    assert result.outcome is Outcome.VERIFIED, result.to_json()
    assert _outcome(result, "signature") is Outcome.VERIFIED
    assert _outcome(result, "revocation") is Outcome.VERIFIED


@pytest.mark.parametrize(
    "override",
    [
        {KEY_URL: {"id": KEY_URL, "owner": f"{ORG}someone-else.json", "publicKeyPem": _pem()}},
        {ISSUER_URL: {"id": ISSUER_URL, "type": "Issuer", "publicKey": f"{ORG}other-key.json"}},
    ],
    ids=["key-owned-by-another", "issuer-does-not-list-key"],
)
def test_key_not_linked_both_ways_is_invalid(override: dict[str, Any]) -> None:
    result = _verify(_signed(_assertion()), _world(**override))
    assert result.outcome is Outcome.INVALID
    assert "does not belong to the badge's issuer" in result.reasons[0]


def test_key_unavailable_is_unchecked() -> None:
    result = _verify(_signed(_assertion()), _world(**{KEY_URL: None}))
    assert result.outcome is Outcome.UNCHECKED
    assert "signing key could not be fetched" in result.reasons[0]


def test_issuer_key_used_when_creator_is_absent() -> None:
    badge = _signed(_assertion(verification={"type": "signed"}))
    assert _verify(badge, _world()).outcome is Outcome.VERIFIED


@pytest.mark.parametrize(
    ("entry", "reason"),
    [
        ({"id": ASSERTION_ID, "revocationReason": "Cheated"}, "Cheated"),
        ({"id": ASSERTION_ID}, ""),
        (ASSERTION_ID, ""),
    ],
    ids=["object-with-reason", "object-id-only", "bare-string"],
)
def test_every_revocation_entry_shape_revokes(entry: object, reason: str) -> None:
    world = _world(**{LIST_URL: {"id": LIST_URL, "revokedAssertions": ["urn:other", entry]}})
    result = _verify(_signed(_assertion()), world)
    assert result.outcome is Outcome.INVALID
    assert result.revocation_reason == reason
    assert result.reasons[0].startswith("The issuer revoked this badge")


def test_revocation_list_unavailable_is_unchecked_never_not_revoked() -> None:
    result = _verify(_signed(_assertion()), _world(**{LIST_URL: None}))
    assert result.outcome is Outcome.UNCHECKED
    assert "Revocation status unknown" in result.reasons[0]
    assert result.revocation_reason is None


def test_issuer_without_revocation_list_is_fine() -> None:
    issuer = {"id": ISSUER_URL, "type": "Issuer", "publicKey": [{"id": KEY_URL}]}
    assert _verify(_signed(_assertion()), _world(**{ISSUER_URL: issuer})).outcome is Outcome.VERIFIED


def test_signed_badge_with_issuer_offline_is_unchecked() -> None:
    result = verify(_signed(_assertion()), resolver=OfflineResolver(), now=NOW)
    assert result.outcome is Outcome.UNCHECKED


def test_other_algorithm_is_refused() -> None:
    token = jwt.api_jws.encode(
        _json(_assertion()), "a-shared-secret-long-enough-for-hs256!", algorithm="HS256"
    )
    result = _verify(read_payload(token), _world())
    assert result.outcome is Outcome.INVALID
    assert "algorithm" in result.reasons[0]


# -- tampering -------------------------------------------------------------------------------------
def _flip(text: str, index: int) -> str:
    return text[:index] + ("A" if text[index] != "A" else "B") + text[index + 1 :]


def test_flipped_signature_character_is_invalid(shared_testdata: Path) -> None:
    token = (shared_testdata / "dcpv/ob20/simple.jwt").read_text().strip()
    head, payload, signature = token.split(".")
    tampered = read_payload(f"{head}.{payload}.{_flip(signature, len(signature) // 2)}")
    assets = shared_testdata / "dcpv/ob20/assets"
    web = MapResolver({"https://example.org/": assets, "http://example.org/": assets})
    assert verify(read_payload(token), resolver=web, now=NOW).outcome is Outcome.VERIFIED
    result = verify(tampered, resolver=web, now=NOW)
    assert result.outcome is Outcome.INVALID
    assert "signature does not match" in result.reasons[0]


def test_changed_field_under_a_valid_signature_is_invalid() -> None:
    token = _signed(_assertion()).text
    head, _payload, signature = token.split(".")
    forged = jwt.utils.base64url_encode(_json(_assertion(issuedOn="2019-01-01T00:00:00Z"))).decode()
    result = _verify(read_payload(f"{head}.{forged}.{signature}"), _world())
    assert result.outcome is Outcome.INVALID
    assert _outcome(result, "signature") is Outcome.INVALID


# -- hosted ----------------------------------------------------------------------------------------
def _hosted(shared: Path, **changes: Any) -> tuple[BadgeFile, dict[str, Any]]:
    document = json.loads((shared / "dcpv/ob20/basic-assertion.json").read_text())
    document.update(changes)
    return read_payload(json.dumps(document)), document


def _hosted_resolver(shared: Path, served: dict[str, Any] | None, **extra: bytes) -> MapResolver:
    assets = shared / "dcpv/ob20/assets"
    mapping: dict[str, Path | bytes] = {"https://example.org/": assets, **extra}
    if served is not None:
        mapping[served["id"]] = _json(served)
    return MapResolver(mapping)


def test_hosted_badge_matching_the_issuers_copy_is_verified(shared_testdata: Path) -> None:
    badge, document = _hosted(shared_testdata)
    result = verify(badge, resolver=_hosted_resolver(shared_testdata, document), now=NOW)
    assert result.outcome is Outcome.VERIFIED, result.to_json()
    assert _outcome(result, "hosted") is Outcome.VERIFIED
    assert _outcome(result, "scope") is Outcome.VERIFIED


def test_hosted_copy_revoked_is_invalid(shared_testdata: Path) -> None:
    badge, document = _hosted(shared_testdata)
    served = {"id": document["id"], "revoked": True, "revocationReason": "Issued by mistake"}
    result = verify(badge, resolver=_hosted_resolver(shared_testdata, served), now=NOW)
    assert result.outcome is Outcome.INVALID
    assert result.revocation_reason == "Issued by mistake"


def test_hosted_copy_with_another_recipient_is_invalid(shared_testdata: Path) -> None:
    badge, document = _hosted(shared_testdata)
    served = copy.deepcopy(document)
    served["recipient"]["identity"] = "sha256$" + "0" * 64
    result = verify(badge, resolver=_hosted_resolver(shared_testdata, served), now=NOW)
    assert result.outcome is Outcome.INVALID
    assert "differs from the file (the recipient)" in result.reasons[0]


def test_hosted_outside_the_issuers_scope_is_invalid(shared_testdata: Path) -> None:
    badge, document = _hosted(shared_testdata)
    issuer = json.loads((shared_testdata / "dcpv/ob20/assets/organization.json").read_text())
    issuer["verification"] = {"allowedOrigins": ["badges.example.net"]}
    resolver = _hosted_resolver(
        shared_testdata, document, **{"https://example.org/organization.json": _json(issuer)}
    )
    result = verify(badge, resolver=resolver, now=NOW)
    assert result.outcome is Outcome.INVALID
    assert _outcome(result, "scope") is Outcome.INVALID


def test_hosted_issuer_unavailable_is_unchecked(shared_testdata: Path) -> None:
    badge, document = _hosted(shared_testdata, badge="https://example.org/missing-badge.json")
    result = verify(badge, resolver=_hosted_resolver(shared_testdata, document), now=NOW)
    assert result.outcome is Outcome.UNCHECKED
    assert "issuer profile could not be fetched" in result.reasons[0]


def test_json_of_a_signed_badge_without_its_signature_is_unchecked(shared_testdata: Path) -> None:
    badge, document = _hosted(shared_testdata, verification={"type": "SignedBadge"})
    result = verify(badge, resolver=_hosted_resolver(shared_testdata, document), now=NOW)
    assert result.outcome is Outcome.UNCHECKED


def test_legacy_url_only_image_is_checked_against_the_hosted_copy(shared_testdata: Path) -> None:
    _badge, document = _hosted(shared_testdata)
    url_only = read_payload(document["id"])
    assert verify(url_only, resolver=OfflineResolver(), now=NOW).outcome is Outcome.UNCHECKED
    served = verify(url_only, resolver=_hosted_resolver(shared_testdata, document), now=NOW)
    assert served.outcome is Outcome.VERIFIED


# -- dates -----------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("changes", "check", "words"),
    [
        ({"issuedOn": "2030-01-01T00:00:00Z"}, "not-yet-valid", "not valid until 2030-01-01"),
        ({"expires": "2021-03-04T05:06:00Z"}, "expiry", "expired on 2021-03-04 05:06 UTC"),
        ({"expires": "2015-01-01T00:00:00Z"}, "dates", "expires before it was issued"),
        ({"issuedOn": "yesterday"}, "dates", "not a valid date"),
    ],
)
def test_dates_make_a_badge_invalid(
    shared_testdata: Path, changes: dict[str, str], check: str, words: str
) -> None:
    badge, document = _hosted(shared_testdata, **changes)
    result = verify(badge, resolver=_hosted_resolver(shared_testdata, document), now=NOW)
    assert result.outcome is Outcome.INVALID
    assert _outcome(result, check) is Outcome.INVALID
    assert words in result.reasons[0]


def test_future_expiry_is_fine(shared_testdata: Path) -> None:
    badge, document = _hosted(shared_testdata, expires="2099-01-01T00:00:00Z")
    result = verify(badge, resolver=_hosted_resolver(shared_testdata, document), now=NOW)
    assert result.outcome is Outcome.VERIFIED


# -- recipient -------------------------------------------------------------------------------------
def test_recipient_matching_is_case_insensitive_and_salted() -> None:
    result = _verify(_signed(_assertion()), _world(), emails=("someone@else.org", "LEARNER@example.org"))
    assert _outcome(result, "recipient") is Outcome.VERIFIED
    assert result.outcome is Outcome.VERIFIED


def test_recipient_mismatch_is_a_note_not_a_failure() -> None:
    result = _verify(_signed(_assertion()), _world(), emails=("adviser@school.example",))
    check = next(c for c in result.checks if c.name == "recipient")
    assert (check.outcome, check.essential) == (Outcome.UNCHECKED, False)
    assert "not among your verified addresses" in check.detail
    assert result.outcome is Outcome.VERIFIED


def test_recipient_skipped_without_emails() -> None:
    result = _verify(_signed(_assertion()), _world())
    check = next(c for c in result.checks if c.name == "recipient")
    assert check.outcome is Outcome.UNCHECKED and not check.essential
    assert "no verified e-mail addresses" in check.detail


@pytest.mark.parametrize(
    "recipient",
    [
        {
            "type": "email",
            "hashed": True,
            "salt": "s",
            "identity": "md5$" + hashlib.md5(b"a@b.orgs").hexdigest(),
        },
        {"type": "email", "hashed": False, "identity": "A@B.org"},
        {
            "type": "email",
            "hashed": True,
            "identity": "sha256$" + hashlib.sha256(b"a@b.org").hexdigest().upper(),
        },
    ],
    ids=["md5-salted", "plaintext", "sha256-unsalted-uppercase-hex"],
)
def test_recipient_forms(recipient: dict[str, Any]) -> None:
    result = _verify(_signed(_assertion(recipient=recipient)), _world(), emails=("a@b.org",))
    assert _outcome(result, "recipient") is Outcome.VERIFIED


def test_open_badges_1_string_recipient_uses_the_top_level_salt() -> None:
    digest = hashlib.sha256(b"old@example.org" + b"NaCl").hexdigest()
    document = {
        "recipient": f"sha256${digest}",
        "salt": "NaCl",
        "badge": "https://x.example/b",
        "verify": {"url": "https://x.example/a"},
    }
    badge = read_payload(json.dumps(document))
    assert badge.version == "1.0"
    result = verify(
        badge,
        resolver=MapResolver({"https://x.example/a": _json(document)}),
        now=NOW,
        emails=("old@example.org",),
    )
    assert _outcome(result, "recipient") is Outcome.VERIFIED
    assert result.outcome is Outcome.VERIFIED


def test_baked_png_hosted_badge_reads_like_its_json(shared_testdata: Path) -> None:
    png = read_badge_file((shared_testdata / "dcpv/ob20/simple-badge.png").read_bytes())
    resolver = _hosted_resolver(shared_testdata, png.document)
    assert verify(png, resolver=resolver, now=NOW).outcome is Outcome.VERIFIED


# -- the fetch cap ---------------------------------------------------------------------------------
def test_fetcher_stops_after_the_cap_without_asking_the_resolver() -> None:
    asked: list[str] = []

    class Everything:
        def fetch(self, url: str) -> bytes:
            asked.append(url)
            return b"{}"

    fetcher = Fetcher(Everything(), Everything(), limit=3)
    for n in range(3):
        fetcher.document(f"https://a.example/{n}")
    fetcher.document("https://a.example/0#fragment")  # a cache hit is free
    with pytest.raises(Unavailable, match="more than 3 documents"):
        fetcher.document("https://a.example/3")
    assert len(asked) == 3
    with pytest.raises(Unavailable):
        fetcher.document("file:///etc/passwd")
