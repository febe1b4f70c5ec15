"""The detail pane: everything about the selected award, as plain text, in a scroll area.

Issuer-supplied text (names, descriptions, criteria, narratives, evidence) is shown with
``Qt.PlainText`` only, so markup in a badge is displayed literally and never rendered, and no
link in it is clickable. Actions whose issue has not landed yet are visible and disabled with
a tooltip that says so, never faked.
"""

from __future__ import annotations

from datetime import UTC, datetime

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QPixmap
from PySide6.QtWidgets import (
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QScrollArea,
    QVBoxLayout,
    QWidget,
)

from backpack_desktop.domain.models import Award
from backpack_desktop.domain.status import Status, describe
from backpack_desktop.ui.widgets import plain_label

NOT_YET = {
    "Download": "Downloading baked badges arrives with the badge files feature.",
    "Share": "The share tray arrives with the sharing feature.",
    "Print certificate": "Certificates arrive with the certificate feature.",
}
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
    chip = plain_label(f"{CHIP_SYMBOLS[status]} {status.label}")
    background, text = CHIP_COLOURS[status]
    chip.setStyleSheet(f"background:{background}; color:{text}; border-radius:9px; padding:2px 10px;")
    chip.setWordWrap(False)
    chip.setAccessibleName(f"Status: {status.label}")
    return chip


def _date(value: datetime | None) -> str:
    return value.astimezone().strftime("%d %b %Y") if value else "—"


class DetailPane(QScrollArea):
    """Shows one award.

    Signals:
        view_json_requested(Award): the user asked for the Badge Award JSON.
    """

    view_json_requested = Signal(object)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWidgetResizable(True)
        self.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)  # labels wrap instead
        self.award: Award | None = None
        self._layout = QVBoxLayout()
        self.show_award(None)

    def show_award(
        self, award: Award | None, image: QPixmap | None = None, now: datetime | None = None
    ) -> None:
        """Show ``award`` (None: the hint to select a badge)."""
        self.award = award
        body = QWidget()
        self._layout = QVBoxLayout(body)
        self.setWidget(body)  # the previous body and everything in it are deleted
        if award is None:
            self._layout.addWidget(plain_label("Select a badge to see its details."))
            self._layout.addStretch(1)
            return
        self._add_header(award, image, now or datetime.now(UTC))
        self._add_actions(award)
        self._add_fields(award)
        self._layout.addStretch(1)

    def _add_header(self, award: Award, image: QPixmap | None, now: datetime) -> None:
        if image is not None and not image.isNull():
            picture = QLabel()
            picture.setPixmap(image)
            picture.setAccessibleName("Badge image")
            self._layout.addWidget(picture, 0, Qt.AlignmentFlag.AlignHCenter)
        title = plain_label(award.name)
        font = title.font()
        font.setPointSizeF(font.pointSizeF() * 1.5)
        font.setBold(True)
        title.setFont(font)
        self._layout.addWidget(title)
        info = describe(award, now)
        row = QHBoxLayout()
        row.addWidget(status_chip(info.status))
        if info.reason:
            row.addWidget(plain_label(info.reason), 1)
        else:
            row.addStretch(1)
        self._layout.addLayout(row)
        self._layout.addWidget(plain_label(f"{award.issuer.name} · issued {_date(award.issued_on)}"))

    def _add_actions(self, award: Award) -> None:
        row = QHBoxLayout()
        view_json = QPushButton("View JSON")
        view_json.setToolTip("The Badge Award JSON exactly as synced")
        # A bound method, not a lambda: these buttons are deleted at every selection, and
        # lambdas on deleted PySide widgets crashed the garbage collector (seen in the tests).
        view_json.clicked.connect(self._on_view_json_clicked)
        row.addWidget(view_json)
        for name, why in NOT_YET.items():
            button = QPushButton(name)
            button.setEnabled(False)
            button.setToolTip(why)
            row.addWidget(button)
        row.addStretch(1)
        self._layout.addLayout(row)

    def _on_view_json_clicked(self) -> None:
        if self.award is not None:
            self.view_json_requested.emit(self.award)

    def _add_fields(self, award: Award) -> None:
        form = QFormLayout()
        bc, issuer = award.badgeclass, award.issuer
        recipient = award.recipient_name or award.recipient.plaintext or award.recipient.identity
        rows = [
            ("Description", bc.description),
            ("Criteria", bc.criteria_narrative or ""),
            ("Criteria page", bc.criteria_url or ""),
            ("Issued on", _date(award.issued_on)),
            ("Expires", _date(award.expires) if award.expires else "Never"),
            (
                "Recipient",
                recipient
                + (
                    " (hashed)"
                    if award.recipient.hashed and not award.recipient_name and not award.recipient.plaintext
                    else ""
                ),
            ),
            ("Narrative", award.narrative or ""),
            (
                "Evidence",
                "\n".join(
                    filter(None, (f"{e.url or ''} {e.narrative or ''}".strip() for e in award.evidence))
                ),
            ),
            ("Alignments", "\n".join(f"{a.target_name} {a.target_url or ''}".strip() for a in bc.alignments)),
            ("Tags", ", ".join(bc.tags)),
            ("Issuer website", issuer.url or ""),
            ("Issuer e-mail", issuer.email or ""),
            ("Award id", award.entity_id),
            ("Public URL", award.open_badge_id),
        ]
        for label, value in rows:
            if value:
                form.addRow(plain_label(label + ":"), plain_label(value, selectable=True))
        self._layout.addLayout(form)
