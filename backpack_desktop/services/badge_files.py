"""Badge files in and out of the encrypted cache: import, remove, list, and download.

Imported files are kept whole (their bytes are the proof) as records of their own kind, which
a sync never touches: the sync commits only the kinds it owns (``backpack.KINDS``). Downloads
come from the cache alone, with no network: the baked image exactly as the server issued it,
or, where the cached image carries no badge data, the image baked here with the award's
Open Badges assertion.
"""

from __future__ import annotations

import base64
import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Literal

from backpack_desktop.domain.assertion import open_badges_assertion
from backpack_desktop.domain.badgefile import BadgeFile, read_badge_file
from backpack_desktop.domain.baking import bake_png, bake_svg, unbake
from backpack_desktop.domain.errors import (
    BadgeFileError,
    BakingError,
    CacheIntegrityError,
    MalformedDataError,
    NoBadgeDataError,
    UserFacingError,
)
from backpack_desktop.domain.imported import award_from_badge_file, imported_id
from backpack_desktop.domain.models import Award
from backpack_desktop.services.backpack import cached_image, dumps
from backpack_desktop.services.cache import CacheStore
from backpack_desktop.services.files import safe_file_name
from backpack_desktop.services.imports_store import IMPORT_KIND, ImportedFile, imported_file, load_imports

Format = Literal["png", "svg", "json", "image"]  # "image": the baked image in its own format
FORMAT_TYPES = {"png": "image/png", "svg": "image/svg+xml"}
#: ``fetch(url)`` returns a parsed JSON document, or None when it cannot (offline, refused).
Fetch = Callable[[str], Any]


@dataclass(frozen=True)
class Download:
    """Bytes to save, with a safe suggested file name."""

    data: bytes
    file_name: str
    baked_here: bool = False


# -- import --------------------------------------------------------------------------------
def import_file(
    store: CacheStore, data: bytes, fetch: Fetch | None = None, now: datetime | None = None
) -> Award:
    """Read ``data`` as a badge file and keep it in the cache; importing it again changes nothing.

    ``fetch`` resolves a badge class or issuer given only by URL (at import time, when online),
    so the list can show its name later, offline.

    Raises:
        BadgeFileError, BakingError: the file is not a badge file (one clear message).
    """
    badge = read_badge_file(data)
    stamp = (now or datetime.now(UTC)).isoformat().replace("+00:00", "Z")
    resolved = _resolve(badge, fetch) if fetch else {}
    award = award_from_badge_file(badge, stamp, resolved)  # fails before anything is stored
    record = {
        "v": 1,
        "file": base64.b64encode(data).decode("ascii"),
        "imported_at": stamp,
        "resolved": resolved,
    }
    if store.get(IMPORT_KIND, award.entity_id) is None:
        transaction = store.begin()
        try:
            transaction.put(IMPORT_KIND, award.entity_id, dumps(record))
            transaction.commit(())
        except BaseException:
            transaction.abort()
            raise
    return award


def remove_import(store: CacheStore, entity_id: str) -> bool:
    """Forget an imported badge; False when there was none with that id."""
    if not entity_id.startswith("imported-") or store.get(IMPORT_KIND, entity_id) is None:
        return False
    transaction = store.begin()
    try:
        for other in store.ids(IMPORT_KIND):
            if other != entity_id:
                transaction.keep(IMPORT_KIND, other)
        transaction.commit((IMPORT_KIND,))
    except BaseException:
        transaction.abort()
        raise
    return True


def _resolve(badge: BadgeFile, fetch: Fetch) -> dict[str, Any]:
    """Fetch a badge class and its issuer given by URL (at most two requests)."""
    found: dict[str, Any] = {}
    target = badge.document.get("badge")
    if isinstance(target, str):
        doc = fetch(target)
        if isinstance(doc, Mapping):
            found[target] = dict(doc)
            target = doc
    issuer = target.get("issuer") if isinstance(target, Mapping) else None
    if isinstance(issuer, str):
        doc = fetch(issuer)
        if isinstance(doc, Mapping):
            found[issuer] = dict(doc)
    return found


# -- download ------------------------------------------------------------------------------
def download(store: CacheStore, award: Award, fmt: Format) -> Download:
    """The award as a file, from the cache only.

    Raises:
        UserFacingError: the requested format is not available for this award.
    """
    if award.origin == "imported":
        return _download_imported(store, award, fmt)
    base = award.name or award.entity_id
    if fmt == "json":
        text = json.dumps(open_badges_assertion(award), indent=2, ensure_ascii=False) + "\n"
        return Download(text.encode("utf-8"), safe_file_name(base, ".json"))
    image = _cached_award_image(store, award)
    if image is None:
        raise UserFacingError("This badge's image is not in the offline copy. Sync, then try again.")
    content_type, data = image
    have: Format | None = {"image/svg+xml": "svg", "image/png": "png"}.get(content_type)  # type: ignore[assignment]
    if fmt == "image" and have is not None:
        fmt = have
    if have != fmt:
        kind = content_type.split("/")[-1].upper()
        raise UserFacingError(f"This badge's image is a {kind} file, so it cannot be saved as {fmt.upper()}.")
    if _is_baked(data):
        return Download(data, safe_file_name(base, f".{fmt}"))
    payload = json.dumps(open_badges_assertion(award), separators=(",", ":"), ensure_ascii=False)
    baked = (
        bake_png(data, payload)
        if fmt == "png"
        else bake_svg(data, payload, "2.0", award.open_badge_id or None)
    )
    return Download(baked, safe_file_name(base, f".{fmt}"), baked_here=True)


def _download_imported(store: CacheStore, award: Award, fmt: Format) -> Download:
    found = imported_file(store, award.entity_id)
    if found is None:
        raise UserFacingError("This imported badge is no longer in the offline copy.")
    badge, base = found.badge, award.name or award.entity_id
    if fmt == "json":
        if badge.container in ("jws",) or badge.form in ("signed", "vc-jwt"):
            suffix = ".jwt" if badge.version == "3.0" else ".jws"
            return Download(badge.text.encode("utf-8"), safe_file_name(base, suffix))
        return Download(badge.text.encode("utf-8"), safe_file_name(base, ".json"))
    if fmt == "image" and badge.container in ("png", "svg"):
        fmt = badge.container
    if badge.container != fmt:
        raise UserFacingError(
            f"This badge was imported as a {badge.container.upper()} file; save it as "
            f"{'JSON' if badge.container in ('json', 'jws') else badge.container.upper()} instead."
        )
    return Download(found.data, safe_file_name(base, f".{fmt}"))


def _cached_award_image(store: CacheStore, award: Award) -> tuple[str, bytes] | None:
    for url in (award.image_url, award.badgeclass.image_url):
        try:
            found = cached_image(store, url)
        except (CacheIntegrityError, MalformedDataError):
            continue
        if found is not None:
            return found
    return None


def _is_baked(data: bytes) -> bool:
    try:
        unbake(data)
    except NoBadgeDataError:
        return False
    except (BakingError, BadgeFileError):
        return False
    return True


__all__ = [
    "IMPORT_KIND",
    "Download",
    "ImportedFile",
    "download",
    "import_file",
    "imported_file",
    "imported_id",
    "load_imports",
    "remove_import",
]
