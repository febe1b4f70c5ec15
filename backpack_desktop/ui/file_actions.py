"""Download, import and remove badge files from the window (the file dialogs live here).

The work itself is in ``services/badge_files``; this controller asks where to save or what to
open, runs the service on the cache off the GUI thread, and reports in one message. The save
dialog suggests a safe file name and the platform dialog asks before replacing a file
(SECURITY.md test 33); the file is written atomically, so a failure leaves nothing half-written.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import QObject, QStandardPaths, Qt, Signal
from PySide6.QtWidgets import QFileDialog, QMessageBox, QWidget

from backpack_desktop.domain.errors import UserFacingError
from backpack_desktop.domain.models import Award
from backpack_desktop.services.cache import CacheStore
from backpack_desktop.services.files import write_atomically
from backpack_desktop.ui import messages
from backpack_desktop.ui.account import AccountController

if TYPE_CHECKING:
    from backpack_desktop.services import badge_files

MAX_IMPORT_BYTES = 50 * 1024 * 1024
FILTERS = {
    "png": "Baked badge image (*.png)",
    "svg": "Baked badge image (*.svg)",
    "json": "Open Badges assertion (*.json *.jws *.jwt)",
}
IMPORT_FILTER = "Badge files (*.png *.svg *.json *.jws *.jwt);;All files (*)"
#: ``ask_save(parent, title, suggested path, filter) -> chosen path or ""`` (a dialog in the app)
AskSave = Callable[[QWidget | None, str, str, str], str]
AskOpen = Callable[[QWidget | None, str, str, str], list[str]]


def _ask_save(parent: QWidget | None, title: str, suggested: str, name_filter: str) -> str:
    return QFileDialog.getSaveFileName(parent, title, suggested, name_filter)[0]


def _ask_open(parent: QWidget | None, title: str, folder: str, name_filter: str) -> list[str]:
    return QFileDialog.getOpenFileNames(parent, title, folder, name_filter)[0]


class FileActions(QObject):
    """Badge files in and out of the offline copy.

    Signals:
        finished(str): a short sentence for the status bar once an action is done.
    """

    finished = Signal(str)

    def __init__(
        self,
        account: AccountController,
        parent_widget: Callable[[], QWidget | None],
        ask_save: AskSave = _ask_save,
        ask_open: AskOpen = _ask_open,
        parent: QObject | None = None,
    ) -> None:
        super().__init__(parent)
        self._account, self._parent = account, parent_widget
        self._ask_save, self._ask_open = ask_save, ask_open

    # -- download ----------------------------------------------------------------------------
    def download(self, award: Award, fmt: badge_files.Format = "png") -> None:
        """Ask where, then save the badge from the cache (no network)."""
        from backpack_desktop.services import badge_files  # loaded at first use, not at start-up

        self._account.with_cache(
            "download", lambda store, _c: badge_files.download(store, award, fmt), self._save, self._failed
        )

    def _save(self, result: badge_files.Download) -> None:
        note = " (baked from the cached image)" if result.baked_here else ""
        self.save_bytes(result.data, result.file_name, "Save badge", note)

    def save_bytes(
        self, data: bytes, file_name: str, title: str = "Save", note: str = "", name_filter: str = ""
    ) -> None:
        """Ask where (the platform dialog asks before replacing a file), then write atomically."""
        folder = QStandardPaths.writableLocation(QStandardPaths.StandardLocation.DownloadLocation)
        suffix = Path(file_name).suffix.lstrip(".")
        name_filter = name_filter or FILTERS.get(suffix, FILTERS["json"])
        chosen = self._ask_save(self._parent(), title, str(Path(folder) / file_name), name_filter)
        if not chosen:
            return
        try:
            write_atomically(Path(chosen), data)
        except (OSError, UserFacingError) as exc:
            messages.show_error(self._parent(), UserFacingError(f"The file could not be saved: {exc}"))
            return
        self.finished.emit(f"Saved {Path(chosen).name}{note}")

    # -- import ------------------------------------------------------------------------------
    def choose_and_import(self) -> None:
        """File → Import: pick badge files, then import them."""
        folder = QStandardPaths.writableLocation(QStandardPaths.StandardLocation.DownloadLocation)
        paths = self._ask_open(self._parent(), "Import badges", folder, IMPORT_FILTER)
        if paths:
            self.import_paths(paths)

    def import_paths(self, paths: Sequence[str]) -> None:
        """Import files (from the dialog or dropped on the window); each succeeds on its own."""
        chosen = [Path(p) for p in paths]
        self._account.with_cache(
            "import",
            lambda store, cancel: _import_all(store, chosen, cancel),
            self._imported,
            self._failed,
            True,
        )

    def _imported(self, outcome: tuple[list[Award], list[str]]) -> None:
        imported, problems = outcome
        if problems:
            text = "\n".join(problems[:20]) + ("\n…" if len(problems) > 20 else "")
            ok = f"{len(imported)} imported. " if imported else ""
            messages.show_error(self._parent(), UserFacingError(f"{ok}Not imported:\n{text}"), "Import")
        if imported:
            self.finished.emit(f"Imported {len(imported)} badge{'s' if len(imported) != 1 else ''}")

    # -- remove ------------------------------------------------------------------------------
    def remove(self, award: Award) -> None:
        """Remove an imported badge after asking."""
        if award.origin != "imported":
            return
        box = QMessageBox(
            QMessageBox.Icon.Question,
            "Remove badge",
            f"Remove the imported badge “{award.name[:200]}” from this computer?",
            QMessageBox.StandardButton.Cancel,
            self._parent(),
        )
        box.setTextFormat(Qt.TextFormat.PlainText)  # the name is the issuer's
        remove = box.addButton("Remove", QMessageBox.ButtonRole.DestructiveRole)
        box.setDefaultButton(QMessageBox.StandardButton.Cancel)
        box.exec()
        if box.clickedButton() is not remove:
            return
        from backpack_desktop.services import badge_files

        self._account.with_cache(
            "remove",
            lambda store, _c: badge_files.remove_import(store, award.entity_id),
            self._removed,
            self._failed,
            True,
        )

    def _removed(self, removed: bool) -> None:
        self.finished.emit("Removed the imported badge" if removed else "That badge was already gone")

    def _failed(self, exc: BaseException) -> None:
        messages.show_error(self._parent(), exc)


def _import_all(
    store: CacheStore, paths: list[Path], cancel: threading.Event
) -> tuple[list[Award], list[str]]:
    from backpack_desktop.services import badge_files

    imported: list[Award] = []
    problems: list[str] = []
    for path in paths:
        if cancel.is_set():
            break
        try:
            if not path.is_file():
                raise UserFacingError("not a file")
            if path.stat().st_size > MAX_IMPORT_BYTES:
                raise UserFacingError(f"larger than {MAX_IMPORT_BYTES // 2**20} MB")
            imported.append(badge_files.import_file(store, path.read_bytes()))
        except (UserFacingError, OSError) as exc:
            problems.append(f"{path.name[:120]}: {exc}")
    return imported, problems
