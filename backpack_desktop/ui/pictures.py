"""Badge pictures for a Backpack view, decoded off the GUI thread at the screen's pixel ratio.

Thumbnails for the list, the large image and the issuer logo for the detail pane, sharp on
high-DPI screens. Shared by the main window and the kiosk window, so both show the same pictures the same way.
"""

from __future__ import annotations

from PySide6.QtCore import QObject
from PySide6.QtGui import QImage, QPixmap
from PySide6.QtWidgets import QWidget

from backpack_desktop.domain.models import Award
from backpack_desktop.ui.account import AccountController
from backpack_desktop.ui.backpack_view import BackpackView
from backpack_desktop.ui.badge_delegate import THUMB_GRID
from backpack_desktop.ui.detail_pane import LOGO, PICTURE


def badge_urls(award: Award) -> tuple[str, ...]:
    """The award's baked image first, else its badge class's artwork."""
    return tuple(u for u in (award.image_url, award.badgeclass.image_url) if u)


class PictureLoader(QObject):
    """Feeds ``view`` with decoded pictures from ``account``'s cache."""

    def __init__(self, account: AccountController, view: BackpackView, screen: QWidget) -> None:
        super().__init__(view)
        self._account, self._view, self._screen = account, view, screen
        self._pictures_for = ""
        view.pictures_wanted.connect(self._on_view_pictures_wanted)

    def load_thumbnails(self, awards: tuple[Award, ...]) -> None:
        """Decode the list's thumbnails (they arrive after the list is shown)."""
        wanted = {a.entity_id: badge_urls(a) for a in awards}
        self._account.read_images(wanted, self._device_pixels(THUMB_GRID), self._on_thumbnails_read)

    def _on_thumbnails_read(self, images: dict[str, QImage]) -> None:
        self._view.set_thumbnails({key: self._pixmap(image) for key, image in images.items()})

    def _on_view_pictures_wanted(self, award: Award) -> None:
        self._pictures_for = award.entity_id
        wanted = {"badge": badge_urls(award), "issuer": tuple(filter(None, [award.issuer.image_url]))}
        sizes = {"issuer": self._device_pixels(LOGO)}
        self._account.read_images(wanted, self._device_pixels(PICTURE), self._on_pictures_read, sizes)

    def _on_pictures_read(self, images: dict[str, QImage]) -> None:
        badge, issuer = images.get("badge"), images.get("issuer")
        self._view.detail.set_pictures(
            self._pictures_for,
            self._pixmap(badge) if badge is not None else None,
            self._pixmap(issuer) if issuer is not None else None,
        )

    def _device_pixels(self, logical: int) -> int:
        return round(logical * self._screen.devicePixelRatioF())

    def _pixmap(self, image: QImage) -> QPixmap:
        pixmap = QPixmap.fromImage(image)
        pixmap.setDevicePixelRatio(self._screen.devicePixelRatioF())
        return pixmap
