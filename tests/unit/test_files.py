"""Suggested file names from untrusted badge names, and the all-or-nothing write."""

from __future__ import annotations

import os
import stat
from pathlib import Path

import pytest

from backpack_desktop.services import files
from backpack_desktop.services.files import MAX_NAME_BYTES, safe_file_name, write_atomically


def _is_single_component(name: str) -> bool:
    return "/" not in name and "\\" not in name and name not in ("", ".", "..")


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("Data Analysis Fundamentals", "Data Analysis Fundamentals.json"),
        ("../../evil", "evil.json"),
        ("..\\..\\windows\\system32", "windows system32.json"),
        ("/etc/passwd", "etc passwd.json"),
        ("a:b", "a b.json"),
        ('What? <Now> "quoted" | star*', "What Now quoted star.json"),
        ("nul\x00byte", "nul byte.json"),
        ("line\nbreak\ttab\x7fdel", "line break tab del.json"),
        ("", "badge.json"),
        ("   ", "badge.json"),
        ("...", "badge.json"),
        ("/", "badge.json"),
        ("\u202e\u200b", "badge.json"),
        (".hidden", "hidden.json"),
        ("trailing dots...", "trailing dots.json"),
        ("データ分析の基礎", "データ分析の基礎.json"),
        ("مهارات القيادة", "مهارات القيادة.json"),
    ],
)
def test_safe_file_name(name: str, expected: str) -> None:
    assert safe_file_name(name, ".json") == expected


@pytest.mark.parametrize(
    "name", ["CON", "con", "Nul", "PRN", "aux", "COM1", "lpt9", "CON.txt", "com¹", " CON "]
)
def test_windows_device_names_are_never_suggested(name: str) -> None:
    result = safe_file_name(name, ".json")
    assert result.startswith("_") and result.endswith(".json")
    assert result.split(".", 1)[0].upper() not in {"CON", "NUL", "PRN", "AUX", "COM1", "LPT9", "COM¹"}


def test_names_that_only_contain_a_device_name_are_kept() -> None:
    assert safe_file_name("Console", ".json") == "Console.json"
    assert safe_file_name("COM10", ".json") == "COM10.json"


def test_right_to_left_override_cannot_disguise_the_extension() -> None:
    result = safe_file_name("invoice\u202enosj.exe", ".json")
    assert "\u202e" not in result
    assert result == "invoicenosj.exe.json"


def test_long_names_are_cut_to_the_file_system_limit() -> None:
    result = safe_file_name("x" * 300, ".json")
    assert result.endswith(".json")
    assert len(result) <= 130
    multibyte = safe_file_name("分" * 300, ".json")  # 3 bytes each in UTF-8
    assert len(multibyte.encode("utf-8")) <= MAX_NAME_BYTES
    assert multibyte.endswith(".json") and multibyte.startswith("分")
    assert "\ufffd" not in multibyte


@pytest.mark.parametrize(
    "name",
    ["../../evil", "CON", "a:b", "nul\x00", "x" * 300, "", "<b>bold</b>", "a/../../b", "\u202ename"],
)
def test_every_result_is_one_harmless_path_component(tmp_path: Path, name: str) -> None:
    result = safe_file_name(name, ".json")
    assert _is_single_component(result)
    assert not result.startswith((".", " "))
    assert "\x00" not in result
    assert (tmp_path / result).parent == tmp_path


def test_write_atomically_creates_and_replaces(tmp_path: Path) -> None:
    target = tmp_path / "award.json"
    write_atomically(target, b'{"a": 1}')
    assert target.read_bytes() == b'{"a": 1}'
    write_atomically(target, '{"name": "データ"}'.encode())
    assert target.read_bytes() == '{"name": "データ"}'.encode()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["award.json"]


@pytest.mark.skipif(os.name != "posix", reason="POSIX permission bits")
def test_new_files_are_private_and_replaced_files_keep_their_mode(tmp_path: Path) -> None:
    new = tmp_path / "new.json"
    write_atomically(new, b"{}")
    assert stat.S_IMODE(new.stat().st_mode) == 0o600
    shared = tmp_path / "shared.json"
    shared.write_bytes(b"old")
    shared.chmod(0o644)
    write_atomically(shared, b"new")
    assert stat.S_IMODE(shared.stat().st_mode) == 0o644


def test_a_failed_write_leaves_the_old_file_and_no_temp_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    target = tmp_path / "award.json"
    target.write_bytes(b"old")

    def refuse(src: str, dst: object) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(files.os, "replace", refuse)
    with pytest.raises(OSError, match="No space"):
        write_atomically(target, b"new")
    assert target.read_bytes() == b"old"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["award.json"]


def test_a_missing_folder_is_an_error(tmp_path: Path) -> None:
    with pytest.raises(OSError):
        write_atomically(tmp_path / "missing" / "award.json", b"{}")


def test_write_atomically_refuses_devices_and_folders(tmp_path) -> None:
    """Renaming over /dev/null would replace the device with a regular file for the whole machine."""
    import os
    import stat

    from backpack_desktop.services.files import write_atomically

    with pytest.raises(OSError):
        write_atomically(tmp_path, b"x")  # a folder
    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)
    with pytest.raises(OSError):
        write_atomically(fifo, b"x")
    assert stat.S_ISFIFO(os.lstat(fifo).st_mode)
    assert not [p for p in tmp_path.iterdir() if p.name.endswith(".tmp")]


def test_write_new_file_never_replaces_or_follows(tmp_path) -> None:
    from backpack_desktop.services.files import save_unique, write_new_file

    outside = tmp_path / "outside.txt"
    outside.write_bytes(b"keep me")
    planted = tmp_path / "badge.png"
    planted.symlink_to(outside)
    with pytest.raises(FileExistsError):
        write_new_file(planted, b"new")
    assert outside.read_bytes() == b"keep me" and planted.is_symlink()
    saved = save_unique(tmp_path, "badge.png", b"baked")
    assert saved == tmp_path / "badge (2).png" and saved.read_bytes() == b"baked"
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".")] == []  # no temp left


@pytest.mark.parametrize(
    "name",
    ["../../evil", "..\\..\\evil", "/etc/x", "C:\\x", "CON", "a:stream", "name\x00", "   .", "x" * 300],
)
def test_hostile_names_land_inside_the_chosen_folder(tmp_path, name: str) -> None:
    from backpack_desktop.services.files import save_unique

    folder = tmp_path / "chosen"
    folder.mkdir()
    saved = save_unique(folder, safe_file_name(name, ".png"), b"baked")
    assert saved.parent == folder and saved.read_bytes() == b"baked"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["chosen"]
