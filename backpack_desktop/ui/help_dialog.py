"""Help → Read me: the project's README, readable offline inside the app.

The README travels in the package's metadata (``readme`` in pyproject.toml), so an installed
app shows the same text as the repository, with no copy to keep in step and no network. It is
rendered through the same fenced Markdown path as issuer text; its links go to the app's link
opener and its screenshots are named rather than loaded.
"""

from __future__ import annotations

from importlib import metadata

from PySide6.QtWidgets import QDialog, QDialogButtonBox, QVBoxLayout, QWidget

from backpack_desktop import APP_NAME
from backpack_desktop.ui.links import LinkOpener
from backpack_desktop.ui.markdown_view import MarkdownView

DISTRIBUTION = "backpack-desktop"
MISSING = f"# {APP_NAME}\n\nThe read-me is not available in this installation."


def readme_text() -> str:
    """The README from the installed distribution's metadata."""
    try:
        meta = metadata.metadata(DISTRIBUTION)
    except metadata.PackageNotFoundError:
        return MISSING
    body = meta.get_payload() or meta.get("Description") or ""  # type: ignore[attr-defined]
    return str(body) or MISSING


class ReadmeDialog(QDialog):
    """A resizable window showing the README."""

    def __init__(self, links: LinkOpener, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle(f"{APP_NAME} — Read me")
        self.resize(820, 680)
        self._links = links
        self.view = MarkdownView(fit=False)
        self.view.setAccessibleName("Read me")
        self.view.set_markdown(readme_text())
        self.view.link_activated.connect(self._links.open)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(self.view, 1)
        layout.addWidget(buttons)
