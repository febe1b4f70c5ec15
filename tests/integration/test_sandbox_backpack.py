"""The sandbox's backpack endpoints (reference a.4-a.6) and the demo data the app depends on.

Statuses are derived here from the wire data with the first-match rules of reference a.6, never
read from the sandbox's internals, so the tests say what a client would see.
"""

from __future__ import annotations

import re
import threading
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from typing import Any

import pytest
import requests

from backpack_desktop.domain.baking import unbake
from backpack_desktop.sandbox import SandboxConfig, SandboxServer

TIMEOUT = 10
FLAGS = ("include_expired", "include_revoked", "include_pending")
ALL_FLAGS = dict.fromkeys(FLAGS, "1")
EXPAND_ALL = [("expand", "badgeclass"), ("expand", "issuer")]
STATUSES = ("revoked", "expired", "pending", "new", "active")
OB2_BADGECLASS_KEYS = ["@context", "type", "id", "name", "description", "issuer", "image", "criteria",
                       "alignment", "tags"]
OB2_ISSUER_KEYS = ["@context", "type", "id", "name", "url", "email", "description", "image"]
ISSUER_OPTIONAL = {"publicKey", "revocationList", "verification"}
CJK = re.compile(r"[\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff]")
ARABIC = re.compile(r"[\u0600-\u06ff]")


def _token(server: SandboxServer, **extra: str) -> str:
    form = {"grant_type": "password", "username": server.info["username"],
            "password": server.info["password"], **extra}
    response = requests.post(server.info["api"] + "/o/token", data=form, timeout=TIMEOUT)
    assert response.status_code == 200, response.text
    return str(response.json()["access_token"])


def _get(server: SandboxServer, token: str, path: str, params: Any = None) -> requests.Response:
    return requests.get(server.info["api"] + path, params=params, timeout=TIMEOUT,
                        headers={"Authorization": f"Bearer {token}"})


def _list(server: SandboxServer, token: str, params: Any = None) -> list[dict[str, Any]]:
    response = _get(server, token, "/v2/backpack/assertions", params)
    assert response.status_code == 200, response.text
    return response.json()["result"]  # type: ignore[no-any-return]


def _ids(awards: list[dict[str, Any]]) -> set[str]:
    return {a["entityId"] for a in awards}


def _expired(award: dict[str, Any]) -> bool:
    return bool(award["expires"]) and datetime.fromisoformat(award["expires"]) < datetime.now(UTC)


def status(award: dict[str, Any]) -> str:
    """Reference a.6, first match: revoked, expired, pending, new, active."""
    if award["revoked"]:
        return "revoked"
    if _expired(award):
        return "expired"
    if award["pending"]:
        return "pending"
    if award["acceptance"] == "Unaccepted":
        return "new"
    return "active"


def _hidden_by(award: dict[str, Any]) -> set[str]:
    """The include_* flags an award needs to be listed."""
    needs = set()
    if award["revoked"]:
        needs.add("include_revoked")
    if _expired(award):
        needs.add("include_expired")
    if award["pending"]:
        needs.add("include_pending")
    return needs


@pytest.fixture(scope="module")
def token(sandbox: SandboxServer) -> str:
    return _token(sandbox)


@pytest.fixture(scope="module")
def everything(sandbox: SandboxServer, token: str) -> list[dict[str, Any]]:
    """Every award, badge class and issuer expanded (what a faithful offline copy syncs)."""
    return _list(sandbox, token, [*ALL_FLAGS.items(), *EXPAND_ALL])


@pytest.fixture(scope="module")
def private_sandbox() -> Iterator[Callable[..., SandboxServer]]:
    """Private sandboxes for this module, stopped together at the end (stopping takes ~0.5 s each)."""
    started: list[SandboxServer] = []

    def factory(**fields: Any) -> SandboxServer:
        server = SandboxServer(SandboxConfig(**fields)).start()
        started.append(server)
        return server

    yield factory
    stoppers = [threading.Thread(target=s.stop) for s in started]
    for thread in stoppers:
        thread.start()
    for thread in stoppers:
        thread.join(timeout=10)


# -- filters (a.4) -----------------------------------------------------------------------------
def test_default_list_hides_expired_revoked_and_pending(
        sandbox: SandboxServer, token: str, everything: list[dict[str, Any]]) -> None:
    expected = {a["entityId"] for a in everything if not _hidden_by(a)}
    assert _ids(_list(sandbox, token)) == expected
    assert len(expected) < len(everything)


@pytest.mark.parametrize("value", ["1", "true"])
@pytest.mark.parametrize("flag", FLAGS)
def test_each_include_flag_adds_exactly_its_awards(
        sandbox: SandboxServer, token: str, everything: list[dict[str, Any]], flag: str, value: str) -> None:
    default = {a["entityId"] for a in everything if not _hidden_by(a)}
    added = {a["entityId"] for a in everything if _hidden_by(a) == {flag}}
    assert added, f"the demo has no award that only {flag} reveals"
    assert _ids(_list(sandbox, token, {flag: value})) == default | added


@pytest.mark.parametrize("value", ["0", "false", ""])
def test_include_flags_off_values_hide(sandbox: SandboxServer, token: str, value: str) -> None:
    assert _ids(_list(sandbox, token, dict.fromkeys(FLAGS, value))) == _ids(_list(sandbox, token))


def test_all_flags_list_every_award_once(everything: list[dict[str, Any]]) -> None:
    assert len(_ids(everything)) == len(everything)


def test_page_and_num_are_ignored(sandbox: SandboxServer, token: str,
                                  everything: list[dict[str, Any]]) -> None:
    paged = _list(sandbox, token, {**ALL_FLAGS, "page": "2", "num": "1"})
    assert _ids(paged) == _ids(everything)


# -- expand (a.4, a.5) -------------------------------------------------------------------------
def test_expand_badgeclass_gives_an_ob2_badgeclass(sandbox: SandboxServer, token: str) -> None:
    awards = _list(sandbox, token, {**ALL_FLAGS, "expand": "badgeclass"})
    for award in awards:
        bc = award["badgeclass"]
        assert isinstance(bc, dict)
        assert [k for k in bc if not k.startswith("extensions:")] == OB2_BADGECLASS_KEYS
        assert bc["@context"] == "https://w3id.org/openbadges/v2"
        assert bc["type"] == "BadgeClass"
        assert bc["id"] == award["badgeclassOpenBadgeId"]
        assert bc["issuer"] == award["issuerOpenBadgeId"]
        assert isinstance(bc["criteria"], dict)
        assert isinstance(bc["alignment"], list)
        assert isinstance(bc["tags"], list)
        assert isinstance(award["issuer"], str)


def test_expand_badgeclass_and_issuer_nests_the_issuer(everything: list[dict[str, Any]]) -> None:
    for award in everything:
        issuer = award["badgeclass"]["issuer"]
        assert isinstance(issuer, dict)
        core = [k for k in issuer if k not in ISSUER_OPTIONAL and not k.startswith("extensions:")]
        assert core == OB2_ISSUER_KEYS
        assert issuer["type"] == "Issuer"
        assert issuer["id"] == award["issuerOpenBadgeId"]
        assert award["issuer"] == award["issuerOpenBadgeId"].rsplit("/", 1)[1]  # top level stays an id


def test_expand_issuer_alone_is_ignored(sandbox: SandboxServer, token: str) -> None:
    for award in _list(sandbox, token, {**ALL_FLAGS, "expand": "issuer"}):
        assert isinstance(award["badgeclass"], str)
        assert isinstance(award["issuer"], str)


def test_detail_honours_expand(sandbox: SandboxServer, token: str, everything: list[dict[str, Any]]) -> None:
    entity_id = everything[0]["entityId"]
    body = _get(sandbox, token, f"/v2/backpack/assertions/{entity_id}", EXPAND_ALL).json()
    assert body["result"] == [everything[0]]


# -- detail ------------------------------------------------------------------------------------
def test_detail_by_entity_id(sandbox: SandboxServer, token: str) -> None:
    listed = _list(sandbox, token, ALL_FLAGS)
    for award in listed:
        response = _get(sandbox, token, f"/v2/backpack/assertions/{award['entityId']}")
        assert response.status_code == 200
        assert response.json()["result"] == [award]


def test_detail_by_hex_id(sandbox: SandboxServer, token: str) -> None:
    award = _list(sandbox, token)[0]
    response = _get(sandbox, token, f"/v2/backpack/assertions/{award['id']}")
    assert response.status_code == 200
    assert response.json()["result"] == [award]


# -- writes (private sandbox) ------------------------------------------------------------------
def test_put_acceptance_accepted(private_sandbox: Callable[..., SandboxServer]) -> None:
    server = private_sandbox(seed=7)
    token = _token(server)
    award = next(a for a in _list(server, token) if a["acceptance"] == "Unaccepted")
    url = f"{server.info['api']}/v2/backpack/assertions/{award['entityId']}"
    response = requests.put(url, json={"acceptance": "Accepted"}, timeout=TIMEOUT,
                            headers={"Authorization": f"Bearer {token}"})
    assert response.status_code == 200
    body = response.json()
    assert body["status"] == {"success": True, "description": "ok"}
    assert [a["acceptance"] for a in body["result"]] == ["Accepted"]
    assert body["result"][0]["entityId"] == award["entityId"]
    again = _get(server, token, f"/v2/backpack/assertions/{award['entityId']}").json()["result"][0]
    assert again["acceptance"] == "Accepted"
    assert {**again, "acceptance": "Unaccepted"} == award


@pytest.fixture(scope="module")
def deleted(private_sandbox: Callable[..., SandboxServer]) -> tuple[SandboxServer, str, requests.Response]:
    server = private_sandbox(seed=7)
    token = _token(server)
    award = _list(server, token)[0]
    response = requests.delete(f"{server.info['api']}/v2/backpack/assertions/{award['entityId']}",
                               headers={"Authorization": f"Bearer {token}"}, timeout=TIMEOUT)
    return server, award["entityId"], response


def test_delete_answers_204_with_no_body(deleted: tuple[SandboxServer, str, requests.Response]) -> None:
    _, _, response = deleted
    assert response.status_code == 204
    assert response.content == b""


def test_deleted_award_is_never_listed(deleted: tuple[SandboxServer, str, requests.Response]) -> None:
    server, entity_id, _ = deleted
    token = _token(server)
    assert entity_id not in _ids(_list(server, token))
    assert entity_id not in _ids(_list(server, token, ALL_FLAGS))


def test_deleted_award_detail_is_404(deleted: tuple[SandboxServer, str, requests.Response]) -> None:
    server, entity_id, _ = deleted
    token = _token(server)
    response = _get(server, token, f"/v2/backpack/assertions/{entity_id}")
    assert response.status_code == 404
    again = requests.delete(f"{server.info['api']}/v2/backpack/assertions/{entity_id}",
                            headers={"Authorization": f"Bearer {token}"}, timeout=TIMEOUT)
    assert again.status_code == 404


# -- demo data the app is built against ----------------------------------------------------------
def test_demo_has_at_least_12_awards(everything: list[dict[str, Any]]) -> None:
    assert len(everything) >= 12


def test_demo_has_at_least_4_issuers(everything: list[dict[str, Any]]) -> None:
    assert len({a["issuer"] for a in everything}) >= 4


@pytest.mark.parametrize("wanted", STATUSES)
def test_demo_has_every_status(everything: list[dict[str, Any]], wanted: str) -> None:
    assert wanted in {status(a) for a in everything}


def test_demo_has_evidence_with_narrative(everything: list[dict[str, Any]]) -> None:
    both = [a for a in everything if a.get("evidence") and a["narrative"]]
    assert both
    for award in both:
        for item in award["evidence"]:
            assert item["url"].startswith("https://")
            assert isinstance(item.get("narrative"), str)


def test_demo_has_alignments_and_tags(everything: list[dict[str, Any]]) -> None:
    classes = [a["badgeclass"] for a in everything]
    aligned = [bc for bc in classes if bc["alignment"] and bc["tags"]]
    assert aligned
    for bc in aligned:
        for item in bc["alignment"]:
            assert item["targetName"] and item["targetUrl"]


def test_demo_has_a_recipient_profile_extension(everything: list[dict[str, Any]]) -> None:
    profiles = [a["extensions:recipientProfile"] for a in everything if "extensions:recipientProfile" in a]
    assert profiles
    assert all(isinstance(p.get("name"), str) and p["name"] for p in profiles)


def _texts(award: dict[str, Any]) -> str:
    bc = award["badgeclass"]
    return " ".join(str(v) for v in (bc["name"], bc["description"], bc["issuer"]["name"], award["narrative"]))


def test_demo_has_cjk_text(everything: list[dict[str, Any]]) -> None:
    assert any(CJK.search(_texts(a)) for a in everything)


def test_demo_has_arabic_text(everything: list[dict[str, Any]]) -> None:
    assert any(ARABIC.search(_texts(a)) for a in everything)


def _baked_kinds(everything: list[dict[str, Any]]) -> list[str]:
    kinds = []
    for award in everything:
        if award["revoked"] or award["pending"]:
            continue
        response = requests.get(award["image"], timeout=TIMEOUT)
        assert response.status_code == 200, award["image"]
        payload = unbake(response.content)
        if payload.open_badges_version == "3.0":
            kinds.append("ob3")
        elif payload.text.lstrip().startswith("{"):
            kinds.append("hosted")
        else:
            kinds.append("signed")
    return kinds


@pytest.fixture(scope="module")
def baked_kinds(everything: list[dict[str, Any]]) -> list[str]:
    return _baked_kinds(everything)


def test_demo_has_a_signed_award(baked_kinds: list[str]) -> None:
    assert "signed" in baked_kinds


def test_demo_has_an_ob3_award(baked_kinds: list[str]) -> None:
    assert "ob3" in baked_kinds


def test_demo_has_png_and_svg_awards(sandbox: SandboxServer, everything: list[dict[str, Any]]) -> None:
    types = set()
    for award in everything:
        if not (award["revoked"] or award["pending"]):
            types.add(requests.get(award["image"], timeout=TIMEOUT).headers.get("Content-Type"))
    assert {"image/png", "image/svg+xml"} <= types


# -- generated backpacks (--badges N --seed S) ----------------------------------------------------
@pytest.fixture(scope="module")
def generated(private_sandbox: Callable[..., SandboxServer]) -> dict[str, list[dict[str, Any]]]:
    lists = {}
    for name, seed in (("a", 3), ("b", 3), ("c", 4)):
        server = private_sandbox(badges=500, seed=seed)
        lists[name] = _list(server, _token(server), [*ALL_FLAGS.items(), ("expand", "badgeclass")])
    return lists


def test_generated_backpack_has_exactly_500_awards(generated: dict[str, list[dict[str, Any]]]) -> None:
    assert len(generated["a"]) == 500
    assert len(_ids(generated["a"])) == 500


def test_generated_backpack_is_deterministic(generated: dict[str, list[dict[str, Any]]]) -> None:
    a, b = generated["a"], generated["b"]
    assert [x["entityId"] for x in a] == [x["entityId"] for x in b]
    assert [x["badgeclass"]["name"] for x in a] == [x["badgeclass"]["name"] for x in b]


def test_another_seed_gives_another_backpack(generated: dict[str, list[dict[str, Any]]]) -> None:
    a, c = generated["a"], generated["c"]
    assert _ids(a).isdisjoint(_ids(c))
    assert [x["badgeclass"]["name"] for x in a] != [x["badgeclass"]["name"] for x in c]


def test_generated_backpack_has_every_status(generated: dict[str, list[dict[str, Any]]]) -> None:
    """Benchmarks of the status filter need every status (a.6 first match) in a generated backpack."""
    statuses = {status(a) for a in generated["a"]}
    assert {"revoked", "expired", "pending", "new", "active"} <= statuses
