"""The command-line contract in README.md, checked through a real ``python -m backpack_desktop``.

Exit codes: 0 success, 1 an error the user can read (one line on stderr, no traceback unless
``--debug``), 2 bad arguments (one line on stderr). No test here needs a display or the network.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from backpack_desktop import __version__

COMMANDS = (
    "sandbox",
    "sync",
    "list",
    "show",
    "download",
    "share",
    "certificate",
    "import",
    "verify",
    "signout",
)

BAD_ARGUMENTS = {
    "port out of range": ["sandbox", "--port", "99999"],
    "unknown status": ["list", "--status", "bogus"],
    "config without kiosk": ["--config", "x.toml"],
    "unknown command": ["frobnicate"],
}


def run_cli(repo_root: Path, *args: str) -> subprocess.CompletedProcess[str]:
    """Run the command line in a fresh interpreter, with no stdin."""
    return subprocess.run(
        [sys.executable, "-m", "backpack_desktop", *args],
        cwd=repo_root,
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        timeout=60,
    )


@pytest.mark.parametrize("command", COMMANDS)
def test_every_command_has_help(repo_root: Path, command: str) -> None:
    proc = run_cli(repo_root, command, "--help")
    assert proc.returncode == 0, proc.stderr
    assert f"backpack-desktop {command}" in proc.stdout
    assert proc.stderr == ""


def test_top_level_help_lists_every_command(repo_root: Path) -> None:
    proc = run_cli(repo_root, "--help")
    assert proc.returncode == 0, proc.stderr
    for command in COMMANDS:
        assert command in proc.stdout


@pytest.mark.parametrize("args", BAD_ARGUMENTS.values(), ids=BAD_ARGUMENTS.keys())
def test_bad_arguments_exit_2_with_one_line(repo_root: Path, args: list[str]) -> None:
    proc = run_cli(repo_root, *args)
    assert proc.returncode == 2, (proc.stdout, proc.stderr)
    assert len(proc.stderr.splitlines()) == 1, proc.stderr
    assert "error" in proc.stderr
    assert "Traceback" not in proc.stderr


def test_version(repo_root: Path) -> None:
    proc = run_cli(repo_root, "--version")
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.strip() == f"backpack-desktop {__version__}"


@pytest.mark.parametrize(
    "args",
    [
        ["show", "ID", "--data-dir", "/nonexistent/backpack", "--debug"],
        ["--debug", "show", "ID", "--data-dir", "/nonexistent/backpack"],
        ["--debug", "--kiosk", "--config", "/nonexistent/station.toml"],
    ],
    ids=["after-command", "before-command", "kiosk"],
)
def test_debug_shows_the_traceback(repo_root: Path, args: list[str]) -> None:
    proc = run_cli(repo_root, *args)
    assert proc.returncode == 1, proc.stderr
    assert "Traceback (most recent call last)" in proc.stderr
    last = proc.stderr.rstrip().splitlines()[-1]
    assert last.endswith(
        ("cannot be read: No such file or directory.", "run 'backpack-desktop sync' first")
    ), last


def test_signout_with_nothing_stored_succeeds(repo_root: Path, tmp_path: Path) -> None:
    proc = run_cli(repo_root, "signout", "--data-dir", str(tmp_path / "empty"))
    assert proc.returncode == 0, proc.stderr
    assert "No stored sign-in" in proc.stderr and proc.stdout == ""
    assert not (tmp_path / "empty").exists()  # nothing was created
