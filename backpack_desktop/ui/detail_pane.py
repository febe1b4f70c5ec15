"""The detail pane: everything about the selected award, as plain text, in a scroll area.

Issuer-supplied text (names, descriptions, criteria, evidence) is shown with ``Qt.PlainText``,
so markup in a badge is displayed literally and never rendered. Markdown narratives go through
the one sanitising path, :class:`MarkdownView`. Links are never clickable text: an "Open…"
button asks the app's link opener (https only, whole address shown first). Every action works
from the offline copy.

The pane is built once and updated in place for each selection: rebuilding widgets at every
click costs time and leaves deleted widgets behind for the garbage collector.
"""

from __future__ import annotations

from datetime import UTC, datetime

from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtGui import QPixmap
from PySide6.QtWidgets import (
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QMenu,
    QPushButton,
    QScrollArea,
    QStackedWidget,
    QVBoxLayout,
    QWidget,
)

from backpack_desktop.domain.models import Award
from backpack_desktop.domain.status import Status, describe
from backpack_desktop.ui.detail_fields import LinkField, LinkList, picture_label
from backpack_desktop.ui.markdown_view import MarkdownView
from backpack_desktop.ui.widgets import plain_label

VERIFY_DELAY_MS = 250  # the offline check waits until the learner stops moving through the list
PICTURE = 160  # logical pixels; the image is decoded at this size times the screen's ratio
LOGO = 32

CHIP_COLOURS = {  # (background, text): AA contrast in light and dark palettes
    Status.ACTIVE: ("#1b5e20", "#ffffff"),
    Status.NEW: ("#0d47a1", "#ffffff"),
    Status.PENDING: ("#424242", "#ffffff"),
    Status.EXPIRED: ("#8a5300", "#ffffff"),
    Status.REVOKED: ("#b71c1c", "#ffffff"),
}
CHIP_SYMBOLS = {
    Status.ACTIVE: "●",
    Status.NEW: "★",
    Status.PENDING: "◐",
    Status.EXPIRED: "⏱",
    Status.REVOKED: "✕",
}


def status_chip(status: Status) -> QLabel:
    """A status chip: a word and a symbol, never colour alone."""
    chip = plain_label()
    chip.setWordWrap(False)
    set_chip(chip, status)
    return chip


def set_chip(chip: QLabel, status: Status) -> None:
    """Make ``chip`` show ``status``."""
    background, text = CHIP_COLOURS[status]
    chip.setText(f"{CHIP_SYMBOLS[status]} {status.label}")
    chip.setStyleSheet(f"background:{background}; color:{text}; border-radius:9px; padding:2px 10px;")
    chip.setAccessibleName(f"Status: {status.label}")


def _date(value: datetime | None) -> str:
    return value.astimezone().strftime("%d %b %Y") if value else "—"


def _recipient(award: Award) -> str:
    recipient = award.recipient
    shown = award.recipient_name or recipient.plaintext or recipient.identity
    if recipient.hashed and not award.recipient_name and not recipient.plaintext:
        return f"{shown} (hashed {recipient.type}: the issuer shared only a fingerprint)"
    return shown


# (label, kind): "text" plain label, "markdown" MarkdownView, "link" LinkField, "links" LinkList
FIELDS = (
    ("Description", "text"),
    ("Criteria", "markdown"),
    ("Criteria page", "link"),
    ("Issued on", "text"),
    ("Expires", "text"),
    ("Recipient", "text"),
    ("Narrative", "markdown"),
    ("Evidence", "links"),
    ("Alignments", "links"),
    ("Tags", "text"),
    ("Issuer website", "link"),
    ("Issuer e-mail", "text"),
    ("Award id", "text"),
    ("Public URL", "link"),
)


def field_values(award: Award) -> dict[str, object]:
    """What each field shows for ``award`` (empty values hide the row)."""
    bc, issuer = award.badgeclass, award.issuer
    evidence = [(e.name or e.narrative or e.description or "", e.url or "") for e in award.evidence]
    return {
        "Description": bc.description,
        "Criteria": bc.criteria_narrative or "",
        "Criteria page": bc.criteria_url or "",
        "Issued on": _date(award.issued_on),
        "Expires": _date(award.expires) if award.expires else "Never",
        "Recipient": _recipient(award),
        "Narrative": award.narrative or "",
        "Evidence": [item for item in evidence if any(item)],
        "Alignments": [(a.target_name, a.target_url or "") for a in bc.alignments],
        "Tags": ", ".join(bc.tags),
        "Issuer website": issuer.url or "",
        "Issuer e-mail": issuer.email or "",
        "Award id": award.entity_id,
        "Public URL": award.open_badge_id,
    }


class DetailPane(QScrollArea):
    """Shows one award.

    Signals:
        view_json_requested(Award): the user asked for the Badge Award JSON.
        download_requested(Award, str): save the badge: "image" (baked) or "json".
        remove_requested(Award): remove an imported badge.
        verify_requested(Award, bool): check the badge (True: online).
        share_requested(Award): open the share tray.
        print_requested(Award): print a certificate.
        link_requested(str): the user asked to open an issuer-supplied link (not yet checked).
        pictures_wanted(Award): the large badge image and the issuer's logo are wanted.
    """

    view_json_requested = Signal(object)
    download_requested = Signal(object, str)
    remove_requested = Signal(object)
    verify_requested = Signal(object, bool)
    share_requested = Signal(object)
    print_requested = Signal(object)
    link_requested = Signal(str)
    pictures_wanted = Signal(object)

    def __init__(self, parent: QWidget | None = None, kiosk: bool = False) -> None:
        super().__init__(parent)
        self.kiosk = kiosk  # a kiosk offers no file or browser actions (no way out of the app)
        self.setWidgetResizable(True)
        self.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)  # labels wrap instead
        self.award: Award | None = None
        self.values: dict[str, QWidget] = {}
        self._verify_timer = QTimer(self)
        self._verify_timer.setSingleShot(True)
        self._verify_timer.setInterval(VERIFY_DELAY_MS)
        self._verify_timer.timeout.connect(self._on_verify_timer_timeout)
        self._stack = QStackedWidget()
        self._stack.addWidget(self._build_hint())
        self._stack.addWidget(self._build_body())
        self.setWidget(self._stack)
        self.show_award(None)

    # -- layout ----------------------------------------------------------------------------
    def _build_hint(self) -> QWidget:
        page = QWidget()
        layout = QVBoxLayout(page)
        self.hint = plain_label("Select a badge to see its details.")
        layout.addWidget(self.hint)
        layout.addStretch(1)
        return page

    def _build_body(self) -> QWidget:
        body = QWidget()
        layout = QVBoxLayout(body)
        self.picture = picture_label("Badge image")
        self.title = plain_label()
        font = self.title.font()
        font.setPointSizeF(font.pointSizeF() * 1.5)
        font.setBold(True)
        self.title.setFont(font)
        self.chip = status_chip(Status.ACTIVE)
        self.reason = plain_label()
        status_row = QHBoxLayout()
        status_row.addWidget(self.chip)
        status_row.addWidget(self.reason, 1)
        self.issuer_logo = picture_label("Issuer logo")
        self.issuer_logo.setFixedSize(LOGO, LOGO)
        self.issuer_line = plain_label()
        issuer_row = QHBoxLayout()
        issuer_row.addWidget(self.issuer_logo)
        issuer_row.addWidget(self.issuer_line, 1)
        layout.addWidget(self.picture)
        layout.addWidget(self.title)
        layout.addLayout(status_row)
        layout.addLayout(issuer_row)
        layout.addLayout(self._build_actions())
        layout.addLayout(self._build_form())
        layout.addStretch(1)
        return body

    def _build_actions(self) -> QHBoxLayout:
        row = QHBoxLayout()
        self.view_json = QPushButton("View JSON")
        self.view_json.setToolTip("The Badge Award JSON exactly as synced")
        self.view_json.clicked.connect(self._on_view_json_clicked)
        row.addWidget(self.view_json)
        self.download = QPushButton("Download")
        self.download.setToolTip("Save the badge with its credential baked in, from the offline copy")
        menu = QMenu(self.download)
        menu.addAction("Baked badge image", self._on_download_image_triggered)
        menu.addAction("Assertion (JSON)", self._on_download_json_triggered)
        self.download.setMenu(menu)
        row.addWidget(self.download)
        self.remove = QPushButton("Remove")
        self.remove.setToolTip("Remove this imported badge from this computer")
        self.remove.clicked.connect(self._on_remove_clicked)
        row.addWidget(self.remove)
        self.share = QPushButton("Share")
        self.share.setToolTip("Link, social networks, e-mail, QR code or embed code for this badge")
        self.share.clicked.connect(self._on_share_clicked)
        row.addWidget(self.share)
        self.buttons: dict[str, QPushButton] = {
            "View JSON": self.view_json,
            "Download": self.download,
            "Share": self.share,
            "Remove": self.remove,
        }
        self.print_certificate = QPushButton("Print certificate")
        self.print_certificate.setToolTip("Preview and print a certificate for this badge (Ctrl+P)")
        self.print_certificate.clicked.connect(self._on_print_clicked)
        row.insertWidget(row.count() - 1, self.print_certificate)
        self.buttons["Print certificate"] = self.print_certificate
        row.addStretch(1)
        for escape in (self.view_json, self.download, self.remove):
            escape.setVisible(not self.kiosk)
        return row

    def _build_verification(self) -> QWidget:
        box = QWidget()
        row = QHBoxLayout(box)
        row.setContentsMargins(0, 0, 0, 0)
        self.verification = plain_label()
        self.verification.setAccessibleName("Verification")
        self.check_online = QPushButton("Check online")
        self.check_online.setToolTip(
            "Fetch the issuer's copy, keys and revocation list to check this badge now"
        )
        self.check_online.clicked.connect(self._on_check_online_clicked)
        row.addWidget(self.verification, 1)
        row.addWidget(self.check_online, 0, Qt.AlignmentFlag.AlignTop)
        return box

    def set_verification(self, entity_id: str, text: str) -> None:
        """Show a verification result if it is for the award on screen."""
        if self.award is not None and self.award.entity_id == entity_id:
            self.verification.setText(text)
            self.check_online.setEnabled(True)

    def _on_verify_timer_timeout(self) -> None:
        if self.award is not None:
            self.verify_requested.emit(self.award, False)

    def _on_check_online_clicked(self) -> None:
        if self.award is not None:
            self.verification.setText("Checking…")
            self.check_online.setEnabled(False)
            self.verify_requested.emit(self.award, True)

    def _build_form(self) -> QFormLayout:
        self.form = QFormLayout()
        self.form.addRow(plain_label("Verification:"), self._build_verification())
        for label, kind in FIELDS:
            widget = self._value_widget(kind)
            widget.setAccessibleName(label)
            self.values[label] = widget
            self.form.addRow(plain_label(label + ":"), widget)
        return self.form

    def _value_widget(self, kind: str) -> QWidget:
        if kind == "markdown":
            view = MarkdownView()
            view.link_activated.connect(self.link_requested)
            return view
        if kind == "link":
            link = LinkField(kiosk=self.kiosk)
            link.open_requested.connect(self.link_requested)
            return link
        if kind == "links":
            links = LinkList(kiosk=self.kiosk)
            links.open_requested.connect(self.link_requested)
            return links
        return plain_label(selectable=True)

    # -- content ---------------------------------------------------------------------------
    def show_award(
        self, award: Award | None, image: QPixmap | None = None, now: datetime | None = None
    ) -> None:
        """Show ``award`` (None: the hint to select a badge); ``image`` until a larger one comes."""
        changed = award is not self.award
        self.award = award
        self._stack.setCurrentIndex(0 if award is None else 1)
        if award is None:
            return
        self._show_header(award, now or datetime.now(UTC))
        if changed:
            self.set_pictures(award.entity_id, image, None)
            self._show_fields(award)
            self.verticalScrollBar().setValue(0)
            self.verification.setText("Checking…")
            self.check_online.setEnabled(True)
            self.pictures_wanted.emit(award)
            self._verify_timer.start()  # after the selection settles: arrowing through is free

    def refresh_status(self, now: datetime | None = None) -> None:
        """Re-derive the status (an award may expire while it is on screen)."""
        if self.award is not None:
            self._show_header(self.award, now or datetime.now(UTC))

    def set_pictures(self, entity_id: str, badge: QPixmap | None, issuer: QPixmap | None) -> None:
        """Show decoded pictures if they belong to the award on screen (they arrive later)."""
        if self.award is not None and self.award.entity_id == entity_id:
            _show_picture(self.picture, badge)
            _show_picture(self.issuer_logo, issuer)

    def _show_header(self, award: Award, now: datetime) -> None:
        info = describe(award, now)
        self.title.setText(award.name)
        set_chip(self.chip, info.status)
        self.reason.setText(info.reason or "")
        imported = " · Imported" if award.origin == "imported" else ""
        self.issuer_line.setText(f"{award.issuer.name} · issued {_date(award.issued_on)}{imported}")
        self.remove.setVisible(award.origin == "imported" and not self.kiosk)

    def _show_fields(self, award: Award) -> None:
        for label, value in field_values(award).items():
            widget = self.values[label]
            if isinstance(widget, MarkdownView):
                widget.set_markdown(str(value))
            elif isinstance(widget, LinkField):
                widget.set_url(str(value))
            elif isinstance(widget, LinkList):
                widget.set_items(value if isinstance(value, list) else [])
            elif isinstance(widget, QLabel):
                widget.setText(str(value))
            self.form.setRowVisible(widget, bool(value))

    def _on_view_json_clicked(self) -> None:
        if self.award is not None:
            self.view_json_requested.emit(self.award)

    def _on_download_image_triggered(self) -> None:
        if self.award is not None:
            self.download_requested.emit(self.award, "image")

    def _on_download_json_triggered(self) -> None:
        if self.award is not None:
            self.download_requested.emit(self.award, "json")

    def _on_print_clicked(self) -> None:
        if self.award is not None:
            self.print_requested.emit(self.award)

    def _on_share_clicked(self) -> None:
        if self.award is not None:
            self.share_requested.emit(self.award)

    def _on_remove_clicked(self) -> None:
        if self.award is not None:
            self.remove_requested.emit(self.award)


def _show_picture(label: QLabel, pixmap: QPixmap | None) -> None:
    if pixmap is None or pixmap.isNull():
        label.clear()
        label.hide()
    else:
        label.setPixmap(pixmap)
        label.show()
