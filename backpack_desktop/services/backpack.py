"""How a backpack is laid out in the generic encrypted cache, and read back as domain objects.

Kinds of record (each one AES-GCM encrypted by ``cache``):

* ``award``: the award JSON exactly as synced, with the expanded badge class replaced by its
  ``id``; ``badgeclass``: the badge class JSON with its expanded issuer replaced by its ``id``;
  ``issuer``: the issuer JSON. Splitting them keeps shared badge classes and issuers once, and
  :class:`AwardJson` rebuilds the award key-for-key, in order, for the JSON dialog.
* ``profile`` (``self``): the ``/v2/users/self`` result; ``meta`` (``sync``): server and time.
* ``image`` (id = the URL it came from): a JSON header line, then the image bytes.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from backpack_desktop.domain.errors import CacheIntegrityError, MalformedDataError
from backpack_desktop.domain.models import (
    Award,
    BadgeClass,
    Profile,
    parse_award,
    parse_badgeclass,
    parse_profile,
    parse_time,
)
from backpack_desktop.services.cache import CacheStore
from backpack_desktop.services.imports_store import load_imports

KINDS = ("award", "badgeclass", "issuer", "profile", "meta", "image")


def dumps(value: Any) -> bytes:
    """Compact, order-preserving JSON bytes (the record format)."""
    return json.dumps(value, ensure_ascii=False, separators=(",", ":")).encode("utf-8")


def fingerprint(data: bytes) -> str:
    """A short content hash, used to tell whether an entity (and so its image) changed."""
    return hashlib.sha256(data).hexdigest()[:32]


@dataclass(frozen=True)
class NormalizedAward:
    """One award split into its three records."""

    entity_id: str
    award: dict[str, Any]
    badgeclass: dict[str, Any]
    issuer: dict[str, Any]


def normalize(raw: Mapping[str, Any]) -> NormalizedAward:
    """Split an expanded award into award, badge class and issuer records."""
    badgeclass = raw.get("badgeclass")
    if not isinstance(badgeclass, Mapping) or not isinstance(badgeclass.get("id"), str):
        raise MalformedDataError("an award came without its badge class")
    issuer = badgeclass.get("issuer")
    if not isinstance(issuer, Mapping) or not isinstance(issuer.get("id"), str):
        raise MalformedDataError("a badge class came without its issuer")
    award = {k: (badgeclass["id"] if k == "badgeclass" else v) for k, v in raw.items()}
    bc = {k: (issuer["id"] if k == "issuer" else v) for k, v in badgeclass.items()}
    return NormalizedAward(str(raw["entityId"]), award, bc, dict(issuer))


class AwardJson(Mapping[str, Any]):
    """The award as synced, rebuilt on access from its records (read-only).

    Loading builds one of these per award instead of a reassembled copy: only the JSON dialog
    and exports ever need the full document, so the cost is paid when one is opened.
    """

    def __init__(
        self, award: Mapping[str, Any], badgeclass: Mapping[str, Any], issuer: Mapping[str, Any]
    ) -> None:
        self._award, self._badgeclass, self._issuer = award, badgeclass, issuer

    def __getitem__(self, key: str) -> Any:
        if key == "badgeclass":
            return {k: (self._issuer if k == "issuer" else v) for k, v in self._badgeclass.items()}
        return self._award[key]

    def __iter__(self) -> Iterator[str]:
        return iter(self._award)

    def __len__(self) -> int:
        return len(self._award)


def pack_image(header: Mapping[str, Any], data: bytes) -> bytes:
    """An image record: one JSON line, then the bytes."""
    return dumps(header) + b"\n" + data


def unpack_image(record: bytes) -> tuple[dict[str, Any], bytes]:
    """Split an image record."""
    head, _, data = record.partition(b"\n")
    header: dict[str, Any] = json.loads(head)
    return header, data


@dataclass(frozen=True)
class SyncInfo:
    """When and from where the cache was last synced."""

    server: str
    synced_at: datetime
    user_id: str | None = None


@dataclass(frozen=True)
class Backpack:
    """Everything readable from the cache; ``problems`` lists records that failed to load."""

    awards: tuple[Award, ...]
    profile: Profile | None
    sync: SyncInfo | None
    problems: tuple[str, ...] = ()

    def award(self, entity_id: str) -> Award | None:
        """The award with ``entity_id`` (also accepts a unique prefix of at least 6 characters)."""
        exact = next((a for a in self.awards if a.entity_id == entity_id), None)
        if exact or len(entity_id) < 6:
            return exact
        found = [a for a in self.awards if a.entity_id.startswith(entity_id)]
        return found[0] if len(found) == 1 else None


def _lazy_award(
    award: Mapping[str, Any], badgeclasses: Mapping[str, Any], issuers: Mapping[str, Any]
) -> AwardJson:
    bc = badgeclasses.get(award.get("badgeclass", ""))
    if not isinstance(bc, Mapping):
        raise MalformedDataError("the cached badge class of an award is missing")
    issuer = issuers.get(bc.get("issuer", ""))
    if not isinstance(issuer, Mapping):
        raise MalformedDataError("the cached issuer of a badge class is missing")
    return AwardJson(award, bc, issuer)


def _json_records(store: CacheStore, kind: str, problems: list[str]) -> dict[str, Any]:
    records, damaged = store.load(kind)
    problems.extend(str(e) for e in damaged)
    out: dict[str, Any] = {}
    for record_id, data in records.items():
        try:
            out[record_id] = json.loads(data)
        except ValueError:
            problems.append(f"cached {kind} {record_id[:40]!r} is not valid JSON")
    return out


def load_backpack(store: CacheStore) -> Backpack:
    """Read and authenticate every record; damaged ones are reported, the rest are returned."""
    problems: list[str] = []
    issuers = _json_records(store, "issuer", problems)
    badgeclasses = _json_records(store, "badgeclass", problems)
    parsed: dict[str, BadgeClass] = {}
    awards = []
    for record_id, award in _json_records(store, "award", problems).items():
        try:
            full = _lazy_award(award, badgeclasses, issuers)
            key = str(award.get("badgeclass"))
            if key not in parsed:  # one parse per badge class, shared by its awards
                parsed[key] = parse_badgeclass(full["badgeclass"])
            awards.append(parse_award(award, parsed[key], raw=full))
        except MalformedDataError as exc:
            problems.append(f"cached award {record_id[:40]!r}: {exc}")
    awards.extend(found.award for found in load_imports(store, problems))  # kept across syncs
    awards.sort(key=lambda a: a.issued_on, reverse=True)
    return Backpack(tuple(awards), _profile(store, problems), _sync_info(store, problems), tuple(problems))


def _profile(store: CacheStore, problems: list[str]) -> Profile | None:
    try:
        data = store.get("profile", "self")
        return parse_profile(json.loads(data)) if data else None
    except (CacheIntegrityError, MalformedDataError, ValueError) as exc:
        problems.append(f"cached profile: {exc}")
        return None


def _sync_info(store: CacheStore, problems: list[str]) -> SyncInfo | None:
    try:
        data = store.get("meta", "sync")
        if not data:
            return None
        meta = json.loads(data)
        synced = parse_time(meta["synced_at"], "synced_at")
        assert synced is not None
        return SyncInfo(str(meta["server"]), synced, meta.get("user_id"))
    except (CacheIntegrityError, MalformedDataError, ValueError, KeyError, AssertionError) as exc:
        problems.append(f"cached sync information: {exc}")
        return None


def cached_image(store: CacheStore, url: str | None) -> tuple[str, bytes] | None:
    """The cached image for ``url`` as (content type, bytes), or None."""
    if not url:
        return None
    record = store.get("image", url)
    if record is None:
        return None
    header, data = unpack_image(record)
    if header.get("missing"):
        return None
    return str(header.get("content_type", "application/octet-stream")), data


def load_profile(store: CacheStore) -> Profile | None:
    """The cached profile alone (None when absent or damaged)."""
    return _profile(store, [])


def load_sync_info(store: CacheStore) -> SyncInfo | None:
    """When and from where the cache was last synced, alone (None when never or damaged)."""
    return _sync_info(store, [])
