"""The sandbox's public (unauthenticated) endpoints: OB 2.0 JSON, images, keys and sharing.

Reference a.7 and a.8, the recorded public-assertion examples, and badgr-server's
``apps/backpack/sharing.py`` for the exact share URLs.
"""

from __future__ import annotations

import json
from datetime import datetime
from pathlib import Path
from typing import Any
from urllib.parse import quote

import pytest
import requests
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.hazmat.primitives.serialization import load_pem_public_key

from backpack_desktop.domain.baking import unbake
from backpack_desktop.sandbox import SandboxServer

TIMEOUT = 10
ALL_FLAGS = {"include_expired": "1", "include_revoked": "1", "include_pending": "1"}
EXAMPLES = Path(__file__).resolve().parents[3] / "shared" / "reference" / "examples"
OPTIONAL_ASSERTION_KEYS = {"narrative", "evidence", "expires"}
PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


def _example(name: str) -> dict[str, Any]:
    path = EXAMPLES / name
    if not path.is_file():
        pytest.fail(f"recorded example {path} is missing")
    return json.loads(path.read_text(encoding="utf-8"))  # type: ignore[no-any-return]


def _token(server: SandboxServer) -> str:
    form = {"grant_type": "password", "username": server.info["username"],
            "password": server.info["password"]}
    response = requests.post(server.info["api"] + "/o/token", data=form, timeout=TIMEOUT)
    assert response.status_code == 200, response.text
    return str(response.json()["access_token"])


def _get(url: str, **kwargs: Any) -> requests.Response:
    return requests.get(url, timeout=TIMEOUT, allow_redirects=False, **kwargs)


def _mime(response: requests.Response) -> str:
    return response.headers.get("Content-Type", "").split(";")[0].strip()


@pytest.fixture(scope="module")
def awards(sandbox: SandboxServer) -> list[dict[str, Any]]:
    """Every award of the demo, badge class and issuer expanded."""
    response = requests.get(sandbox.info["api"] + "/v2/backpack/assertions", timeout=TIMEOUT,
                            params=[*ALL_FLAGS.items(), ("expand", "badgeclass"), ("expand", "issuer")],
                            headers={"Authorization": f"Bearer {_token(sandbox)}"})
    assert response.status_code == 200
    return response.json()["result"]  # type: ignore[no-any-return]


@pytest.fixture(scope="module")
def public(awards: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Awards that have a public page: not revoked, not pending."""
    return [a for a in awards if not a["revoked"] and not a["pending"]]


def _one(awards: list[dict[str, Any]], **where: Any) -> dict[str, Any]:
    for award in awards:
        if all(award[k] == v for k, v in where.items()):
            return award
    pytest.fail(f"the demo has no award with {where}")


def _svg_award(public: list[dict[str, Any]]) -> dict[str, Any]:
    for award in public:
        if _get(award["image"]).headers.get("Location", "").endswith(".svg"):
            return award
    pytest.fail("the demo has no SVG award")


# -- assertion JSON --------------------------------------------------------------------------------
def test_public_assertion_keys_follow_the_recorded_example(public: list[dict[str, Any]]) -> None:
    expected = list(_example("public-assertion.json")["body"])
    for award in public:
        response = _get(award["openBadgeId"])
        assert response.status_code == 200
        body = response.json()
        assert [k for k in body if k in expected] == expected, award["entityId"]
        extra = {k for k in body if k not in expected and not k.startswith("extensions:")}
        assert extra <= OPTIONAL_ASSERTION_KEYS, extra


def test_public_assertion_recipient_keys_follow_the_recorded_example(public: list[dict[str, Any]]) -> None:
    recorded = list(_example("public-assertion.json")["body"]["recipient"])  # hashed, type, identity, salt
    for award in public:
        recipient = _get(award["openBadgeId"]).json()["recipient"]
        expected = recorded if recipient["hashed"] else [k for k in recorded if k != "salt"]
        assert list(recipient) == expected, award["entityId"]


def test_public_assertion_content_type(public: list[dict[str, Any]]) -> None:
    expected = _example("public-assertion.json")["content_type"]
    assert _mime(_get(public[0]["openBadgeId"])) == expected


def test_public_assertion_agrees_with_the_backpack(public: list[dict[str, Any]]) -> None:
    for award in public:
        body = _get(award["openBadgeId"]).json()
        assert body["@context"] == "https://w3id.org/openbadges/v2"
        assert body["type"] == "Assertion"
        assert body["id"] == award["openBadgeId"]
        assert body["badge"] == award["badgeclassOpenBadgeId"]
        assert body["image"] == f"{award['openBadgeId']}/image"
        recipient = {k: v for k, v in award["recipient"].items() if k != "plaintextIdentity"}
        assert body["recipient"] == recipient
        assert "plaintextIdentity" not in json.dumps(body)


def test_public_timestamps_use_plus_00_00(public: list[dict[str, Any]]) -> None:
    for award in public:
        body = _get(award["openBadgeId"]).json()
        assert body["issuedOn"].endswith("+00:00"), body["issuedOn"]
        assert datetime.fromisoformat(body["issuedOn"]) == datetime.fromisoformat(award["issuedOn"])
        if award["expires"]:
            assert body["expires"].endswith("+00:00")
            assert datetime.fromisoformat(body["expires"]) == datetime.fromisoformat(award["expires"])


def test_verification_is_hosted_or_signed(public: list[dict[str, Any]]) -> None:
    kinds = []
    for award in public:
        verification = _get(award["openBadgeId"]).json()["verification"]
        kinds.append(verification["type"])
        if verification["type"] == "HostedBadge":
            assert verification == {"type": "HostedBadge"}
        else:
            assert verification["type"] == "SignedBadge"
            assert verification["creator"].startswith(award["issuerOpenBadgeId"])
    assert "HostedBadge" in kinds


def test_json_suffix_gives_the_same_document(public: list[dict[str, Any]]) -> None:
    award = public[0]
    plain = _get(award["openBadgeId"])
    suffixed = _get(award["openBadgeId"] + ".json")
    assert suffixed.status_code == 200
    assert suffixed.json() == plain.json()


def test_accept_html_redirects_to_the_ui_page(sandbox: SandboxServer, public: list[dict[str, Any]]) -> None:
    award = public[0]
    response = _get(award["openBadgeId"], headers={"Accept": "text/html,application/xhtml+xml,*/*;q=0.8"})
    assert response.status_code == 302
    assert response.headers["Location"] == f"{sandbox.info['ui']}/public/assertions/{award['entityId']}"
    page = _get(response.headers["Location"])
    assert page.status_code == 200
    assert _mime(page) == "text/html"


def test_json_suffix_wins_over_accept_html(public: list[dict[str, Any]]) -> None:
    response = _get(public[0]["openBadgeId"] + ".json", headers={"Accept": "text/html"})
    assert response.status_code == 200
    assert response.json()["id"] == public[0]["openBadgeId"]


@pytest.mark.parametrize("accept", ["application/ld+json", "application/json", "*/*"])
def test_json_accept_headers_give_json(public: list[dict[str, Any]], accept: str) -> None:
    response = _get(public[0]["openBadgeId"], headers={"Accept": accept})
    assert response.status_code == 200
    assert response.json()["id"] == public[0]["openBadgeId"]


def test_revoked_award_is_the_stub(awards: list[dict[str, Any]]) -> None:
    recorded = _example("public-assertion-revoked.json")
    award = _one(awards, revoked=True)
    for url in (award["openBadgeId"], award["openBadgeId"] + ".json"):
        response = _get(url)
        assert response.status_code == 200
        assert _mime(response) == recorded["content_type"]
        body = response.json()
        assert body == {"@context": "https://w3id.org/openbadges/v2", "type": "Assertion",
                        "id": award["openBadgeId"], "revoked": True,
                        "revocationReason": award["revocationReason"]}
        assert list(body) == list(recorded["body"])


def test_pending_award_is_not_public(awards: list[dict[str, Any]]) -> None:
    award = _one(awards, pending=True)
    for suffix in ("", ".json", "/image", "/baked"):
        assert _get(award["openBadgeId"] + suffix).status_code == 404, suffix


@pytest.mark.parametrize("suffix", ["", ".json", "/image", "/baked"])
def test_unknown_assertion_is_404(sandbox: SandboxServer, suffix: str) -> None:
    assert _get(f"{sandbox.info['api']}/public/assertions/AAAAAAAAAAAAAAAAAAAAAA{suffix}").status_code == 404


def test_expand_badge(public: list[dict[str, Any]]) -> None:
    award = public[0]
    body = _get(award["openBadgeId"], params={"expand": "badge"}).json()
    assert body["badge"] == _get(award["badgeclassOpenBadgeId"]).json()
    assert body["badge"]["issuer"] == award["issuerOpenBadgeId"]


def test_expand_badge_and_badge_issuer(public: list[dict[str, Any]]) -> None:
    award = public[0]
    body = _get(award["openBadgeId"], params=[("expand", "badge"), ("expand", "badge.issuer")]).json()
    assert body["badge"]["issuer"] == _get(award["issuerOpenBadgeId"]).json()
    assert body["badge"] == award["badgeclass"]


# -- images ------------------------------------------------------------------------------------------
def test_image_is_a_302_to_media(sandbox: SandboxServer, public: list[dict[str, Any]]) -> None:
    for award in public:
        response = _get(f"{award['openBadgeId']}/image")
        assert response.status_code == 302
        location = response.headers["Location"]
        assert location.startswith(sandbox.info["api"] + "/media/")
        media = _get(location)
        assert media.status_code == 200
        assert _mime(media) in ("image/png", "image/svg+xml")


def test_revoked_image_is_404(awards: list[dict[str, Any]]) -> None:
    award = _one(awards, revoked=True)
    assert _get(f"{award['openBadgeId']}/image").status_code == 404
    assert _get(f"{award['openBadgeId']}/baked").status_code == 404


def test_image_type_png_converts_svg(public: list[dict[str, Any]]) -> None:
    award = _svg_award(public)
    response = requests.get(f"{award['openBadgeId']}/image", params={"type": "png"}, timeout=TIMEOUT)
    assert response.status_code == 200
    assert _mime(response) == "image/png"
    assert response.content.startswith(PNG_SIGNATURE)


def test_baked_is_a_301_to_a_baked_image(sandbox: SandboxServer, public: list[dict[str, Any]]) -> None:
    award = public[0]
    response = _get(f"{award['openBadgeId']}/baked")
    assert response.status_code == 301
    assert response.headers["Location"].startswith(sandbox.info["api"] + "/media/")
    media = _get(response.headers["Location"])
    assert media.status_code == 200
    payload = unbake(media.content)
    assert payload.open_badges_version in ("2.0", "3.0")


def test_media_content_types_match_the_bytes(public: list[dict[str, Any]]) -> None:
    for award in public:
        media = requests.get(award["image"], timeout=TIMEOUT)
        if _mime(media) == "image/png":
            assert media.content.startswith(PNG_SIGNATURE)
        else:
            assert _mime(media) == "image/svg+xml"
            assert b"<svg" in media.content[:4096]


def test_media_etag_and_if_none_match(public: list[dict[str, Any]]) -> None:
    url = _get(public[0]["image"]).headers["Location"]
    first = _get(url)
    etag = first.headers.get("ETag")
    assert etag and etag.startswith('"') and etag.endswith('"')
    cached = _get(url, headers={"If-None-Match": etag})
    assert cached.status_code == 304
    assert cached.content == b""
    assert cached.headers.get("ETag") == etag
    changed = _get(url, headers={"If-None-Match": '"something-else"'})
    assert changed.status_code == 200
    assert changed.content == first.content


def test_different_images_have_different_etags(public: list[dict[str, Any]]) -> None:
    etags = {_get(_get(a["image"]).headers["Location"]).headers["ETag"] for a in public}
    assert len(etags) == len(public)


# -- badge classes and issuers ------------------------------------------------------------------
def test_badgeclass_json_is_the_expanded_badgeclass(public: list[dict[str, Any]]) -> None:
    for award in public:
        response = _get(award["badgeclassOpenBadgeId"])
        assert response.status_code == 200
        assert _mime(response) == "application/json"
        assert response.json() == {**award["badgeclass"], "issuer": award["issuerOpenBadgeId"]}
        expanded = _get(award["badgeclassOpenBadgeId"], params={"expand": "issuer"}).json()
        assert expanded == award["badgeclass"]


def test_issuer_json_is_the_expanded_issuer(public: list[dict[str, Any]]) -> None:
    for award in public:
        response = _get(award["issuerOpenBadgeId"])
        assert response.status_code == 200
        assert response.json() == award["badgeclass"]["issuer"]


@pytest.mark.parametrize("kind", ["badgeclass", "issuer"])
def test_badgeclass_and_issuer_images(public: list[dict[str, Any]], kind: str) -> None:
    for award in public:
        document = award["badgeclass"] if kind == "badgeclass" else award["badgeclass"]["issuer"]
        response = _get(document["image"])
        assert response.status_code == 302
        media = _get(response.headers["Location"])
        assert media.status_code == 200
        assert _mime(media) in ("image/png", "image/svg+xml")
        assert media.headers.get("ETag")


@pytest.mark.parametrize("path", ["badges", "issuers"])
def test_unknown_badgeclass_or_issuer_is_404(sandbox: SandboxServer, path: str) -> None:
    assert _get(f"{sandbox.info['api']}/public/{path}/AAAAAAAAAAAAAAAAAAAAAA").status_code == 404
    assert _get(f"{sandbox.info['api']}/public/{path}/AAAAAAAAAAAAAAAAAAAAAA/image").status_code == 404


def _signing_issuer(awards: list[dict[str, Any]]) -> dict[str, Any]:
    for award in awards:
        if "publicKey" in award["badgeclass"]["issuer"]:
            return award["badgeclass"]["issuer"]  # type: ignore[no-any-return]
    pytest.fail("no issuer publishes a publicKey")


def test_signed_issuer_publishes_a_linked_key(awards: list[dict[str, Any]]) -> None:
    issuer = _signing_issuer(awards)
    response = _get(issuer["publicKey"])
    assert response.status_code == 200
    key = response.json()
    assert key["type"] == "CryptographicKey"
    assert key["id"] == issuer["publicKey"]
    assert key["owner"] == issuer["id"]  # linked both ways
    assert isinstance(load_pem_public_key(key["publicKeyPem"].encode("ascii")), rsa.RSAPublicKey)


def test_signed_issuer_publishes_a_revocation_list(awards: list[dict[str, Any]]) -> None:
    issuer = _signing_issuer(awards)
    response = _get(issuer["revocationList"])
    assert response.status_code == 200
    document = response.json()
    assert document["type"] == "RevocationList"
    assert document["id"] == issuer["revocationList"]
    assert document["issuer"] == issuer["id"]
    assert isinstance(document["revokedAssertions"], list)


def test_signed_assertion_names_the_issuer_key(awards: list[dict[str, Any]]) -> None:
    signed = []
    for award in awards:
        if award["revoked"] or award["pending"]:
            continue
        verification = _get(award["openBadgeId"]).json()["verification"]
        if verification["type"] == "SignedBadge":
            signed.append(award)
            assert verification["creator"] == award["badgeclass"]["issuer"]["publicKey"]
    assert signed


# -- sharing (a.8, badgr-server apps/backpack/sharing.py) ----------------------------------------
def _share(sandbox: SandboxServer, award: dict[str, Any], **params: str) -> requests.Response:
    return _get(f"{sandbox.info['api']}/v2/backpack/share/assertion/{award['entityId']}", params=params)


def _share_url(sandbox: SandboxServer, award: dict[str, Any], provider: str, **params: str) -> str:
    response = _share(sandbox, award, provider=provider, redirect="0", **params)
    assert response.status_code == 200, response.text
    body = response.json()
    assert list(body) == ["url"]
    return str(body["url"])


@pytest.fixture(scope="module")
def shared_award(public: list[dict[str, Any]]) -> dict[str, Any]:
    """An award whose names need no escaping thoughts beyond spaces."""
    for award in public:
        if award["badgeclass"]["name"].isascii() and " " in award["badgeclass"]["name"]:
            return award
    pytest.fail("no plain ASCII award to share")


def test_share_facebook(sandbox: SandboxServer, shared_award: dict[str, Any]) -> None:
    link = shared_award["openBadgeId"]
    assert _share_url(sandbox, shared_award, "facebook") == \
        f"https://www.facebook.com/sharer/sharer.php?u={quote(link)}"


def test_share_twitter(sandbox: SandboxServer, shared_award: dict[str, Any]) -> None:
    issuer = shared_award["badgeclass"]["issuer"]["name"]
    text = f"I earned a badge from {issuer}! {shared_award['openBadgeId']}"
    assert _share_url(sandbox, shared_award, "twitter") == f"https://twitter.com/intent/tweet?text={quote(text)}"


def test_share_pinterest(sandbox: SandboxServer, shared_award: dict[str, Any]) -> None:
    """``media`` and ``description`` are not percent-encoded by badgr-server."""
    link = shared_award["openBadgeId"]
    name = shared_award["badgeclass"]["name"]
    assert _share_url(sandbox, shared_award, "pinterest") == (
        f"http://www.pinterest.com/pin/create/button/?url={quote(link)}&media={link}/image&description={name}")


def test_share_linkedin(sandbox: SandboxServer, shared_award: dict[str, Any]) -> None:
    """badgr-server: ``title`` is the fixed, unencoded "I earned a badge from Badgr!" and ``summary``
    is ``(name,)`` (a one-tuple, so its repr), unencoded (``LinkedinShareProvider.feed_share_url``)."""
    link = shared_award["openBadgeId"]
    summary = (shared_award["badgeclass"]["name"],)
    assert _share_url(sandbox, shared_award, "linkedin") == (
        f"https://www.linkedin.com/shareArticle?mini=true&url={quote(link)}"
        f"&title=I earned a badge from Badgr!&summary={summary}")


def test_share_include_identifier_adds_the_email(sandbox: SandboxServer,
                                                shared_award: dict[str, Any]) -> None:
    email = shared_award["recipient"]["plaintextIdentity"]
    link = f"{shared_award['openBadgeId']}?identity__email={quote(email)}"
    url = _share_url(sandbox, shared_award, "facebook", include_identifier="1")
    assert url == f"https://www.facebook.com/sharer/sharer.php?u={quote(link)}"


def test_share_provider_is_case_insensitive(sandbox: SandboxServer, shared_award: dict[str, Any]) -> None:
    assert _share_url(sandbox, shared_award, "FaceBook") == _share_url(sandbox, shared_award, "facebook")


def test_share_without_provider_is_400(sandbox: SandboxServer, shared_award: dict[str, Any]) -> None:
    response = _share(sandbox, shared_award, redirect="0")
    assert response.status_code == 400
    assert response.json() == {"error": "unspecified share provider"}


def test_share_with_an_unknown_provider_is_400(sandbox: SandboxServer, shared_award: dict[str, Any]) -> None:
    response = _share(sandbox, shared_award, provider="myspace", redirect="0")
    assert response.status_code == 400
    assert response.json() == {"error": "invalid share provider"}


@pytest.mark.parametrize("provider", ["facebook", "twitter", "pinterest"])
def test_share_redirects_by_default(sandbox: SandboxServer, shared_award: dict[str, Any],
                                    provider: str) -> None:
    response = _share(sandbox, shared_award, provider=provider)
    assert response.status_code == 302
    assert response.headers["Location"] == _share_url(sandbox, shared_award, provider)


def test_share_needs_no_token_but_a_known_award(sandbox: SandboxServer) -> None:
    response = _get(f"{sandbox.info['api']}/v2/backpack/share/assertion/AAAAAAAAAAAAAAAAAAAAAA",
                    params={"provider": "facebook", "redirect": "0"})
    assert response.status_code == 404
