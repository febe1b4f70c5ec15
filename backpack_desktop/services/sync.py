"""One sync: fetch the whole backpack and its images, then swap it into the cache atomically.

Order matters for the guarantee "old state or new state, never a mix": everything is fetched
and validated first (a malformed award aborts before anything is written), images are staged
in the cache's transaction as they arrive, and one commit at the end makes the new state live.
Cancelling or any failure aborts the transaction, leaving the previous cache untouched.

Images: an image is fetched again only when the entity that references it changed (its JSON
fingerprint) or it is not cached yet, so a sync with no changes downloads no image. A missing
or refused image (404, unsafe URL, wrong type) is skipped and the badge shows a placeholder;
a broken network aborts the sync.

The image downloads run on a small thread pool inside this service: they are I/O-bound, the
service is itself always run off the GUI thread by ``ui/tasks.py``, and bounded concurrency is
what keeps a 1,000-award sync within seconds.
"""

from __future__ import annotations

import threading
from collections import deque
from collections.abc import Callable, Iterable
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from datetime import UTC, datetime
from itertools import islice

from backpack_desktop.domain.errors import (
    CancelledError,
    MalformedDataError,
    NetworkError,
    ThrottledError,
    UserFacingError,
)
from backpack_desktop.domain.models import parse_award, parse_profile
from backpack_desktop.services import backpack as layout
from backpack_desktop.services.cache import CacheStore, CacheTransaction
from backpack_desktop.services.http import ApiClient
from backpack_desktop.services.imagefetch import FetchedImage, ImageFetcher

BACKPACK_PARAMS = (
    ("expand", "badgeclass"),
    ("expand", "issuer"),
    ("include_expired", "1"),
    ("include_revoked", "1"),
    ("include_pending", "1"),
)


@dataclass(frozen=True)
class SyncProgress:
    """Where a sync is: ``stage`` is "profile", "badges", "images" or "saving"."""

    stage: str
    items_done: int = 0
    items_total: int = 0
    bytes_done: int = 0


@dataclass(frozen=True)
class SyncResult:
    """What a finished sync did."""

    awards: int
    images_fetched: int
    images_kept: int
    images_missing: int
    bytes_downloaded: int
    synced_at: datetime


_TRANSIENT = object()  # an image that failed for now (network, 5xx, 429): not remembered as missing


@dataclass(frozen=True)
class _ImageJob:
    url: str
    source: str  # fingerprint of the entity that references the image


class SyncEngine:
    """Sync one account's backpack into a cache. Not reusable: create one per sync."""

    def __init__(
        self,
        client: ApiClient,
        images: ImageFetcher,
        store: CacheStore,
        *,
        concurrency: int = 4,
        progress: Callable[[SyncProgress], None] | None = None,
        cancel: threading.Event | None = None,
    ) -> None:
        self._client, self._images, self._store = client, images, store
        self._concurrency = max(1, concurrency)
        self._progress = progress or (lambda _p: None)
        self._cancel = cancel or threading.Event()
        self._abort = threading.Event()
        self._bytes = 0
        self._bytes_lock = threading.Lock()

    def run(self) -> SyncResult:
        """Fetch, validate, download images and commit. Raises a UserFacingError or CancelledError."""
        self._progress(SyncProgress("profile"))
        profile = self._fetch_profile()
        self._check_cancel()
        self._progress(SyncProgress("badges"))
        awards = self._fetch_awards()
        self._check_cancel()
        transaction = self._store.begin()
        try:
            result = self._stage(transaction, profile, awards)
            self._progress(SyncProgress("saving", result.awards, result.awards, self._bytes))
            transaction.commit(layout.KINDS)
        except BaseException:
            transaction.abort()
            raise
        return result

    def _check_cancel(self) -> None:
        if self._cancel.is_set():
            raise CancelledError("sync cancelled")

    def _fetch_profile(self) -> dict[str, object]:
        results = self._client.get_results("/v2/users/self")
        if len(results) != 1:
            raise MalformedDataError("the server sent no profile")
        parse_profile(results[0])  # validate before anything is written
        return results[0]

    def _fetch_awards(self) -> list[layout.NormalizedAward]:
        raw = self._client.get_results("/v2/backpack/assertions", BACKPACK_PARAMS)
        seen: dict[str, layout.NormalizedAward] = {}
        for item in raw:
            parse_award(item)  # every award must parse, or nothing is committed
            normalized = layout.normalize(item)
            seen[normalized.entity_id] = normalized
        return list(seen.values())

    def _stage(
        self, tx: CacheTransaction, profile: dict[str, object], awards: list[layout.NormalizedAward]
    ) -> SyncResult:
        jobs: dict[str, _ImageJob] = {}
        for item in awards:
            award_bytes = layout.dumps(item.award)
            tx.put("award", item.entity_id, award_bytes)
            bc_bytes = layout.dumps(item.badgeclass)
            tx.put("badgeclass", item.badgeclass["id"], bc_bytes)
            issuer_bytes = layout.dumps(item.issuer)
            tx.put("issuer", item.issuer["id"], issuer_bytes)
            self._add_job(jobs, item.award.get("image"), award_bytes)
            self._add_job(jobs, item.badgeclass.get("image"), bc_bytes)
            self._add_job(jobs, item.issuer.get("image"), issuer_bytes)
        tx.put("profile", "self", layout.dumps(profile))
        now = datetime.now(UTC)
        meta = {
            "server": self._client.base_url,
            "synced_at": now.isoformat(),
            "user_id": profile.get("entityId"),
        }
        tx.put("meta", "sync", layout.dumps(meta))
        fetched, kept, missing = self._sync_images(tx, list(jobs.values()))
        return SyncResult(len(awards), fetched, kept, missing, self._bytes, now)

    @staticmethod
    def _add_job(jobs: dict[str, _ImageJob], image: object, source: bytes) -> None:
        url = image.get("id") if isinstance(image, dict) else image
        if isinstance(url, str) and url and url not in jobs:
            jobs[url] = _ImageJob(url, layout.fingerprint(source))

    def _sync_images(self, tx: CacheTransaction, jobs: list[_ImageJob]) -> tuple[int, int, int]:
        to_fetch, kept = [], 0
        for job in jobs:
            if self._unchanged(job):
                tx.keep("image", job.url)
                kept += 1
            else:
                to_fetch.append(job)
        total = len(jobs)
        self._progress(SyncProgress("images", kept, total, 0))
        fetched = missing = 0
        for job, image in self._download(to_fetch):
            if not isinstance(image, FetchedImage):
                missing += 1
                header = self._cached_header(job.url)
                if header is not None and not header.get("missing"):
                    tx.keep("image", job.url)  # keep the old picture rather than none
                elif image is None:  # a definite miss: remembered, so it is not asked for again
                    tx.put("image", job.url, layout.pack_image({"missing": True, "source": job.source}, b""))
                # a transient failure stores nothing, so the next sync tries again
            else:
                header = {
                    "content_type": image.content_type,
                    "etag": image.etag,
                    "final_url": image.final_url,
                    "source": job.source,
                }
                tx.put("image", job.url, layout.pack_image(header, image.data))
                fetched += 1
            self._progress(SyncProgress("images", kept + fetched + missing, total, self._bytes))
        return fetched, kept, missing

    def _cached_header(self, url: str) -> dict[str, object] | None:
        try:
            record = self._store.get("image", url)
        except UserFacingError:
            return None  # a damaged cached image is simply fetched again
        return layout.unpack_image(record)[0] if record else None

    def _unchanged(self, job: _ImageJob) -> bool:
        header = self._cached_header(job.url)
        return header is not None and header.get("source") == job.source

    def _download(self, jobs: list[_ImageJob]) -> Iterable[tuple[_ImageJob, FetchedImage | None | object]]:
        if not jobs:
            return
        # A sliding window of submitted downloads: results are handed on (and released) in
        # order, so memory holds a few images, not the whole backpack's (10,000 x ~35 KB).
        remaining = iter(jobs)
        window: deque[tuple[_ImageJob, Future[FetchedImage | None | object]]] = deque()
        with ThreadPoolExecutor(self._concurrency, thread_name_prefix="sync-image") as pool:
            for job in islice(remaining, self._concurrency * 4):
                window.append((job, pool.submit(self._fetch_one, job)))
            try:
                while window:
                    job, future = window.popleft()
                    result = future.result()
                    upcoming = next(remaining, None)
                    if upcoming is not None:
                        window.append((upcoming, pool.submit(self._fetch_one, upcoming)))
                    yield job, result
            except BaseException:
                self._abort.set()  # queued downloads stop before they start
                for _, pending in window:
                    pending.cancel()
                raise

    def _fetch_one(self, job: _ImageJob) -> FetchedImage | None | object:
        """The image, None for a definite miss, or _TRANSIENT for a failure worth retrying.

        Image hosts are the issuers' own servers: one lapsed domain or a slow host must not stop
        the whole backpack from syncing, so their network errors count as a missing image.
        """
        if self._abort.is_set():
            raise CancelledError("sync stopped")
        self._check_cancel()
        try:
            return self._images.fetch(job.url, cancel=self._cancel, on_bytes=self._count)
        except CancelledError:
            raise
        except (NetworkError, ThrottledError):
            return _TRANSIENT
        except UserFacingError as exc:
            if getattr(exc, "status", 0) >= 500:
                return _TRANSIENT
            return None  # missing (404), refused or unusable image: a placeholder is shown

    def _count(self, n: int) -> None:
        with self._bytes_lock:
            self._bytes += n
