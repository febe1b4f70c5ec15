"""``download``, ``import`` and ``verify`` on the command line, in subprocesses, end to end."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import pytest
import requests
from test_cli_sync import cli, sync  # the sync tests' subprocess helpers

from backpack_desktop.domain.baking import unbake
from backpack_desktop.sandbox import SandboxServer

EXPECTED_OFFLINE = {
    "dcpv/ob20/simple.jwt": 3,  # the key is published by the issuer: not checkable offline
    "dcpv/ob20/basic-assertion.json": 3,
    "dcpv/ob20/simple-badge.png": 3,
    "dcpv/ob30/simple-jwt.png": 0,  # the key travels in the file
    "dcpv/ob30/simple-jwt_v1.svg": 0,
    "dcpv/ob30/simple.jwt": 3,  # no key anywhere: never verified
    "dcpv/ob30/simple-err-expired.json": 1,  # expired
    "dcpv/ob30/complete.json": 3,  # revocation status unknown offline, never "not revoked"
    "bakery/baked_heart.png": 3,
    "bakery/public_domain_heart.png": 4,  # no badge data
    "bakery/unbaked_example.svg": 4,
}


@pytest.mark.parametrize(("name", "code"), EXPECTED_OFFLINE.items(), ids=EXPECTED_OFFLINE.keys())
def test_verify_offline_exit_codes_and_json(
    shared_testdata: Path, env: dict[str, str], tmp_path: Path, name: str, code: int
) -> None:
    path = str(shared_testdata / name)
    done = cli("verify", "--offline", "--json", "--data-dir", str(tmp_path / "none"), path, env=env)
    assert done.returncode == code, (done.stdout, done.stderr)
    report = json.loads(done.stdout)
    word = {0: "verified", 1: "invalid", 3: "unchecked", 4: "unreadable"}[code]
    assert report["result"] == word and report["reasons"]
    if code != 4:
        assert report["version"] in ("1.0", "2.0", "3.0")


def test_sync_download_verify_with_the_server_up_then_down(
    make_sandbox: Callable[..., SandboxServer], tmp_path: Path, env: dict[str, str]
) -> None:
    server = make_sandbox(seed=21)
    data_dir = tmp_path / "data"
    assert sync(server, data_dir, env).returncode == 0
    listed = json.loads(cli("list", "--json", "--data-dir", str(data_dir), env=env).stdout)
    award = next(a for a in listed if a["status"] == "active")
    target = tmp_path / "badge.png"
    done = cli("download", award["id"], "-o", str(target), "--data-dir", str(data_dir), env=env)
    assert done.returncode == 0, done.stderr
    shown = json.loads(cli("show", award["id"], "--json", "--data-dir", str(data_dir), env=env).stdout)
    served = requests.get(shown["award"]["image"], timeout=10).content
    assert target.read_bytes() == served  # as issued, from the cache
    assert unbake(target.read_bytes()).text

    online = cli("verify", "--json", "--data-dir", str(data_dir), str(target), env=env)
    assert online.returncode == 0, online.stdout  # the sandbox serves the hosted assertion
    server.stop()
    offline = cli("verify", "--json", "--data-dir", str(data_dir), str(target), env=env)
    assert offline.returncode == 3, offline.stdout  # server gone: not checked, never verified
    assert json.loads(offline.stdout)["result"] == "unchecked"

    again = cli("download", award["id"], "-o", str(target), "--data-dir", str(data_dir), env=env)
    assert again.returncode == 1 and "exists already" in again.stderr  # never replaced silently
    json_out = tmp_path / "out"
    json_out.mkdir()
    cli(
        "download", award["id"], "--format", "json", "-o", str(json_out), "--data-dir", str(data_dir), env=env
    )
    as_json = cli(
        "download", award["id"], "--format", "json", "-o", str(json_out), "--data-dir", str(data_dir), env=env
    )
    assert as_json.returncode == 0
    saved = sorted(json_out.iterdir())
    assert len(saved) == 2 and any(f.stem.endswith(" (2)") for f in saved)  # a free name; first kept
    assert all(json.loads(f.read_text())["type"] == "Assertion" for f in saved)


def test_import_lists_the_badge_and_bad_files_fail_alone(
    shared_testdata: Path, tmp_path: Path, env: dict[str, str]
) -> None:
    data_dir = str(tmp_path / "data")
    good = str(shared_testdata / "dcpv" / "ob30" / "simple-jwt.png")
    bad = str(shared_testdata / "bakery" / "public_domain_heart.png")
    done = cli("import", good, bad, "--data-dir", data_dir, env=env)
    assert done.returncode == 1  # one file failed
    assert "Teamwork" in done.stdout and "public_domain_heart.png" in done.stderr
    listed = json.loads(cli("list", "--json", "--data-dir", data_dir, env=env).stdout)
    assert [a["name"] for a in listed] == ["Teamwork"]


@pytest.mark.parametrize("identifier", [False, True], ids=["plain", "with identifier"])
def test_share_matches_the_servers_links_and_the_qr_code_scans(
    make_sandbox: Callable[..., SandboxServer], tmp_path: Path, env: dict[str, str], identifier: bool
) -> None:
    import shutil
    import subprocess

    server = make_sandbox(seed=23)
    data_dir = str(tmp_path / "data")
    assert sync(server, Path(data_dir), env).returncode == 0
    award = json.loads(cli("list", "--json", "--data-dir", data_dir, env=env).stdout)[0]
    flag = ["--include-identifier"] if identifier else []
    for provider in ("facebook", "twitter"):  # LinkedIn and Pinterest: the server's quirks are not copied
        mine = cli("share", award["id"], "--provider", provider, *flag, "--data-dir", data_dir, env=env)
        assert mine.returncode == 0, mine.stderr
        params = {
            "provider": provider,
            "redirect": "0",
            **({"include_identifier": "1"} if identifier else {}),
        }
        theirs = requests.get(
            f"{server.info['api']}/v2/backpack/share/assertion/{award['id']}", params=params, timeout=10
        ).json()
        assert mine.stdout.strip() == theirs["url"]
    qr = tmp_path / "link.png"
    link = cli("share", award["id"], *flag, "--qr", str(qr), "--data-dir", data_dir, env=env)
    assert link.returncode == 0
    zbarimg = shutil.which("zbarimg")
    assert zbarimg, "zbar-tools is installed by scripts/setup"
    scanned = subprocess.run([zbarimg, "--raw", "-q", str(qr)], capture_output=True, text=True, check=True)
    assert scanned.stdout.strip() == link.stdout.strip()
    again = cli("share", award["id"], "--qr", str(qr), "--data-dir", data_dir, env=env)
    assert again.returncode == 1 and "exists already" in again.stderr
