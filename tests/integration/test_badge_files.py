"""Download, import and remove badge files against a real sandbox sync and a real cache."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import requests
from sync_helpers import run_sync

from backpack_desktop.domain.badgefile import read_badge_file
from backpack_desktop.domain.baking import unbake
from backpack_desktop.domain.errors import BadgeFileError, BakingError, NoBadgeDataError, UserFacingError
from backpack_desktop.services.backpack import load_backpack
from backpack_desktop.services.badge_files import download, import_file, remove_import
from backpack_desktop.services.cache import CacheStore

IMPORTABLE = [
    "dcpv/ob20/simple.jwt",
    "dcpv/ob20/simple-revoked.jwt",
    "dcpv/ob20/simple-not-revoked.jwt",
    "dcpv/ob20/basic-assertion.json",
    "dcpv/ob20/simple-badge.png",
    "dcpv/ob30/simple-jwt.png",
    "dcpv/ob30/simple-jwt_v1.svg",
    "dcpv/ob30/simple.jwt",
    "dcpv/ob30/simple-err-expired.json",
    "dcpv/ob30/complete.json",
    "bakery/baked_heart.png",
    "bakery/baked_example.svg",
]
NOT_BADGES = [
    "bakery/public_domain_heart.png",
    "bakery/unbaked_example.svg",
    "dcpv/ob20/assets/robotics-badge.png",
    "dcpv/ob20/assets/beths-robot-work.html",
]


def test_download_gives_the_servers_baked_bytes(synced, keys) -> None:
    server, data_dir = synced
    with CacheStore.open(data_dir, keys, create=False) as store:
        awards = load_backpack(store).awards
        award = next(a for a in awards if a.image_url)
        result = download(store, award, "image")
    served = requests.get(award.image_url, timeout=10)  # follows the sandbox's redirect to the file
    assert served.status_code == 200
    assert result.data == served.content and not result.baked_here
    baked = unbake(result.data)
    assert award.entity_id in baked.text or award.open_badge_id in baked.text
    assert result.file_name.endswith((".png", ".svg")) and "/" not in result.file_name


def test_download_json_is_the_open_badges_assertion(synced, keys) -> None:
    _server, data_dir = synced
    with CacheStore.open(data_dir, keys, create=False) as store:
        award = load_backpack(store).awards[0]
        result = download(store, award, "json")
    assertion = json.loads(result.data)
    assert assertion["id"] == award.open_badge_id and assertion["type"] == "Assertion"
    assert result.file_name.endswith(".json")


def test_an_unbaked_cached_image_is_baked_on_download(synced, keys) -> None:
    _server, data_dir = synced
    with CacheStore.open(data_dir, keys, create=False) as store:
        award = next(a for a in load_backpack(store).awards if a.badgeclass.image_url)
        # As if the award had no baked image: the badge class's plain artwork is all there is.
        bare = type(award)(**{**award.__dict__, "image_url": None})
        result = download(store, bare, "image")
    assert result.baked_here
    payload = unbake(result.data)
    assert json.loads(payload.text)["id"] == award.open_badge_id
    carrier = b"iTXtopenbadges\x00" if result.file_name.endswith(".png") else b"<openbadges:assertion"
    assert result.data.count(carrier) == 1  # one chunk or element, never two


def test_a_format_the_image_is_not_in_is_refused_clearly(synced, keys) -> None:
    _server, data_dir = synced
    with CacheStore.open(data_dir, keys, create=False) as store:
        award = next(a for a in load_backpack(store).awards if a.image_url)
        result = download(store, award, "image")
        other = "svg" if result.file_name.endswith(".png") else "png"
        with pytest.raises(UserFacingError, match="cannot be saved as"):
            download(store, award, other)  # type: ignore[arg-type]


@pytest.mark.parametrize("name", IMPORTABLE)
def test_every_shared_badge_file_imports_and_survives_a_sync(
    synced, keys, shared_testdata: Path, name: str
) -> None:
    server, data_dir = synced
    data = (shared_testdata / name).read_bytes()
    with CacheStore.open(data_dir, keys, create=False) as store:
        award = import_file(store, data)
        again = import_file(store, data)  # the same file twice is one badge
        assert again.entity_id == award.entity_id and award.origin == "imported"
    run_sync(server, data_dir, keys)
    with CacheStore.open(data_dir, keys, create=False) as store:
        backpack = load_backpack(store)
        imported = [a for a in backpack.awards if a.origin == "imported"]
        assert [a.entity_id for a in imported] == [award.entity_id]
        assert len(backpack.awards) > 1  # the synced ones are still there beside it
        saved = download(store, imported[0], "image" if name.endswith((".png", ".svg")) else "json")
        assert saved.data == data or saved.data.decode().strip() == read_badge_file(data).text
        assert remove_import(store, award.entity_id)
        assert not remove_import(store, award.entity_id)
        assert all(a.origin != "imported" for a in load_backpack(store).awards)


@pytest.mark.parametrize("name", NOT_BADGES)
def test_files_without_badge_data_fail_cleanly(
    keys, tmp_path: Path, shared_testdata: Path, name: str
) -> None:
    with CacheStore.open(tmp_path, keys) as store:
        with pytest.raises((NoBadgeDataError, BadgeFileError)):
            import_file(store, (shared_testdata / name).read_bytes())
        assert load_backpack(store).awards == ()


HOSTILE_SVG = {
    "billion laughs": b'<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;">]>'
    b'<svg xmlns="http://www.w3.org/2000/svg">&lol2;</svg>',
    "external entity": b'<?xml version="1.0"?><!DOCTYPE x [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>'
    b'<svg xmlns="http://www.w3.org/2000/svg"><text>&xxe;</text></svg>',
    "script": b'<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>',
}


@pytest.mark.parametrize("data", HOSTILE_SVG.values(), ids=HOSTILE_SVG.keys())
def test_hostile_svgs_are_refused_and_nothing_is_stored(keys, tmp_path: Path, data: bytes) -> None:
    with CacheStore.open(tmp_path, keys) as store:
        with pytest.raises(BakingError):
            import_file(store, data)
        assert load_backpack(store).awards == ()


@pytest.mark.parametrize(
    "data",
    [
        b"{" * 100_000 + b"}" * 100_000,  # 100k-deep nesting
        b'{"@context": "https://w3id.org/openbadges/v2", "x": "' + b"a" * (50 * 1024 * 1024) + b'"}',
        b"\x89PNG\r\n\x1a\n" + b"\x00" * 40,  # a truncated PNG
        b"not a badge at all",
    ],
    ids=["deep", "50 MB JSON", "truncated png", "text"],
)
def test_malformed_files_give_one_clear_error(keys, tmp_path: Path, data: bytes) -> None:
    with CacheStore.open(tmp_path, keys) as store:
        with pytest.raises(UserFacingError) as caught:
            import_file(store, data)
        assert "\n" not in str(caught.value) and len(str(caught.value)) < 200
        assert load_backpack(store).awards == ()


def test_a_baked_decompression_bomb_imports_without_being_decoded(keys, tmp_path: Path) -> None:
    from backpack_desktop.domain.baking import bake_png

    bomb = _bomb_png(20000, 20000)  # a few tens of KB on disk, 400 MB of pixels decoded
    assert len(bomb) < 1_000_000
    assertion = {
        "@context": "https://w3id.org/openbadges/v2",
        "type": "Assertion",
        "id": "https://x.example/a",
        "badge": "https://x.example/b",
        "issuedOn": "2026-01-01",
        "recipient": {"identity": "a@b.c", "type": "email", "hashed": False},
        "verification": {"type": "hosted"},
    }
    with CacheStore.open(tmp_path, keys) as store:
        award = import_file(store, bake_png(bomb, json.dumps(assertion)))
        assert award.origin == "imported" and load_backpack(store).awards[0].entity_id == award.entity_id


def _bomb_png(width: int, height: int) -> bytes:
    import struct
    import zlib

    def chunk(kind: bytes, body: bytes) -> bytes:
        return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))

    compressor = zlib.compressobj(9)
    row = b"\x00" * (width + 1)
    data = b"".join(compressor.compress(row) for _ in range(height)) + compressor.flush()
    ihdr = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) + chunk(b"IDAT", data) + chunk(b"IEND", b"")
