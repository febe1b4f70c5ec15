"""The sandbox's v2 wire format against the reference (a.3, a.5, a.10) and the recorded examples.

Every call goes over real HTTP to a sandbox on 127.0.0.1. The recorded examples under
../shared/reference/examples are real answers of the open-source Badgr server; the sandbox must
match their keys, key order, types and content types (the hosted service's extra ``id`` and
``evidence`` keys and ``extensions:*`` pass-through keys are tolerated on top).
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import requests

from backpack_desktop.sandbox import SandboxConfig, SandboxServer

TIMEOUT = 10
EXAMPLES = Path(__file__).resolve().parents[3] / "shared" / "reference" / "examples"
ALL_FLAGS = {"include_expired": "1", "include_revoked": "1", "include_pending": "1"}
LD_JSON = "application/ld+json"
NOT_FOUND = "entity not found or insufficient privileges"
TOLERATED_AWARD_KEYS = {"id", "evidence"}  # hosted-service additions (reference a.3, a.5)


def _example(name: str) -> dict[str, Any]:
    path = EXAMPLES / name
    if not path.is_file():
        pytest.fail(f"recorded example {path} is missing")
    return json.loads(path.read_text(encoding="utf-8"))  # type: ignore[no-any-return]


def _token(server: SandboxServer, **extra: str) -> str:
    form = {"grant_type": "password", "username": server.info["username"],
            "password": server.info["password"], **extra}
    response = requests.post(server.info["api"] + "/o/token", data=form, timeout=TIMEOUT)
    assert response.status_code == 200, response.text
    return str(response.json()["access_token"])


def _bearer(token: str, **headers: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}", **headers}


def _mime(response: requests.Response) -> str:
    return response.headers.get("Content-Type", "").split(";")[0].strip()


@pytest.fixture(scope="module")
def token(sandbox: SandboxServer) -> str:
    return _token(sandbox)


@pytest.fixture(scope="module")
def awards(sandbox: SandboxServer, token: str) -> list[dict[str, Any]]:
    response = requests.get(sandbox.info["api"] + "/v2/backpack/assertions", params=ALL_FLAGS,
                            headers=_bearer(token), timeout=TIMEOUT)
    assert response.status_code == 200
    result = response.json()["result"]
    assert result, "the demo backpack is empty"
    return result  # type: ignore[no-any-return]


@pytest.fixture(scope="module")
def mutable() -> Iterator[SandboxServer]:
    """A private demo sandbox for the PUT tests (the shared one stays read-only)."""
    with SandboxServer(SandboxConfig(seed=7)) as server:
        yield server


# -- success envelope ------------------------------------------------------------------------
def test_list_envelope_is_status_then_result(sandbox: SandboxServer, token: str) -> None:
    body = requests.get(sandbox.info["api"] + "/v2/backpack/assertions", headers=_bearer(token),
                        timeout=TIMEOUT).json()
    assert list(body)[:2] == ["status", "result"]
    assert body["status"] == {"success": True, "description": "ok"}
    assert list(body["status"]) == ["success", "description"]
    assert isinstance(body["result"], list)


def test_detail_is_a_one_item_list(sandbox: SandboxServer, token: str, awards: list[dict[str, Any]]) -> None:
    entity_id = awards[0]["entityId"]
    body = requests.get(f"{sandbox.info['api']}/v2/backpack/assertions/{entity_id}",
                        headers=_bearer(token), timeout=TIMEOUT).json()
    assert body["status"] == {"success": True, "description": "ok"}
    assert isinstance(body["result"], list)
    assert len(body["result"]) == 1
    assert body["result"][0]["entityId"] == entity_id


def test_users_self_is_a_one_item_list(sandbox: SandboxServer, token: str) -> None:
    body = requests.get(sandbox.info["api"] + "/v2/users/self", headers=_bearer(token),
                        timeout=TIMEOUT).json()
    assert list(body)[:2] == ["status", "result"]
    assert body["status"] == {"success": True, "description": "ok"}
    assert len(body["result"]) == 1


@pytest.mark.parametrize("path", ["/v2/backpack/assertions", "/v2/users/self"])
def test_default_content_type_is_ld_json(sandbox: SandboxServer, token: str, path: str) -> None:
    response = requests.get(sandbox.info["api"] + path, headers=_bearer(token), timeout=TIMEOUT)
    assert response.status_code == 200
    assert _mime(response) == LD_JSON


@pytest.mark.parametrize("path", ["/v2/backpack/assertions", "/v2/users/self"])
def test_accept_json_gives_application_json(sandbox: SandboxServer, token: str, path: str) -> None:
    response = requests.get(sandbox.info["api"] + path, timeout=TIMEOUT,
                            headers=_bearer(token, Accept="application/json"))
    assert response.status_code == 200
    assert _mime(response) == "application/json"
    assert response.json()["status"]["success"] is True


def test_detail_content_types(sandbox: SandboxServer, token: str, awards: list[dict[str, Any]]) -> None:
    url = f"{sandbox.info['api']}/v2/backpack/assertions/{awards[0]['entityId']}"
    assert _mime(requests.get(url, headers=_bearer(token), timeout=TIMEOUT)) == LD_JSON
    response = requests.get(url, headers=_bearer(token, Accept="application/json"), timeout=TIMEOUT)
    assert _mime(response) == "application/json"


# -- BackpackAssertion shape (a.5) -------------------------------------------------------------
def _example_award(hashed: bool) -> dict[str, Any]:
    items = _example("backpack-assertions-expanded.json")["body"]["result"]
    return next(i for i in items if i["recipient"]["hashed"] is hashed)


def test_award_keys_and_order_match_recorded_example(awards: list[dict[str, Any]]) -> None:
    expected = list(_example_award(True))
    for award in awards:
        core = [k for k in award if k not in TOLERATED_AWARD_KEYS and not k.startswith("extensions:")]
        assert core == expected, award["entityId"]


def test_award_recipient_keys_match_recorded_example(awards: list[dict[str, Any]]) -> None:
    for award in awards:
        expected = list(_example_award(award["recipient"]["hashed"])["recipient"])
        assert list(award["recipient"]) == expected, award["entityId"]


def test_award_extra_keys_are_only_the_documented_ones(awards: list[dict[str, Any]]) -> None:
    expected = set(_example_award(True))
    for award in awards:
        extra = {k for k in award if k not in expected and not k.startswith("extensions:")}
        assert extra <= TOLERATED_AWARD_KEYS, extra


def test_award_entity_type_and_ids(awards: list[dict[str, Any]]) -> None:
    for award in awards:
        assert award["entityType"] == "Assertion"
        assert re.fullmatch(r"[A-Za-z0-9_-]{22}", award["entityId"]), award["entityId"]
        assert re.fullmatch(r"[0-9a-f]{24}", award["id"]), award["id"]
        assert re.fullmatch(r"[A-Za-z0-9_-]{22}", award["badgeclass"])
        assert re.fullmatch(r"[A-Za-z0-9_-]{22}", award["issuer"])
    assert len({a["entityId"] for a in awards}) == len(awards)
    assert len({a["id"] for a in awards}) == len(awards)


def test_award_urls_point_at_the_public_api(sandbox: SandboxServer, awards: list[dict[str, Any]]) -> None:
    api = sandbox.info["api"]
    for award in awards:
        assert award["openBadgeId"] == f"{api}/public/assertions/{award['entityId']}"
        assert award["badgeclassOpenBadgeId"] == f"{api}/public/badges/{award['badgeclass']}"
        assert award["issuerOpenBadgeId"] == f"{api}/public/issuers/{award['issuer']}"
        assert award["image"].startswith(api + "/")


def test_award_field_types(awards: list[dict[str, Any]]) -> None:
    for award in awards:
        assert award["acceptance"] in ("Unaccepted", "Accepted", "Rejected")
        assert isinstance(award["revoked"], bool)
        assert isinstance(award["pending"], bool)
        assert award["narrative"] is None or isinstance(award["narrative"], str)
        assert award["revocationReason"] is None or isinstance(award["revocationReason"], str)
        assert award["expires"] is None or isinstance(award["expires"], str)
        if "evidence" in award:
            assert isinstance(award["evidence"], list)
            assert all(isinstance(e.get("url"), str) for e in award["evidence"])


def test_recipient_fields(awards: list[dict[str, Any]]) -> None:
    for award in awards:
        recipient = award["recipient"]
        assert recipient["type"] == "email"
        assert isinstance(recipient["hashed"], bool)
        assert isinstance(recipient["plaintextIdentity"], str)
        if recipient["hashed"]:
            assert re.fullmatch(r"sha256\$[0-9a-f]{64}", recipient["identity"])
            assert re.fullmatch(r"[0-9a-f]{32}", recipient["salt"])
        else:
            assert recipient["identity"] == recipient["plaintextIdentity"]
            assert "salt" not in recipient


def test_hashed_identity_is_sha256_of_plaintext_plus_salt(awards: list[dict[str, Any]]) -> None:
    hashed = [a["recipient"] for a in awards if a["recipient"]["hashed"]]
    assert hashed
    for r in hashed:
        digest = hashlib.sha256((r["plaintextIdentity"] + r["salt"]).encode("utf-8")).hexdigest()
        assert r["identity"] == f"sha256${digest}"


def test_demo_has_an_unhashed_recipient(awards: list[dict[str, Any]]) -> None:
    assert any(not a["recipient"]["hashed"] for a in awards)


def test_issued_on_is_utc_z_with_microseconds(awards: list[dict[str, Any]]) -> None:
    for award in awards:
        assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z", award["issuedOn"]), award["issuedOn"]


def test_timestamps_are_written_as_drf_writes_them(awards: list[dict[str, Any]]) -> None:
    """DRF writes ``isoformat()`` with ``Z``: no fraction when it is zero (example: 2030-12-31T23:59:59Z)."""
    recorded = _example_award(True)
    expires = next(a["expires"] for a in _example("backpack-assertions-expanded.json")["body"]["result"]
                   if a["expires"])
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ", expires)
    assert recorded["issuedOn"].endswith("Z")
    values = [a["issuedOn"] for a in awards] + [a["expires"] for a in awards if a["expires"]]
    for value in values:
        assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d{6})?Z", value), value
        assert not value.endswith(".000000Z"), f"{value}: DRF drops a zero fraction"


# -- users/self (a.10) -------------------------------------------------------------------------
def test_users_self_matches_recorded_example(sandbox: SandboxServer, token: str) -> None:
    recorded = _example("users-self.json")
    body = requests.get(sandbox.info["api"] + "/v2/users/self", headers=_bearer(token),
                        timeout=TIMEOUT).json()
    expected, user = recorded["body"]["result"][0], body["result"][0]
    assert list(user) == list(expected)
    for key, value in expected.items():
        assert type(user[key]) is type(value), key
    assert user["entityType"] == "BadgeUser"
    assert list(user["emails"][0]) == list(expected["emails"][0])
    assert list(user["recipient"]) == list(expected["recipient"])
    assert isinstance(body["latestTermsVersion"], int)


def test_users_self_lists_the_sign_in_address(sandbox: SandboxServer, token: str) -> None:
    user = requests.get(sandbox.info["api"] + "/v2/users/self", headers=_bearer(token),
                        timeout=TIMEOUT).json()["result"][0]
    primary = [e for e in user["emails"] if e["primary"]]
    assert [e["email"] for e in primary] == [sandbox.info["username"]]
    assert primary[0]["verified"] is True
    assert user["recipient"] == {"type": "email", "identity": sandbox.info["username"]}


# -- errors (a.3) ------------------------------------------------------------------------------
def test_401_without_token_matches_recorded_example(sandbox: SandboxServer) -> None:
    recorded = _example("backpack-assertions-401.json")
    response = requests.get(sandbox.info["api"] + "/v2/backpack/assertions", timeout=TIMEOUT)
    assert response.status_code == 401
    assert response.headers.get("WWW-Authenticate") == 'Bearer realm="api"'
    assert _mime(response) == recorded["content_type"]
    assert response.json() == recorded["body"]
    assert list(response.json()) == list(recorded["body"])


@pytest.mark.parametrize("header", ["Bearer not-a-token", "Bearer ", "Basic dXNlcjpwYXNz", "garbage"])
def test_401_with_a_bad_authorization_header(sandbox: SandboxServer, header: str) -> None:
    response = requests.get(sandbox.info["api"] + "/v2/backpack/assertions", timeout=TIMEOUT,
                            headers={"Authorization": header})
    assert response.status_code == 401
    assert response.headers.get("WWW-Authenticate") == 'Bearer realm="api"'
    assert response.json()["status"] == {"success": False, "description": "no valid auth token found"}


def test_401_on_users_self(sandbox: SandboxServer) -> None:
    response = requests.get(sandbox.info["api"] + "/v2/users/self", timeout=TIMEOUT)
    assert response.status_code == 401
    assert response.headers.get("WWW-Authenticate") == 'Bearer realm="api"'


def test_401_honours_accept_json(sandbox: SandboxServer) -> None:
    response = requests.get(sandbox.info["api"] + "/v2/backpack/assertions", timeout=TIMEOUT,
                            headers={"Accept": "application/json"})
    assert response.status_code == 401
    assert _mime(response) == "application/json"


def _assert_not_found(response: requests.Response) -> None:
    assert response.status_code == 404
    assert _mime(response) == LD_JSON
    body = response.json()
    assert body["status"] == {"success": False, "description": NOT_FOUND}
    assert body["result"] == []


@pytest.mark.parametrize("award_id", ["AAAAAAAAAAAAAAAAAAAAAA", "0123456789abcdef01234567", "x"])
def test_404_for_an_unknown_award(sandbox: SandboxServer, token: str, award_id: str) -> None:
    _assert_not_found(requests.get(f"{sandbox.info['api']}/v2/backpack/assertions/{award_id}",
                                   headers=_bearer(token), timeout=TIMEOUT))


def test_404_when_the_scope_lacks_backpack(sandbox: SandboxServer, awards: list[dict[str, Any]]) -> None:
    profile_only = _token(sandbox, scope="rw:profile")
    api = sandbox.info["api"]
    _assert_not_found(requests.get(api + "/v2/backpack/assertions", headers=_bearer(profile_only),
                                   timeout=TIMEOUT))
    _assert_not_found(requests.get(f"{api}/v2/backpack/assertions/{awards[0]['entityId']}",
                                   headers=_bearer(profile_only), timeout=TIMEOUT))
    ok = requests.get(api + "/v2/users/self", headers=_bearer(profile_only), timeout=TIMEOUT)
    assert ok.status_code == 200


def test_404_when_the_scope_lacks_profile(sandbox: SandboxServer) -> None:
    backpack_only = _token(sandbox, scope="rw:backpack")
    api = sandbox.info["api"]
    _assert_not_found(requests.get(api + "/v2/users/self", headers=_bearer(backpack_only), timeout=TIMEOUT))
    ok = requests.get(api + "/v2/backpack/assertions", headers=_bearer(backpack_only), timeout=TIMEOUT)
    assert ok.status_code == 200


def test_read_only_scope_cannot_put(mutable: SandboxServer) -> None:
    read_only = _token(mutable, scope="rw:profile")
    entity_id = _first_award(mutable)["entityId"]
    response = requests.put(f"{mutable.info['api']}/v2/backpack/assertions/{entity_id}",
                            json={"acceptance": "Accepted"}, headers=_bearer(read_only), timeout=TIMEOUT)
    _assert_not_found(response)


def _first_award(server: SandboxServer) -> dict[str, Any]:
    response = requests.get(server.info["api"] + "/v2/backpack/assertions", timeout=TIMEOUT,
                            headers=_bearer(_token(server)))
    return response.json()["result"][0]  # type: ignore[no-any-return]


def test_400_with_field_errors_for_a_bogus_acceptance(mutable: SandboxServer) -> None:
    award = _first_award(mutable)
    response = requests.put(f"{mutable.info['api']}/v2/backpack/assertions/{award['entityId']}",
                            json={"acceptance": "Bogus"}, headers=_bearer(_token(mutable)), timeout=TIMEOUT)
    assert response.status_code == 400
    assert _mime(response) == LD_JSON
    body = response.json()
    assert body["status"] == {"success": False, "description": "bad request"}
    assert body["result"] == []
    assert isinstance(body["fieldErrors"]["acceptance"], list)
    assert all(isinstance(m, str) and m for m in body["fieldErrors"]["acceptance"])
    assert isinstance(body["validationErrors"], list)


def test_bogus_put_changes_nothing(mutable: SandboxServer) -> None:
    award = _first_award(mutable)
    url = f"{mutable.info['api']}/v2/backpack/assertions/{award['entityId']}"
    token = _token(mutable)
    requests.put(url, json={"acceptance": "Bogus"}, headers=_bearer(token), timeout=TIMEOUT)
    after = requests.get(url, headers=_bearer(token), timeout=TIMEOUT).json()["result"][0]
    assert after["acceptance"] == award["acceptance"]


@pytest.mark.parametrize("body", [b'{"acceptance":', b"not json", b'{"acceptance": "Accepted"'])
def test_400_for_a_malformed_json_body(mutable: SandboxServer, body: bytes) -> None:
    award = _first_award(mutable)
    response = requests.put(f"{mutable.info['api']}/v2/backpack/assertions/{award['entityId']}", data=body,
                            headers=_bearer(_token(mutable), **{"Content-Type": "application/json"}),
                            timeout=TIMEOUT)
    assert response.status_code == 400
    assert response.json()["status"] == {"success": False, "description": "bad request"}
    assert response.json()["result"] == []


@pytest.mark.parametrize("body", [b'["Accepted"]', b'"Accepted"', b"42"])
def test_400_for_a_json_body_that_is_not_an_object(mutable: SandboxServer, body: bytes) -> None:
    """DRF answers a non-object body with a ValidationError (400, a.3), never 200."""
    award = _first_award(mutable)
    response = requests.put(f"{mutable.info['api']}/v2/backpack/assertions/{award['entityId']}", data=body,
                            headers=_bearer(_token(mutable), **{"Content-Type": "application/json"}),
                            timeout=TIMEOUT)
    assert response.status_code == 400
    assert response.json()["status"] == {"success": False, "description": "bad request"}


# -- unknown paths ---------------------------------------------------------------------------
UNKNOWN_API_PATHS = [
    "/v2/nothing", "/v2/backpack/assertions/abc/def/ghi", "/v2/backpack/", "/v2/", "/v1/earner/badges",
    "/public/nothing", "/public/assertions/", "/o/nothing", "/media/../../etc/passwd", "/%00", "/..",
    "/v2/backpack/assertions/%2e%2e%2f", "/public/assertions/%00.json", "/" + "a" * 3000,
]


@pytest.mark.parametrize("path", UNKNOWN_API_PATHS)
def test_unknown_api_paths_never_500(sandbox: SandboxServer, token: str, path: str) -> None:
    response = requests.get(sandbox.info["api"] + path, headers=_bearer(token), timeout=TIMEOUT)
    assert 400 <= response.status_code < 500, (path, response.status_code)


@pytest.mark.parametrize("path", ["/v2/nothing", "/v2/backpack/assertions/a/b/c"])
def test_unknown_v2_path_is_a_404_envelope(sandbox: SandboxServer, token: str, path: str) -> None:
    _assert_not_found(requests.get(sandbox.info["api"] + path, headers=_bearer(token), timeout=TIMEOUT))


@pytest.mark.parametrize("origin", ["ui", "canvas"])
@pytest.mark.parametrize("path", ["/nothing", "/auth/oauth2/nothing", "/login/nothing", "/%ff", "/public/"])
def test_unknown_browser_paths_never_500(sandbox: SandboxServer, origin: str, path: str) -> None:
    response = requests.get(sandbox.info[origin] + path, timeout=TIMEOUT, allow_redirects=False)
    assert 300 <= response.status_code < 500, (origin, path, response.status_code)
