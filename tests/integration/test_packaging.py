"""packaging/ is consistent and valid: one app id everywhere, files the validators accept, icons
at every size, a Flatpak manifest with pinned sources, a PyInstaller spec naming what analysis
cannot see, and an sdist that builds, installs in a fresh venv and runs.

desktop-file-validate and appstreamcli (Debian packages desktop-file-utils and appstream,
installed by scripts/setup) are required: without them these tests fail rather than skip.
The PyInstaller bundle itself is built and smoke-tested by packaging/build-linux, not here.
"""

from __future__ import annotations

import ast
import configparser
import re
import shutil
import subprocess
import sys
import tarfile
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
import yaml
from build_helpers import build, run
from PIL import Image

from backpack_desktop import APP_ID, __version__

ICON_SIZES = (16, 24, 32, 48, 64, 128, 256, 512)
KEYRING_BACKENDS = (
    "keyring.backends.SecretService",
    "keyring.backends.macOS",
    "keyring.backends.Windows",
    "keyring.backends.kwallet",
    "keyring.backends.chainer",
    "keyring.backends.fail",
)


@pytest.fixture(scope="module")
def packaging(repo_root: Path) -> Path:
    return repo_root / "packaging"


def _tool(name: str) -> str:
    path = shutil.which(name)
    if path is None:
        pytest.fail(f"{name} is not installed: run scripts/setup (Debian: desktop-file-utils, appstream)")
    return path




def _desktop_entry(packaging: Path) -> configparser.ConfigParser:
    parser = configparser.ConfigParser(interpolation=None, delimiters=("=",))
    parser.optionxform = str  # type: ignore[assignment,method-assign]  # keys are case-sensitive
    parser.read(packaging / f"{APP_ID}.desktop", encoding="utf-8")
    return parser


def _metainfo(packaging: Path) -> ET.Element:
    return ET.parse(packaging / f"{APP_ID}.metainfo.xml").getroot()  # noqa: S314 - our own file


# --- .desktop -------------------------------------------------------------------------------


def test_desktop_file_validates(packaging: Path) -> None:
    proc = subprocess.run(
        [_tool("desktop-file-validate"), str(packaging / f"{APP_ID}.desktop")],
        capture_output=True, text=True, timeout=60,
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "error:" not in proc.stdout + proc.stderr


def test_desktop_file_uses_the_app_id_and_command(packaging: Path) -> None:
    entry = _desktop_entry(packaging)["Desktop Entry"]
    assert entry["Icon"] == APP_ID
    # The app opens no files given on the command line, so no %F and no MimeType.
    assert entry["Exec"] == "backpack-desktop"
    assert "MimeType" not in entry
    demo = _desktop_entry(packaging)["Desktop Action demo"]
    assert demo["Exec"] == "backpack-desktop --demo"


# --- AppStream metainfo ---------------------------------------------------------------------


def test_metainfo_validates(packaging: Path) -> None:
    proc = subprocess.run(
        [_tool("appstreamcli"), "validate", "--no-net", str(packaging / f"{APP_ID}.metainfo.xml")],
        capture_output=True, text=True, timeout=60,
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr


def test_metainfo_names_this_app_and_version(packaging: Path) -> None:
    root = _metainfo(packaging)
    assert root.findtext("id") == APP_ID
    assert root.findtext("launchable") == f"{APP_ID}.desktop"
    assert root.findtext("provides/binary") == "backpack-desktop"
    releases = root.findall("releases/release")
    assert releases, "no release"
    assert releases[0].get("version") == __version__  # the newest release comes first
    assert root.find("content_rating[@type='oars-1.1']") is not None


def test_metainfo_screenshots_exist_in_the_repository(packaging: Path, repo_root: Path) -> None:
    urls = [image.text or "" for image in _metainfo(packaging).iter("image")]
    assert urls
    prefix = "https://raw.githubusercontent.com/backpackdesktop/backpack-desktop/main/"
    for url in urls:
        assert url.startswith(prefix), url
        assert (repo_root / url.removeprefix(prefix)).is_file(), f"{url}: no such file in the checkout"


# --- icons ----------------------------------------------------------------------------------


@pytest.mark.parametrize("size", ICON_SIZES)
def test_icon_png_has_its_size(packaging: Path, size: int) -> None:
    path = packaging / "icons" / "hicolor" / f"{size}x{size}" / "apps" / f"{APP_ID}.png"
    assert path.is_file(), f"missing {path}: run packaging/make-icons"
    with Image.open(path) as image:
        assert image.format == "PNG"
        assert image.size == (size, size)


def test_scalable_icon_is_the_app_svg(packaging: Path, repo_root: Path) -> None:
    icons = packaging / "icons" / "hicolor"
    scalable = icons / "scalable" / "apps" / f"{APP_ID}.svg"
    source = repo_root / "backpack_desktop" / "resources" / "icons" / "app.svg"
    assert scalable.read_bytes() == source.read_bytes(), "run packaging/make-icons"
    names = {p.stem for p in icons.glob("*/apps/*")}
    assert names == {APP_ID}


# --- Flatpak --------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def manifest(packaging: Path) -> dict[str, object]:
    data = yaml.safe_load((packaging / f"{APP_ID}.yml").read_text(encoding="utf-8"))
    assert isinstance(data, dict)
    return data


def test_flatpak_manifest_app_and_runtime(manifest: dict[str, object]) -> None:
    assert manifest["app-id"] == APP_ID
    assert manifest["runtime"] == "org.kde.Platform"
    assert manifest["sdk"] == "org.kde.Sdk"
    assert str(manifest["runtime-version"]).startswith("6.")
    assert manifest["command"] == "backpack-desktop"


def test_flatpak_manifest_permissions(manifest: dict[str, object]) -> None:
    args = manifest["finish-args"]
    assert isinstance(args, list)
    for needed in ("--talk-name=org.freedesktop.secrets", "--socket=cups", "--share=network",
                   "--socket=wayland", "--socket=fallback-x11", "--device=dri"):
        assert needed in args, needed
    assert not [a for a in args if a in ("--filesystem=home", "--filesystem=host")], args


def test_flatpak_sources_are_pinned(manifest: dict[str, object]) -> None:
    modules = manifest["modules"]
    assert isinstance(modules, list)
    files = [s for m in modules for s in m["sources"] if s["type"] == "file"]
    names = {Path(s["url"]).name.split("-")[0].lower().replace("_", "-") for s in files}
    assert {"pyside6", "pyside6-essentials", "pyside6-addons", "shiboken6", "keyring"} <= names
    for source in files:
        assert source["url"].startswith("https://files.pythonhosted.org/packages/"), source
        assert re.fullmatch(r"[0-9a-f]{64}", source.get("sha256", "")), source


def test_flatpak_wheels_cover_the_runtime_dependencies(manifest: dict[str, object], repo_root: Path) -> None:
    import tomllib

    pyproject = tomllib.loads((repo_root / "pyproject.toml").read_text(encoding="utf-8"))
    deps = pyproject["project"]["dependencies"]
    wanted = {re.split(r"[\[<>=!~; ]", d, maxsplit=1)[0].lower().replace("_", "-") for d in deps}
    modules = manifest["modules"]
    assert isinstance(modules, list)
    wheels = {
        Path(s["url"]).name.split("-")[0].lower().replace("_", "-")
        for m in modules for s in m["sources"] if s["type"] == "file"
    }
    assert wanted <= wheels, f"no wheel for {sorted(wanted - wheels)}"


# --- PyInstaller ----------------------------------------------------------------------------


def test_pyinstaller_spec_parses_and_names_hidden_imports(packaging: Path) -> None:
    source = (packaging / "backpack-desktop.spec").read_text(encoding="utf-8")
    tree = compile(source, "backpack-desktop.spec", "exec", ast.PyCF_ONLY_AST)
    strings = {n.value for n in ast.walk(tree) if isinstance(n, ast.Constant) and isinstance(n.value, str)}
    missing = [name for name in KEYRING_BACKENDS if name not in strings]
    assert not missing, f"hidden imports missing from the spec: {missing}"
    for module in ("PySide6.QtWebEngineWidgets", "PySide6.QtPdf", "PySide6.QtSvg", "PySide6.QtPrintSupport"):
        assert module in strings, module
    assert 'collect_data_files("backpack_desktop")' in source


def test_app_never_imports_excluded_qt_modules(repo_root: Path) -> None:
    # The spec excludes QtTest and friends; an import of one in the app would break the bundle.
    excluded = re.compile(r"\bPySide6\.(QtTest|QtQml|QtQuick\w*|Qt3D\w*|QtCharts|QtMultimedia\w*|QtSql)\b")
    offenders = [
        str(path.relative_to(repo_root))
        for path in (repo_root / "backpack_desktop").rglob("*.py")
        if excluded.search(path.read_text(encoding="utf-8"))
    ]
    assert not offenders


# --- sdist ----------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def sdist(repo_root: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Build the sdist from a clean copy of the working tree (uncommitted files included)."""
    return build(repo_root, tmp_path_factory.mktemp("sdist"), "sdist")


@pytest.mark.slow
def test_sdist_contains_resources(sdist: Path) -> None:
    with tarfile.open(sdist) as archive:
        names = {name.split("/", 1)[1] for name in archive.getnames() if "/" in name}
    packagers = (f"packaging/{APP_ID}.desktop", f"packaging/{APP_ID}.metainfo.xml",
                 f"packaging/icons/hicolor/256x256/apps/{APP_ID}.png")  # for distribution packagers
    for needed in ("backpack_desktop/resources/icons/app.svg", "backpack_desktop/resources/sandbox/demo.json",
                   "pyproject.toml", "LICENSE", *packagers):
        assert needed in names, f"{needed} not in {sdist.name}"


@pytest.mark.slow
def test_sdist_installs_and_runs(sdist: Path, tmp_path: Path) -> None:
    env_dir = tmp_path / "venv"
    run([sys.executable, "-m", "venv", env_dir], tmp_path, 120)
    run([env_dir / "bin" / "python", "-m", "pip", "install", "-q", "--disable-pip-version-check", sdist],
         tmp_path, 900)
    # cwd is a scratch directory, so the checkout cannot shadow the installed package.
    proc = run([env_dir / "bin" / "backpack-desktop", "--version"], tmp_path, 60)
    assert proc.stdout.strip() == f"backpack-desktop {__version__}"
    proc = run([env_dir / "bin" / "backpack-desktop", "list", "--help"], tmp_path, 60)
    assert "--status" in proc.stdout
    proc = run([env_dir / "bin" / "python", "-c",
                 "from backpack_desktop import resources; print(resources.exists('sandbox/demo.json'))"],
                tmp_path, 60)
    assert proc.stdout.strip() == "True"
