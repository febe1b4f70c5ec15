"""Reading imported badge files back out of the cache (the records a sync never touches).

Separate from ``badge_files`` so that ``backpack.load_backpack`` can list imported badges
beside synced ones without the two modules importing each other.
"""

from __future__ import annotations

import base64
import json
from dataclasses import dataclass
from datetime import datetime

from backpack_desktop.domain.badgefile import BadgeFile, read_badge_file
from backpack_desktop.domain.errors import UserFacingError
from backpack_desktop.domain.imported import award_from_badge_file
from backpack_desktop.domain.models import Award
from backpack_desktop.services.cache import CacheStore

IMPORT_KIND = "imported"


@dataclass(frozen=True)
class ImportedFile:
    """One imported badge: the award it shows as, and the file as it came."""

    award: Award
    badge: BadgeFile
    data: bytes
    imported_at: datetime


def load_imports(store: CacheStore, problems: list[str]) -> list[ImportedFile]:
    """Every imported badge; damaged records are reported in ``problems`` and skipped."""
    records, damaged = store.load(IMPORT_KIND)
    problems.extend(str(exc) for exc in damaged)
    out = []
    for record_id, raw in records.items():
        try:
            out.append(_imported(raw))
        except (UserFacingError, ValueError, KeyError, TypeError) as exc:
            problems.append(f"imported badge {record_id[:40]!r}: {exc}")
    return out


def imported_file(store: CacheStore, entity_id: str) -> ImportedFile | None:
    """One imported badge by id, or None."""
    raw = store.get(IMPORT_KIND, entity_id)
    return _imported(raw) if raw is not None else None


def _imported(raw: bytes) -> ImportedFile:
    record = json.loads(raw)
    data = base64.b64decode(record["file"], validate=True)
    badge = read_badge_file(data)
    resolved = record.get("resolved") if isinstance(record.get("resolved"), dict) else {}
    award = award_from_badge_file(badge, str(record["imported_at"]), resolved)
    when = datetime.fromisoformat(str(record["imported_at"]).replace("Z", "+00:00"))
    return ImportedFile(award, badge, data, when)
