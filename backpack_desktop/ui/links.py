"""Opening issuer-supplied links: the one way a badge's link reaches the system browser.

Every link button and every link in a rendered narrative goes through :class:`LinkOpener`:
the policy in ``domain/links.py`` decides, the learner sees the whole address and confirms,
and only then is the browser asked. In kiosk mode nothing is opened at all.
"""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import Qt, QUrl
from PySide6.QtGui import QDesktopServices
from PySide6.QtWidgets import QMessageBox, QWidget

from backpack_desktop.domain.errors import UserFacingError
from backpack_desktop.domain.links import MAX_LENGTH, LinkCheck, check_link
from backpack_desktop.ui import messages

IDN_NOTE = (
    "The address contains international characters. It is shown in the form your browser "
    "uses (starting with xn--): check that it is the site you expect."
)
Confirm = Callable[[QWidget | None, LinkCheck], bool]
Opener = Callable[[QUrl], object]


def confirm_in_dialog(parent: QWidget | None, check: LinkCheck) -> bool:
    """Ask before opening, showing the full address (plain text: it is the issuer's)."""
    box = QMessageBox(parent)
    box.setIcon(QMessageBox.Icon.Question)
    box.setWindowTitle("Open link")
    box.setTextFormat(Qt.TextFormat.PlainText)
    note = "\n\n" + IDN_NOTE if check.international else ""
    where = "your e-mail program" if check.url.startswith("mailto:") else "your web browser"
    box.setText(f"Open this address in {where}?\n\n{check.url}{note}")
    box.setStandardButtons(QMessageBox.StandardButton.Open | QMessageBox.StandardButton.Cancel)
    box.setDefaultButton(QMessageBox.StandardButton.Cancel)
    return box.exec() == QMessageBox.StandardButton.Open


class LinkOpener:
    """Checks, confirms and opens links; the browser is never reached any other way."""

    def __init__(
        self,
        parent: Callable[[], QWidget | None] = lambda: None,
        confirm: Confirm = confirm_in_dialog,
        opener: Opener = QDesktopServices.openUrl,
        kiosk: bool = False,
    ) -> None:
        self._parent, self._confirm, self._opener, self.kiosk = parent, confirm, opener, kiosk

    def open(self, url: str) -> bool:
        """Open ``url`` if the policy and the learner allow; True when the browser was asked."""
        if self.kiosk:
            return False
        check = check_link(url)
        if check.problem is not None:
            refused = UserFacingError(f"{check.problem}\n\n{check.url}")
            messages.show_error(self._parent(), refused, "Link not opened")
            return False
        if not self._confirm(self._parent(), check):
            return False
        self._opener(QUrl(check.url, QUrl.ParsingMode.StrictMode))
        return True

    def open_share(self, url: str) -> bool:
        """Open a share link the app built itself (https, or a ``mailto:`` for the e-mail program).

        The learner still sees the whole address first: it carries issuer text and their badge.
        """
        if self.kiosk:
            return False
        if url.startswith("mailto:") and len(url) <= MAX_LENGTH:
            check = LinkCheck(url)
        else:
            check = check_link(url)
            if check.problem is not None:
                return False
        if not self._confirm(self._parent(), check):
            return False
        self._opener(QUrl(check.url, QUrl.ParsingMode.TolerantMode))
        return True
