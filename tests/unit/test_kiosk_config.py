"""The kiosk configuration and PIN, and the crash-residue sweep (SECURITY.md 40)."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from backpack_desktop.services import kiosk_temp
from backpack_desktop.services.kiosk_config import (
    KioskConfigError,
    check_config,
    hash_pin,
    load_config,
    verify_pin,
)

TEMPLATES = ("classic", "modern")


def good(**changes: object) -> dict[str, object]:
    raw: dict[str, object] = {
        "server": "sandbox",
        "printer": "BackpackPDF",
        "idle_timeout": 90,
        "admin_pin": hash_pin("2468"),
    }
    raw.update(changes)
    return raw


def test_a_good_configuration() -> None:
    config = check_config(good(), TEMPLATES)
    assert config.idle_timeout == 90 and config.printer == "BackpackPDF"
    assert config.pin_matches("2468") and not config.pin_matches("2469") and not config.pin_matches("")


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"admin_pin": ""}, "admin_pin is required"),
        ({"admin_pin": "2468"}, "never the PIN itself"),
        ({"idle_timeout": 5}, "idle_timeout"),
        ({"idle_timeout": "60"}, "idle_timeout"),
        ({"idle_timeout": True}, "idle_timeout"),
        ({"template": "baroque"}, "template"),
        ({"api": "https://api.example.org"}, "both api and ui"),
        ({"printer": 3}, "printer must be text"),
        ({"colour": "blue"}, "Unknown setting"),
    ],
)
def test_bad_configurations_say_what_is_wrong(changes: dict[str, object], message: str) -> None:
    with pytest.raises(KioskConfigError, match=message):
        check_config(good(**changes), TEMPLATES)


def test_files_that_are_missing_or_not_toml(tmp_path: Path) -> None:
    with pytest.raises(KioskConfigError, match="cannot be read"):
        load_config(str(tmp_path / "missing.toml"))
    broken = tmp_path / "broken.toml"
    broken.write_text("server = [unterminated", encoding="utf-8")
    with pytest.raises(KioskConfigError, match="not valid TOML"):
        load_config(str(broken))
    fine = tmp_path / "kiosk.toml"
    fine.write_text(f'server = "sandbox"\nadmin_pin = "{hash_pin("1357")}"\n', encoding="utf-8")
    assert load_config(str(fine)).pin_matches("1357")


def test_pins_are_digits_and_hashes_are_salted() -> None:
    with pytest.raises(KioskConfigError):
        hash_pin("abcd")
    first, second = hash_pin("123456"), hash_pin("123456")
    assert first != second and "123456" not in first
    assert verify_pin("123456", first) and verify_pin("123456", second)
    assert not verify_pin("123456", "scrypt$broken") and not verify_pin("1", "")


def test_the_command_line_refuses_a_bad_configuration_before_any_window(
    repo_root: Path, tmp_path: Path
) -> None:
    bad = tmp_path / "kiosk.toml"
    bad.write_text('server = "sandbox"\nadmin_pin = "1234"\n', encoding="utf-8")
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen"}
    done = subprocess.run(
        [sys.executable, "-m", "backpack_desktop", "--kiosk", "--config", str(bad)],
        cwd=repo_root, env=env, capture_output=True, text=True, timeout=60, check=False,
    )  # fmt: skip
    assert done.returncode == 1 and "never the PIN itself" in done.stderr
    assert len(done.stderr.strip().splitlines()) == 1


def test_residue_of_a_killed_station_is_swept(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import tempfile

    monkeypatch.setattr(tempfile, "tempdir", tempfile.tempdir)  # claim_private_temp changes both;
    monkeypatch.setenv("TMPDIR", os.environ.get("TMPDIR", tempfile.gettempdir()))  # put them back
    script = (
        "import os, signal, sys\n"
        "from pathlib import Path\n"
        "from backpack_desktop.services import kiosk_temp\n"
        "folder = kiosk_temp.claim_private_temp(Path(sys.argv[1]))\n"
        "(folder / 'visitor-certificate.pdf').write_bytes(b'%PDF secret')\n"
        "os.kill(os.getpid(), signal.SIGKILL)\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", script, str(tmp_path)], capture_output=True, timeout=60, check=False
    )
    assert done.returncode == -signal.SIGKILL
    left = list(tmp_path.glob("backpack-kiosk-*"))
    assert left and (left[0] / "visitor-certificate.pdf").exists()  # what a crash leaves
    mine = kiosk_temp.claim_private_temp(tmp_path)  # this (live) run's folder is kept
    (mine / "keep").write_text("x")
    assert kiosk_temp.sweep_residue(tmp_path) == left
    assert not left[0].exists() and (mine / "keep").exists()
    kiosk_temp.empty(mine)
    assert list(mine.iterdir()) == []
