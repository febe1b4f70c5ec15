"""The command line end to end: sync from the sandbox, then list and show with the server gone.

Runs the real ``backpack-desktop`` in subprocesses. The passphrase variant works anywhere; the
keyring variant uses the real gnome-keyring that ``scripts/test`` starts under dbus-run-session.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from backpack_desktop.sandbox import SandboxServer


def cli(*args: str, env: dict[str, str], stdin: str = "") -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "backpack_desktop", *args],
        input=stdin,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def sync(
    server: SandboxServer, data_dir: Path, env: dict[str, str], *extra: str
) -> subprocess.CompletedProcess[str]:
    return cli(
        "sync",
        "--server",
        server.info["api"],
        "--username",
        server.info["username"],
        "--password-stdin",
        "--data-dir",
        str(data_dir),
        *extra,
        env=env,
        stdin=server.info["password"] + "\n",
    )


def test_sync_then_list_and_show_offline(make_sandbox, tmp_path: Path, env: dict[str, str]) -> None:
    server = make_sandbox(seed=21)
    data_dir = tmp_path / "data"
    done = sync(server, data_dir, env)
    assert done.returncode == 0, done.stderr
    assert "Synced 14 badges" in done.stderr
    server.stop()  # everything below works offline

    listed = cli("list", "--json", "--data-dir", str(data_dir), env=env)
    assert listed.returncode == 0, listed.stderr
    items = json.loads(listed.stdout)
    assert len(items) == 14
    assert {"id", "name", "issuer", "status", "issued_on", "expires"} <= set(items[0])
    assert {i["status"] for i in items} == {"active", "expired", "revoked", "pending", "new"}
    assert "last synced" in listed.stderr

    expired = json.loads(
        cli("list", "--json", "--status", "expired", "--data-dir", str(data_dir), env=env).stdout
    )
    assert expired and all(i["status"] == "expired" for i in expired)
    found = json.loads(
        cli("list", "--json", "--search", "analysis DATA", "--data-dir", str(data_dir), env=env).stdout
    )
    assert [i["name"] for i in found] == ["Data Analysis Fundamentals"]
    by_issuer = json.loads(
        cli("list", "--json", "--issuer", "northwind", "--data-dir", str(data_dir), env=env).stdout
    )
    assert by_issuer and {i["issuer"] for i in by_issuer} == {"Northwind Institute of Technology"}

    award_id = found[0]["id"]
    shown = cli("show", award_id, "--data-dir", str(data_dir), env=env)
    assert shown.returncode == 0, shown.stderr
    assert "Data Analysis Fundamentals" in shown.stdout and "Alex Rivera" in shown.stdout
    as_json = json.loads(cli("show", award_id, "--json", "--data-dir", str(data_dir), env=env).stdout)
    assert as_json["award"]["entityId"] == award_id and as_json["status"] == "active"

    text = cli("list", "--data-dir", str(data_dir), env=env)
    assert len(text.stdout.splitlines()) == 14


def test_wrong_passphrase_and_missing_cache_are_one_line_errors(make_sandbox, tmp_path, env) -> None:
    data_dir = tmp_path / "data"
    missing = cli("list", "--data-dir", str(data_dir), env=env)
    assert missing.returncode == 1 and "sync" in missing.stderr and "Traceback" not in missing.stderr
    assert sync(make_sandbox(seed=2), data_dir, env).returncode == 0
    wrong = cli("list", "--data-dir", str(data_dir), env={**env, "BACKPACK_DESKTOP_PASSPHRASE": "nope"})
    assert wrong.returncode == 1
    assert len(wrong.stderr.strip().splitlines()) == 1 and "Traceback" not in wrong.stderr


def test_bad_password_and_non_https_server(make_sandbox, tmp_path, env) -> None:
    server = make_sandbox(seed=4)
    bad = cli(
        "sync",
        "--server",
        server.info["api"],
        "--username",
        server.info["username"],
        "--password-stdin",
        "--data-dir",
        str(tmp_path),
        env=env,
        stdin="wrong\n",
    )
    assert bad.returncode == 1 and "Traceback" not in bad.stderr
    assert "wrong" not in bad.stderr
    plain = cli(
        "sync",
        "--server",
        "http://badgr.example.org",
        "--username",
        "x@example.org",
        "--password-stdin",
        "--data-dir",
        str(tmp_path),
        env=env,
        stdin="pw\n",
    )
    assert plain.returncode == 1 and "https" in plain.stderr


def _canaries(server: SandboxServer) -> list[str]:
    tokens = list(server.authority._tokens) + list(server.authority._refresh)  # noqa: SLF001 - test peeks
    assert tokens, "the sync should have issued tokens"
    names = [a.badgeclass.name for a in server.data.awards]
    emails = [e.email for e in server.data.user.emails]
    return [server.info["password"], *tokens, *names, *emails]


def _files_under(*roots: Path) -> list[Path]:
    return [p for root in roots for p in root.rglob("*") if p.is_file()]


def test_no_secret_or_personal_data_in_files_or_logs(make_sandbox, tmp_path, env) -> None:
    server = make_sandbox(seed=9)
    data_dir = tmp_path / "data"
    done = sync(server, data_dir, env, "--debug")
    assert done.returncode == 0, done.stderr
    listed = cli("list", "--debug", "--data-dir", str(data_dir), env=env)
    files = _files_under(data_dir, Path(env["TMPDIR"]))
    assert files, "the cache should exist"
    blobs = [p.read_bytes() for p in files] + [done.stderr.encode(), listed.stderr.encode()]
    for canary in _canaries(server):
        for blob in blobs:
            assert canary.encode() not in blob, f"{canary[:12]}… leaked"
    for path in files:
        assert path.stat().st_mode & 0o077 == 0, f"{path} is readable by others"
    assert data_dir.stat().st_mode & 0o777 == 0o700


@pytest.mark.skipif(
    not os.environ.get("DBUS_SESSION_BUS_ADDRESS"),
    reason="needs the Secret Service that scripts/test starts (gnome-keyring under dbus-run-session)",
)
def test_sync_with_the_real_keyring(make_sandbox, tmp_path) -> None:
    env = {k: v for k, v in os.environ.items() if k != "BACKPACK_DESKTOP_PASSPHRASE"}
    env["PYTHON_KEYRING_BACKEND"] = "keyring.backends.SecretService.Keyring"
    server = make_sandbox(seed=8)
    data_dir = tmp_path / "data"
    done = sync(server, data_dir, env)
    assert done.returncode == 0, done.stderr
    listed = cli("list", "--json", "--data-dir", str(data_dir), env=env)
    assert listed.returncode == 0 and len(json.loads(listed.stdout)) == 14
    refused = cli(
        "list",
        "--data-dir",
        str(data_dir),
        env={**env, "PYTHON_KEYRING_BACKEND": "keyring.backends.null.Keyring"},
    )
    assert refused.returncode == 1 and "Traceback" not in refused.stderr


def test_a_damaged_cache_is_reported_then_set_aside_by_sync(make_sandbox, tmp_path, env) -> None:
    import sqlite3

    server = make_sandbox(seed=6)
    data_dir = tmp_path / "data"
    assert sync(server, data_dir, env).returncode == 0
    db = data_dir / "cache.sqlite3"
    connection = sqlite3.connect(db)  # damage the header as a disk error would
    body = connection.execute("SELECT body FROM header").fetchone()[0]
    damaged = bytes(body[:-3]) + bytes([body[-3] ^ 0x01]) + bytes(body[-2:])
    connection.execute("UPDATE header SET body = ?", (damaged,))
    connection.commit()
    connection.close()  # the last connection checkpoints the WAL into the file
    damaged_bytes = db.read_bytes()
    listed = cli("list", "--data-dir", str(data_dir), env=env)
    assert listed.returncode == 1 and "sync" in listed.stderr and "Traceback" not in listed.stderr
    assert db.read_bytes() == damaged_bytes  # a failed load changes nothing
    again = sync(server, data_dir, env)
    assert again.returncode == 0, again.stderr
    kept = list(data_dir.glob("cache.sqlite3.damaged-*"))
    assert len(kept) == 1 and kept[0].read_bytes() == damaged_bytes
    assert len(json.loads(cli("list", "--json", "--data-dir", str(data_dir), env=env).stdout)) == 14
