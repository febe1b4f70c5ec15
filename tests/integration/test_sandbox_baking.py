"""Baked images served by the sandbox, read back with our own ``domain.baking.unbake``.

Open Badges d.1/d.2 (carriers), d.4 (signed OB 2.0), d.5 (OB 3.0 VC-JWT). Every demo award that
has an image is downloaded once (following the ``image`` redirect) and checked: hosted awards
carry the public assertion JSON, the signed award a JWS that verifies with the issuer's published
key, the OB 3.0 award a VC-JWT that verifies with the JWK at its ``kid``.
"""

from __future__ import annotations

import json
import re
import struct
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import defusedxml.ElementTree as safe_et
import jwt
import pytest
import requests
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

from backpack_desktop.domain.baking import BakedPayload, unbake
from backpack_desktop.sandbox import SandboxServer

TIMEOUT = 10
ALL_FLAGS = {"include_expired": "1", "include_revoked": "1", "include_pending": "1"}
OB2_ELEMENT = "{http://openbadges.org}assertion"
OB3_ELEMENT = "{https://purl.imsglobal.org/ob/v3p0}credential"
COMPACT_JWS = re.compile(r"[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+")


@dataclass(frozen=True)
class Baked:
    """One award with its downloaded image and the data read out of it."""

    award: dict[str, Any]
    content_type: str
    data: bytes
    payload: BakedPayload
    public: dict[str, Any]  # GET openBadgeId

    @property
    def is_ob3(self) -> bool:
        return self.payload.open_badges_version == "3.0"

    @property
    def is_signed(self) -> bool:
        return not self.is_ob3 and self.public["verification"]["type"] == "SignedBadge"


def _token(server: SandboxServer) -> str:
    form = {"grant_type": "password", "username": server.info["username"],
            "password": server.info["password"]}
    response = requests.post(server.info["api"] + "/o/token", data=form, timeout=TIMEOUT)
    assert response.status_code == 200, response.text
    return str(response.json()["access_token"])


def _json(url: str) -> Any:
    response = requests.get(url, timeout=TIMEOUT)
    assert response.status_code == 200, url
    return response.json()


@pytest.fixture(scope="module")
def baked(sandbox: SandboxServer) -> list[Baked]:
    response = requests.get(sandbox.info["api"] + "/v2/backpack/assertions", params=ALL_FLAGS,
                            timeout=TIMEOUT, headers={"Authorization": f"Bearer {_token(sandbox)}"})
    result = []
    for award in response.json()["result"]:
        if award["revoked"] or award["pending"]:
            continue  # no public image (a.7)
        image = requests.get(award["image"], timeout=TIMEOUT)
        assert image.status_code == 200, award["image"]
        result.append(Baked(award, image.headers["Content-Type"].split(";")[0], image.content,
                            unbake(image.content), _json(award["openBadgeId"])))
    assert len(result) >= 10
    return result


def _kind(baked: list[Baked], ob3: bool = False, signed: bool = False) -> list[Baked]:
    chosen = [b for b in baked if b.is_ob3 == ob3 and b.is_signed == signed]
    assert chosen, "the demo has no such award"
    return chosen


def _png_chunks(data: bytes) -> list[tuple[bytes, bytes]]:
    assert data.startswith(b"\x89PNG\r\n\x1a\n")
    chunks, pos = [], 8
    while pos < len(data):
        length, ctype = struct.unpack_from(">I4s", data, pos)
        chunks.append((ctype, data[pos + 8: pos + 8 + length]))
        pos += 12 + length
    return chunks


# -- hosted -----------------------------------------------------------------------------------------
def test_hosted_awards_carry_the_public_assertion_json(baked: list[Baked]) -> None:
    for item in _kind(baked):
        assert item.payload.open_badges_version == "2.0"
        assert json.loads(item.payload.text) == item.public, item.award["entityId"]


def test_hosted_svg_verify_is_the_assertion_url(baked: list[Baked]) -> None:
    svgs = [b for b in _kind(baked) if b.content_type == "image/svg+xml"]
    assert svgs
    for item in svgs:
        assert item.payload.verify == item.award["openBadgeId"]


# -- signed OB 2.0 -----------------------------------------------------------------------------------
def test_signed_award_is_a_jws_that_verifies_with_the_issuer_key(baked: list[Baked]) -> None:
    for item in _kind(baked, signed=True):
        token = item.payload.text.strip()
        assert COMPACT_JWS.fullmatch(token)
        assert jwt.get_unverified_header(token)["alg"] == "RS256"
        badge = _json(item.public["badge"])
        issuer = _json(badge["issuer"])
        key = _json(issuer["publicKey"])
        assert key["owner"] == issuer["id"]
        payload = jwt.api_jws.decode(token, key["publicKeyPem"], algorithms=["RS256"])
        assert json.loads(payload) == item.public


def test_signed_award_does_not_verify_with_another_key(baked: list[Baked]) -> None:
    other = rsa.generate_private_key(public_exponent=65537, key_size=2048).public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
    for item in _kind(baked, signed=True):
        with pytest.raises(jwt.InvalidSignatureError):
            jwt.api_jws.decode(item.payload.text.strip(), other, algorithms=["RS256"])


# -- OB 3.0 VC-JWT -----------------------------------------------------------------------------------
def _verify_vc_jwt(item: Baked) -> dict[str, Any]:
    token = item.payload.text.strip()
    header = jwt.get_unverified_header(token)
    assert header["alg"] == "EdDSA"
    assert set(header) <= {"alg", "kid", "typ"}
    assert header["kid"].startswith(item.award["issuerOpenBadgeId"])
    jwk = _json(header["kid"])
    assert "d" not in jwk
    key = jwt.PyJWK(jwk, algorithm="EdDSA")
    return jwt.decode(token, key.key, algorithms=["EdDSA"], options={"verify_aud": False})


def test_ob3_award_is_a_vc_jwt_that_verifies(baked: list[Baked]) -> None:
    for item in _kind(baked, ob3=True):
        if item.content_type == "image/png":
            assert item.payload.keyword == "openbadgecredential"
        else:
            assert item.payload.keyword == OB3_ELEMENT
        claims = _verify_vc_jwt(item)
        assert claims["@context"][0] == "https://www.w3.org/ns/credentials/v2"
        assert {"VerifiableCredential", "OpenBadgeCredential"} <= set(claims["type"])


def test_ob3_claims_match_the_credential(baked: list[Baked]) -> None:
    for item in _kind(baked, ob3=True):
        claims = _verify_vc_jwt(item)
        assert claims["iss"] == claims["issuer"]["id"]
        assert claims["jti"] == claims["id"]
        valid_from = datetime.fromisoformat(claims["validFrom"])
        assert claims["nbf"] == int(valid_from.timestamp())
        assert claims["id"] == item.award["openBadgeId"]
        assert claims["issuer"]["id"] == item.award["issuerOpenBadgeId"]
        if "validUntil" in claims:
            assert claims["exp"] == int(datetime.fromisoformat(claims["validUntil"]).timestamp())


def test_ob3_recipient_identifier_is_the_award_recipient(baked: list[Baked]) -> None:
    for item in _kind(baked, ob3=True):
        identifiers = _verify_vc_jwt(item)["credentialSubject"]["identifier"]
        recipient = item.award["recipient"]
        assert any(i["identityHash"] == recipient["identity"] and i.get("salt") == recipient.get("salt")
                   for i in identifiers)


# -- carriers (d.1, d.2) ----------------------------------------------------------------------------
def test_png_awards_carry_exactly_one_itxt_chunk(baked: list[Baked]) -> None:
    pngs = [b for b in baked if b.content_type == "image/png"]
    assert pngs
    for item in pngs:
        chunks = _png_chunks(item.data)
        itxt = [data for ctype, data in chunks if ctype == b"iTXt"]
        assert len(itxt) == 1, item.award["entityId"]
        keyword, _, rest = itxt[0].partition(b"\x00")
        assert keyword in (b"openbadges", b"openbadgecredential")
        assert rest[:2] == b"\x00\x00"  # compression flag 0, method 0 (d.1: no compression)
        assert [c for c, _ in chunks].index(b"iTXt") > 0  # after IHDR
        assert chunks[0][0] == b"IHDR"
        assert chunks[-1][0] == b"IEND"


def test_svg_awards_carry_exactly_one_openbadges_element(baked: list[Baked]) -> None:
    svgs = [b for b in baked if b.content_type == "image/svg+xml"]
    assert svgs
    for item in svgs:
        root = safe_et.fromstring(item.data)
        found = [e for e in root.iter() if e.tag in (OB2_ELEMENT, OB3_ELEMENT)]
        assert len(found) == 1, item.award["entityId"]
        assert list(root)[0] is found[0]  # the first child of the root (d.2)


def test_every_image_is_baked(baked: list[Baked]) -> None:
    for item in baked:
        assert item.payload.text.strip(), item.award["entityId"]
