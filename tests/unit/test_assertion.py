"""The OB 2.0 Assertion rebuilt offline from a synced award (domain/assertion.py)."""

from __future__ import annotations

import copy
import dataclasses
import json
from typing import Any

import pytest

from backpack_desktop.domain.assertion import OB2_CONTEXT, open_badges_assertion
from backpack_desktop.domain.models import Award, parse_award
from backpack_desktop.sandbox.dataset import anchor_day, load_demo
from backpack_desktop.sandbox.records import AwardRecord
from backpack_desktop.sandbox.serializers import Urls, award_json, public_assertion_json

URLS = Urls("http://127.0.0.1:1", "http://127.0.0.1:2")
API_ONLY = {
    "entityType",
    "entityId",
    "acceptance",
    "openBadgeId",
    "badgeclass",
    "badgeclassOpenBadgeId",
    "issuer",
    "issuerOpenBadgeId",
    "pending",
}


@pytest.fixture(scope="module")
def records() -> list[AwardRecord]:
    return load_demo(7, "pw", anchor_day()).awards


def _award(record: AwardRecord) -> Award:
    return parse_award(award_json(record, URLS, True, True))


def _find(records: list[AwardRecord], **attrs: Any) -> AwardRecord:
    return next(r for r in records if all(getattr(r, k) == v for k, v in attrs.items()))


def test_key_order_reads_like_an_assertion(records: list[AwardRecord]) -> None:
    record = _find(records, revoked=False, verification="hosted")
    data = open_badges_assertion(_award(record))
    assert list(data)[:8] == [
        "@context",
        "type",
        "id",
        "recipient",
        "badge",
        "image",
        "verification",
        "issuedOn",
    ]
    assert list(data["badge"])[:9] == [
        "type",
        "id",
        "name",
        "description",
        "image",
        "criteria",
        "issuer",
        "alignment",
        "tags",
    ]
    assert list(data["badge"]["issuer"])[:7] == ["type", "id", "name", "url", "email", "description", "image"]
    assert data["@context"] == OB2_CONTEXT and data["type"] == "Assertion"
    assert data["id"] == URLS.assertion(record)
    assert data["verification"] == {"type": "HostedBadge"}


def test_every_demo_award_matches_the_public_assertion(records: list[AwardRecord]) -> None:
    for record in records:
        data = open_badges_assertion(_award(record))
        public = public_assertion_json(dataclasses.replace(record, revoked=False), URLS, True, True)
        assert data["recipient"] == public["recipient"]
        assert list(data["recipient"])[:3] == ["type", "hashed", "identity"]
        badge = {k: v for k, v in public["badge"].items() if k != "@context"}
        badge["issuer"] = {k: v for k, v in badge["issuer"].items() if k != "@context" and v is not None}
        assert data["badge"] == badge
        assert data["image"] == public["image"]
        assert {k: v for k, v in data.items() if k.startswith("extensions:")} == record.extensions
        assert not API_ONLY & set(data), record.badgeclass.name


def test_the_plaintext_identity_never_appears(records: list[AwardRecord]) -> None:
    assert any(r.hashed for r in records) and any(not r.hashed for r in records)
    for record in records:
        award = _award(record)
        assert award.recipient.plaintext
        text = json.dumps(open_badges_assertion(award), ensure_ascii=False)
        assert "plaintextIdentity" not in text
        if award.recipient.hashed:  # an unhashed identity is the address itself, by design
            assert award.recipient.plaintext not in text


def test_revoked_award_is_the_wallets_full_copy_not_the_stub(records: list[AwardRecord]) -> None:
    record = _find(records, revoked=True)
    data = open_badges_assertion(_award(record))
    assert data["revoked"] is True
    assert data["revocationReason"] == record.revocation_reason
    assert data["badge"]["name"] == record.badgeclass.name and "recipient" in data


def test_optional_keys_only_when_present(records: list[AwardRecord]) -> None:
    record = _find(records, revoked=False, verification="hosted")
    bare = dataclasses.replace(record, narrative=None, evidence=(), expires=None, extensions={})
    data = open_badges_assertion(_award(bare))
    for key in ("narrative", "evidence", "expires", "revoked", "revocationReason"):
        assert key not in data
    assert not any(key.startswith("extensions:") for key in data)


def test_evidence_uses_the_ob2_form(records: list[AwardRecord]) -> None:
    record = next(r for r in records if r.evidence)
    data = open_badges_assertion(_award(record))
    assert data["evidence"] == [
        {"type": "Evidence", "id": e["url"], **{k: v for k, v in e.items() if k != "url"}}
        for e in record.evidence
    ]
    assert data["narrative"] == record.narrative
    assert data["expires"] == award_json(record, URLS, True, True)["expires"]


def test_issuer_extras_and_extension_keys_pass_through(records: list[AwardRecord]) -> None:
    record = _find(records, verification="signed")
    raw = award_json(record, URLS, True, True)
    raw["badgeclass"]["extensions:license"] = {"id": "cc-by"}
    raw["badgeclass"]["issuer"]["extensions:note"] = "kept"
    raw["extensions:custom"] = [1, 2]
    data = open_badges_assertion(parse_award(raw))
    issuer = data["badge"]["issuer"]
    assert issuer["publicKey"] == URLS.key(record.badgeclass.issuer)
    assert issuer["revocationList"] == URLS.revocation_list(record.badgeclass.issuer)
    assert issuer["extensions:note"] == "kept"
    assert data["badge"]["extensions:license"] == {"id": "cc-by"}
    assert list(data)[-1] == "extensions:custom"


def test_a_verification_object_passed_through_is_used(records: list[AwardRecord]) -> None:
    raw = award_json(records[0], URLS, True, True)
    raw["verification"] = {"type": "SignedBadge", "creator": "https://issuer.example/key"}
    data = open_badges_assertion(parse_award(raw))
    assert data["verification"] == raw["verification"]


def test_the_award_is_not_changed(records: list[AwardRecord]) -> None:
    raw = award_json(records[0], URLS, True, True)
    before = copy.deepcopy(raw)
    award = parse_award(raw)
    data = open_badges_assertion(award)
    data["badge"]["issuer"]["name"] = "changed"
    data["recipient"]["identity"] = "changed"
    assert raw == before and award.raw_json() == before


def test_an_award_without_the_expanded_badge_class_uses_the_parsed_one(records: list[AwardRecord]) -> None:
    record = records[0]
    expanded = parse_award(award_json(record, URLS, True, True))
    raw = award_json(record, URLS, False, False)
    award = parse_award(raw, badgeclass=expanded.badgeclass)
    data = open_badges_assertion(award)
    assert data["badge"]["id"] == URLS.badgeclass(record.badgeclass)
    assert data["badge"]["name"] == record.badgeclass.name
    assert data["badge"]["issuer"]["name"] == record.badgeclass.issuer.name
    json.dumps(data)
