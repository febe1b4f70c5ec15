"""Sync against the real sandbox over HTTP into a real encrypted cache (issue 3).

Each fault test first makes a good cache, then syncs against a misbehaving server and checks
that the sync ends within a bounded time and the cache file is byte-identical afterwards.
"""

from __future__ import annotations

import hashlib
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
import requests
from sync_helpers import run_sync

from backpack_desktop.domain.errors import CancelledError, UserFacingError
from backpack_desktop.domain.status import Status, status_of
from backpack_desktop.services.auth import password_grant
from backpack_desktop.services.backpack import Backpack, cached_image, load_backpack
from backpack_desktop.services.cache import CacheStore
from backpack_desktop.services.http import ApiClient
from backpack_desktop.services.keys import PassphraseKeySource
from backpack_desktop.services.sync import SyncProgress
from backpack_desktop.services.transport import HttpConfig


def load(data_dir: Path, keys: PassphraseKeySource) -> Backpack:
    with CacheStore.open(data_dir, keys, create=False) as store:
        return load_backpack(store)


def file_digest(data_dir: Path) -> str:
    return hashlib.sha256((data_dir / "cache.sqlite3").read_bytes()).hexdigest()


def test_full_sync_holds_every_award_profile_and_image(synced, keys) -> None:
    server, data_dir = synced
    backpack = load(data_dir, keys)
    assert len(backpack.awards) == len(server.data.awards) == 14
    assert backpack.problems == ()
    assert backpack.profile is not None and backpack.profile.display_name == "Alex Rivera"
    assert backpack.sync is not None and backpack.sync.server == server.info["api"]
    assert {status_of(a) for a in backpack.awards} == set(Status)
    with CacheStore.open(data_dir, keys, create=False) as store:
        for award in backpack.awards:
            image = cached_image(store, award.image_url)
            if status_of(award) in (Status.REVOKED, Status.PENDING):
                assert image is None  # the server has no image for them (404)
            else:
                assert image is not None and image[0] in ("image/png", "image/svg+xml") and image[1]
            assert cached_image(store, award.badgeclass.image_url) is not None
            assert cached_image(store, award.issuer.image_url) is not None


def test_award_json_is_kept_exactly_as_synced(synced, keys) -> None:
    server, data_dir = synced
    token = password_grant(ApiClient(server.info["api"]), server.info["username"], server.info["password"])
    live = requests.get(
        server.info["api"] + "/v2/backpack/assertions",
        timeout=10,
        params=[
            ("expand", "badgeclass"),
            ("expand", "issuer"),
            ("include_expired", "1"),
            ("include_revoked", "1"),
            ("include_pending", "1"),
        ],
        headers={"Authorization": f"Bearer {token.access_token}"},
    ).json()["result"]
    cached = {a.entity_id: a.raw_json() for a in load(data_dir, keys).awards}
    for item in live:
        assert list(cached[item["entityId"]]) == list(item)  # same keys in the same order
        assert cached[item["entityId"]] == item


def test_resync_without_changes_fetches_no_image(synced, keys) -> None:
    server, data_dir = synced
    server.reset_hits()
    result = run_sync(server, data_dir, keys)
    assert result.images_fetched == 0 and result.bytes_downloaded == 0
    assert server.hits("/media/") == 0 and server.hits("/public/") == 0
    assert len(load(data_dir, keys).awards) == 14


def test_award_deleted_on_the_server_disappears(synced, keys) -> None:
    server, data_dir = synced
    victim = server.data.awards[0].entity_id
    token = password_grant(ApiClient(server.info["api"]), server.info["username"], server.info["password"])
    response = requests.delete(
        f"{server.info['api']}/v2/backpack/assertions/{victim}",
        timeout=10,
        headers={"Authorization": f"Bearer {token.access_token}"},
    )
    assert response.status_code == 204
    run_sync(server, data_dir, keys)
    ids = {a.entity_id for a in load(data_dir, keys).awards}
    assert victim not in ids and len(ids) == 13


def test_award_revoked_after_sync_shows_revoked(synced, keys) -> None:
    server, data_dir = synced
    record = next(a for a in server.data.awards if not a.revoked and not a.pending)
    record.revoked, record.revocation_reason = True, "Issued by mistake"  # the issuer revokes it
    run_sync(server, data_dir, keys)
    award = load(data_dir, keys).award(record.entity_id)
    assert award is not None and status_of(award) == Status.REVOKED
    assert award.revocation_reason == "Issued by mistake"


def test_a_badge_expires_while_offline(synced, keys) -> None:
    server, data_dir = synced
    server.stop()  # offline from here on
    soon = next(
        a
        for a in load(data_dir, keys).awards
        if a.expires and a.expires > datetime.now(UTC) and not a.revoked
    )
    assert status_of(soon) == Status.ACTIVE
    assert status_of(soon, soon.expires + timedelta(seconds=1)) == Status.EXPIRED


def test_progress_reports_items_and_bytes_with_a_total(make_sandbox, tmp_path, keys) -> None:
    seen: list[SyncProgress] = []
    run_sync(make_sandbox(seed=3), tmp_path, keys, progress=seen.append)
    stages = [p.stage for p in seen]
    assert stages[0] == "profile" and "badges" in stages and stages[-1] == "saving"
    images = [p for p in seen if p.stage == "images"]
    assert images[-1].items_done == images[-1].items_total > 0
    assert images[-1].bytes_done > 0
    assert [p.items_done for p in images] == sorted(p.items_done for p in images)


def test_cancel_leaves_the_previous_cache_untouched(synced, keys) -> None:
    server, data_dir = synced
    before = file_digest(data_dir)
    for award in server.data.awards:  # force every image to be fetched again
        award.narrative = (award.narrative or "") + " (updated)"
    import threading

    cancel = threading.Event()

    def cancel_during_images(progress: SyncProgress) -> None:
        if progress.stage == "images" and progress.items_done >= 2:
            cancel.set()

    with pytest.raises(CancelledError):
        run_sync(server, data_dir, keys, progress=cancel_during_images, cancel=cancel)
    assert file_digest(data_dir) == before


FAULTS = {
    "captive portal": "portal:path=/v2/backpack",
    "truncated JSON": "truncate:path=/v2/backpack",
    "connection cut": "truncate:path=/v2/backpack,mode=connection",
    "stalled body": "stall:path=/v2/backpack,seconds=20",
    "5xx always": "error:path=/v2/backpack,code=503",
    "next link to another origin": "link:path=/v2/backpack,next=https://evil.example/v2/backpack/assertions",
    "next link looping": "link:path=/v2/backpack,next=/v2/backpack/assertions",
}


@pytest.mark.parametrize("spec", FAULTS.values(), ids=FAULTS.keys())
def test_faults_fail_cleanly_and_keep_the_cache(synced, keys, make_sandbox, spec: str) -> None:
    _, data_dir = synced
    before = file_digest(data_dir)
    faulty = make_sandbox(seed=12, faults=spec)
    started = time.monotonic()
    with pytest.raises(UserFacingError):
        run_sync(faulty, data_dir, keys)
    assert time.monotonic() - started < 20
    assert file_digest(data_dir) == before
    assert len(load(data_dir, keys).awards) == 14


@pytest.mark.parametrize(
    "spec",
    [
        "throttle:path=/v2/backpack,count=1,retry_after=1",
        f"throttle:path=/v2/backpack,count=1,retry_after={'Fri, 01 Jan 2100 00:00:00 GMT'}",
        "error:rate=0.3,code=502",
    ],
    ids=["429 Retry-After seconds", "429 Retry-After date (capped)", "5xx at 30%"],
)
def test_transient_faults_are_retried(make_sandbox, tmp_path, keys, spec: str) -> None:
    server = make_sandbox(seed=5, faults=spec)
    config = HttpConfig(
        connect_timeout=2,
        read_timeout=5,
        deadline=30,
        retries=6,
        backoff_factor=0.05,
        backoff_jitter=0.05,
        retry_after_cap=1.5,
    )
    started = time.monotonic()
    try:
        result = run_sync(server, tmp_path, keys, config=config)
    except UserFacingError:
        # 30 % failures can exhaust even six retries; then nothing may have been written
        assert "error" in spec
        assert not (tmp_path / "cache.sqlite3").exists() or load(tmp_path, keys).awards == ()
        return
    assert result.awards == 14
    assert time.monotonic() - started < 30
    assert server.faults is not None and sum(server.faults.injected.values()) >= 1


@pytest.mark.parametrize(
    "spec",
    ["truncate:path=/media/,mode=connection,count=3", "error:path=/media/,code=503,count=3"],
    ids=["connection cut", "5xx"],
)
def test_an_image_host_failing_does_not_stop_the_sync(make_sandbox, tmp_path, keys, spec: str) -> None:
    """Image hosts are the issuers' servers; a flaky one costs a picture, retried next time."""
    server = make_sandbox(seed=13, faults=spec)
    config = HttpConfig(connect_timeout=2, read_timeout=2, deadline=8, retries=0, backoff_factor=0.05)
    first = run_sync(server, tmp_path, keys, config=config)
    assert first.awards == 14 and first.images_missing >= 3
    server.reset_hits()
    second = run_sync(server, tmp_path, keys, config=config)  # the fault is spent: they come now
    assert second.images_fetched == first.images_missing - 2  # the two real misses (404) are remembered
    assert second.images_missing == 0
