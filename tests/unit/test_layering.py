"""The layer rule (STYLE.md section 1): only ``ui`` (and the ``app`` composition root) use Qt.

Every module under ``domain``, ``services`` and ``sandbox``, plus ``cli`` and ``resources``, must
import without loading PySide6. The check runs in a fresh interpreter, because this test process
has Qt loaded already (conftest.py). Modules are found by walking the packages on disk, so new
modules are covered without editing this file.
"""

from __future__ import annotations

import json
import pkgutil
import subprocess
import sys
from pathlib import Path

import pytest

CORE_PACKAGES = ("domain", "services", "sandbox")
EXTRA_MODULES = ("backpack_desktop", "backpack_desktop.cli", "backpack_desktop.resources")
QT_ALLOWED = ("ui", "app.py")  # relative to backpack_desktop/

# Imports the modules named in argv one by one and prints, as JSON, the first module after
# which PySide6 was loaded (or null) and the modules that failed to import.
PROBE = """
import importlib, json, sys, traceback
first_qt, failed = None, {}
for name in sys.argv[1:]:
    try:
        importlib.import_module(name)
    except BaseException:
        failed[name] = traceback.format_exc()
    if first_qt is None and any(m == "PySide6" or m.startswith(("PySide6.", "shiboken6"))
                                for m in sys.modules):
        first_qt = name
print(json.dumps({"first_qt": first_qt, "failed": failed}))
"""


def _walk(package_dir: Path, prefix: str) -> list[str]:
    """List the package ``prefix`` and all its modules, recursively, without importing them."""
    names = [prefix]
    for info in pkgutil.iter_modules([str(package_dir)], prefix + "."):
        names.append(info.name)
        if info.ispkg:
            names.extend(_walk(package_dir / info.name.rpartition(".")[2], info.name)[1:])
    return names


def core_modules(repo_root: Path) -> list[str]:
    """Every module that must stay Qt-free."""
    pkg = repo_root / "backpack_desktop"
    names = list(EXTRA_MODULES)
    for sub in CORE_PACKAGES:
        if (pkg / sub).is_dir():  # a directory without __init__.py is still a (namespace) package
            names.extend(_walk(pkg / sub, f"backpack_desktop.{sub}"))
    return names


def _probe(repo_root: Path, names: list[str]) -> tuple[str | None, dict[str, str]]:
    """Import ``names`` in a fresh interpreter: (first module that loaded Qt, import failures)."""
    proc = subprocess.run(
        [sys.executable, "-c", PROBE, *names],
        cwd=repo_root, stdin=subprocess.DEVNULL, capture_output=True, text=True, timeout=120,
    )
    assert proc.returncode == 0, proc.stderr
    result = json.loads(proc.stdout.strip().splitlines()[-1])
    return result["first_qt"], result["failed"]


def test_core_module_list_is_not_empty(repo_root: Path) -> None:
    names = core_modules(repo_root)
    assert "backpack_desktop.cli" in names
    assert any(n.startswith("backpack_desktop.domain.") for n in names), names
    assert any(n.startswith("backpack_desktop.services") for n in names), names


def test_core_modules_do_not_load_qt(repo_root: Path) -> None:
    names = core_modules(repo_root)
    first_qt, failed = _probe(repo_root, names)
    assert not failed, "core modules failed to import:\n" + "\n".join(
        f"--- {name}\n{tb}" for name, tb in failed.items()
    )
    if first_qt is None:
        return
    # Something loaded Qt: name every culprit, each in its own interpreter.
    offenders = [name for name in names if _probe(repo_root, [name])[0] is not None]
    pytest.fail(f"these modules load PySide6 (only ui/ and app.py may): {offenders}")


def test_only_ui_mentions_pyside6(repo_root: Path) -> None:
    pkg = repo_root / "backpack_desktop"
    hits = []
    for path in sorted(pkg.rglob("*.py")):
        rel = path.relative_to(pkg)
        if rel.parts[0] in QT_ALLOWED:
            continue
        for lineno, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            if "PySide6" in line:
                hits.append(f"backpack_desktop/{rel.as_posix()}:{lineno}: {line.strip()}")
    assert not hits, "PySide6 outside ui/ and app.py:\n" + "\n".join(hits)
