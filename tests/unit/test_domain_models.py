"""Parsing awards and profiles: tolerant of unknown and missing optional keys, strict on types."""

from __future__ import annotations

import copy
import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from backpack_desktop.domain.errors import MalformedDataError
from backpack_desktop.domain.models import parse_award, parse_profile, parse_time
from backpack_desktop.domain.status import Status, describe, status_of


@pytest.fixture(scope="module")
def recorded(repo_root: Path) -> dict:
    """Real responses recorded from the open-source Badgr server (../shared/reference/examples)."""
    folder = repo_root.parent / "shared" / "reference" / "examples"
    return {name: json.loads((folder / f"{name}.json").read_text())["body"]
            for name in ("backpack-assertions-expanded", "users-self")}


def test_recorded_awards_parse(recorded: dict) -> None:
    awards = [parse_award(a) for a in recorded["backpack-assertions-expanded"]["result"]]
    assert len(awards) == 3
    first = awards[0]
    assert first.name == "Python Basics"
    assert first.issuer.name == "Loopback Academy"
    assert first.issued_on.tzinfo is not None and first.issued_on.microsecond == 116543
    assert first.recipient.hashed and first.recipient.salt
    assert first.badgeclass.criteria_narrative.startswith("Complete all 10")
    assert first.raw_json() == recorded["backpack-assertions-expanded"]["result"][0]


def test_recorded_profile_parses(recorded: dict) -> None:
    profile = parse_profile(recorded["users-self"]["result"][0])
    assert profile.display_name == "Lena Learner"
    assert profile.emails == ("learner@example.com",)


def _award(recorded: dict) -> dict:
    return copy.deepcopy(recorded["backpack-assertions-expanded"]["result"][0])


def test_unknown_keys_and_missing_optional_keys_are_tolerated(recorded: dict) -> None:
    data = _award(recorded)
    data["someFutureKey"] = {"nested": [1, 2]}
    for key in ("narrative", "revocationReason", "expires", "evidence", "acceptance", "pending"):
        data.pop(key, None)
    data["badgeclass"].pop("alignment")
    data["badgeclass"]["issuer"].pop("email")
    award = parse_award(data)
    assert award.expires is None and award.evidence == () and award.issuer.email is None


def test_raw_keeps_key_order(recorded: dict) -> None:
    data = _award(recorded)
    assert list(parse_award(data).raw_json()) == list(data)


@pytest.mark.parametrize(
    ("mutate", "message"),
    [
        (lambda d: d.pop("entityId"), "entityId"),
        (lambda d: d.__setitem__("issuedOn", "yesterday"), "issuedOn"),
        (lambda d: d["badgeclass"].__setitem__("name", {"en": "x"}), "name"),
        (lambda d: d.__setitem__("badgeclass", "N8Lzh3AZRuSHR6xsx-0_mQ"), "badge class"),
        (lambda d: d.__setitem__("revoked", "yes"), "revoked"),
        (lambda d: d.__setitem__("recipient", []), "recipient"),
    ],
)
def test_wrong_shapes_raise_a_clear_error(recorded: dict, mutate, message: str) -> None:
    data = _award(recorded)
    mutate(data)
    with pytest.raises(MalformedDataError, match=message):
        parse_award(data)


def test_evidence_and_recipient_profile(recorded: dict) -> None:
    data = _award(recorded)
    data["evidence"] = [{"url": "https://e.example/1", "narrative": "n"}, "https://e.example/2", 7]
    data["extensions:recipientProfile"] = {"name": "Ada Lovelace"}
    award = parse_award(data)
    assert [e.url for e in award.evidence] == ["https://e.example/1", "https://e.example/2"]
    assert award.recipient_name == "Ada Lovelace"


def test_times_accept_z_offsets_and_naive() -> None:
    assert parse_time("2024-05-01T12:00:00Z") == datetime(2024, 5, 1, 12, tzinfo=UTC)
    assert parse_time("2024-05-01T14:00:00+02:00") == datetime(2024, 5, 1, 12, tzinfo=UTC)
    assert parse_time("2024-05-01T12:00:00") == datetime(2024, 5, 1, 12, tzinfo=UTC)


NOW = datetime(2026, 6, 1, tzinfo=UTC)


@pytest.mark.parametrize(
    ("changes", "expected"),
    [
        ({}, Status.ACTIVE),
        ({"acceptance": "Unaccepted"}, Status.NEW),
        ({"pending": True, "acceptance": "Unaccepted"}, Status.PENDING),
        ({"expires": "2026-05-31T23:59:59Z", "pending": True}, Status.EXPIRED),
        ({"revoked": True, "expires": "2020-01-01T00:00:00Z"}, Status.REVOKED),
        ({"expires": "2026-06-02T00:00:00Z"}, Status.ACTIVE),
    ],
)
def test_status_first_match(recorded: dict, changes: dict, expected: Status) -> None:
    data = _award(recorded)
    data.update({"acceptance": "Accepted", **changes})
    assert status_of(parse_award(data), NOW) == expected


def test_a_badge_expires_while_offline(recorded: dict) -> None:
    data = _award(recorded)
    data.update(expires="2026-06-01T12:00:00Z", acceptance="Accepted")
    award = parse_award(data)
    assert status_of(award, NOW) == Status.ACTIVE
    assert status_of(award, NOW + timedelta(days=1)) == Status.EXPIRED
    assert "2026-06-01" in (describe(award, NOW + timedelta(days=1)).reason or "")
