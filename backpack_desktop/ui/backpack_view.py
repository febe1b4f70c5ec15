"""The Backpack view: search and filters, the badge grid or list, and the detail pane.

A layout-only class (STYLE.md 3): the data lives in :class:`BadgeListModel`, filtering and
sorting in :class:`BadgeFilterProxy` (which calls the pure ``domain.search``); this widget wires
them to the controls and shows empty states that say what to do next.
"""

from __future__ import annotations

from datetime import UTC, datetime

from PySide6.QtCore import (
    QEvent,
    QModelIndex,
    QObject,
    QPersistentModelIndex,
    QPoint,
    Qt,
    QTimer,
    Signal,
)
from PySide6.QtGui import QKeyEvent, QKeySequence, QPixmap, QShortcut
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QHBoxLayout,
    QLineEdit,
    QListView,
    QMenu,
    QPushButton,
    QSplitter,
    QStackedWidget,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from backpack_desktop.domain.models import Award
from backpack_desktop.domain.status import Status
from backpack_desktop.ui.badge_delegate import CARD, BadgeDelegate
from backpack_desktop.ui.detail_pane import DetailPane
from backpack_desktop.ui.models.badge_filter_proxy import BadgeFilterProxy, SortOrder
from backpack_desktop.ui.models.badge_list_model import BadgeListModel
from backpack_desktop.ui.widgets import plain_label

SORTS = (
    ("Newest first", SortOrder.NEWEST),
    ("Oldest first", SortOrder.OLDEST),
    ("Name", SortOrder.NAME),
    ("Issuer", SortOrder.ISSUER),
    ("Expiry", SortOrder.EXPIRY),
)


class BackpackView(QWidget):
    """The list of badges with its filters and the selected badge's details.

    Signals:
        json_requested(Award): the user asked for an award's JSON.
        download_requested(Award, str): save the badge ("image" or "json").
        remove_requested(Award): remove an imported badge.
        verify_requested(Award, bool): check a badge (True: online).
        share_requested(Award): open the share tray for a badge.
        print_requested(list[Award]): print certificates for these badges.
        link_requested(str): the user asked to open an issuer-supplied link (unchecked).
        pictures_wanted(Award): the detail pane wants the award's large image and issuer logo.
    """

    json_requested = Signal(object)
    download_requested = Signal(object, str)
    remove_requested = Signal(object)
    verify_requested = Signal(object, bool)
    share_requested = Signal(object)
    print_requested = Signal(object)
    link_requested = Signal(str)
    pictures_wanted = Signal(object)

    def __init__(self, parent: QWidget | None = None, kiosk: bool = False) -> None:
        super().__init__(parent)
        self.kiosk = kiosk  # only browse, search, print and QR: no file or browser actions
        self.model = BadgeListModel(parent=self)
        self.proxy = BadgeFilterProxy(self)
        self.proxy.setSourceModel(self.model)
        self._pixmaps: dict[str, QPixmap] = {}
        self.last_menu: QMenu | None = None
        self._menu_award: Award | None = None
        self._build_ui()
        self._connect_signals()
        self._refresh_counts()

    # -- layout ----------------------------------------------------------------------------
    def _build_ui(self) -> None:
        self.search = QLineEdit()
        self.search.setPlaceholderText("Search badges…")
        self.search.setClearButtonEnabled(True)
        self.search.setAccessibleName("Search badges by name")
        for button in self.search.findChildren(QToolButton):  # Qt's clear button has no name
            button.setAccessibleName("Clear search")
            button.setToolTip("Clear search (Esc)")
        self.status = QComboBox()
        self.status.setAccessibleName("Filter by status")
        self.status.addItem("Status: All", None)
        for status in Status:
            self.status.addItem(status.label, status)
        self.issuer = QComboBox()
        self.issuer.setAccessibleName("Filter by issuer")
        self.issuer.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon)
        self.issuer.setMinimumContentsLength(18)
        self.sort = QComboBox()
        self.sort.setAccessibleName("Sort badges")
        for label, order in SORTS:
            self.sort.addItem(label, order)
        self.grid_button = _toggle("▦", "Show badges as a grid")
        self.list_button = _toggle("☰", "Show badges as a list")
        self.grid_button.setChecked(True)
        self.clear_button = QPushButton("Clear filters")
        bar = QHBoxLayout()
        bar.addWidget(self.search, 3)
        for widget in (self.status, self.issuer, self.sort, self.grid_button, self.list_button):
            bar.addWidget(widget)
        self.count = plain_label()
        self.count.setAccessibleName("Number of badges shown")
        counts = QHBoxLayout()
        counts.addWidget(self.count, 1)
        counts.addWidget(self.clear_button)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addLayout(bar)
        layout.addLayout(counts)
        layout.addWidget(self._build_splitter(), 1)

    def _build_splitter(self) -> QSplitter:
        self.list = QListView()
        self.list.setAccessibleName("Badges")
        self.delegate = BadgeDelegate(BadgeListModel.BadgeRole, BadgeListModel.StatusRole, self.list)
        self.list.setItemDelegate(self.delegate)
        self.list.setModel(self.proxy)
        self.list.setSelectionMode(QAbstractItemView.SelectionMode.ExtendedSelection)  # batch printing
        self.list.setUniformItemSizes(True)
        self.list.setContextMenuPolicy(Qt.ContextMenuPolicy.CustomContextMenu)
        self.set_grid(True)
        self.empty = plain_label()
        self.empty.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.empty_action = QPushButton("Clear filters")
        empty_page = QWidget()
        empty_layout = QVBoxLayout(empty_page)
        empty_layout.addStretch(1)
        empty_layout.addWidget(self.empty)
        empty_layout.addWidget(self.empty_action, 0, Qt.AlignmentFlag.AlignHCenter)
        empty_layout.addStretch(2)
        self.list_stack = QStackedWidget()
        self.list_stack.addWidget(self.list)
        self.list_stack.addWidget(empty_page)
        self.detail = DetailPane(kiosk=self.kiosk)
        splitter = QSplitter(Qt.Orientation.Horizontal)
        splitter.addWidget(self.list_stack)
        splitter.addWidget(self.detail)
        splitter.setStretchFactor(0, 3)
        splitter.setStretchFactor(1, 2)
        splitter.setSizes([640, 460])
        self.splitter = splitter
        return splitter

    def _connect_signals(self) -> None:
        self.search.textChanged.connect(self.proxy.set_query)
        self.status.currentIndexChanged.connect(self._on_status_changed)
        self.issuer.currentIndexChanged.connect(self._on_issuer_changed)
        self.sort.currentIndexChanged.connect(self._on_sort_changed)
        self.grid_button.clicked.connect(self._on_grid_button_clicked)
        self.list_button.clicked.connect(self._on_list_button_clicked)
        self.clear_button.clicked.connect(self.clear_filters)
        self.empty_action.clicked.connect(self.clear_filters)
        self.proxy.results_changed.connect(self._on_results_changed)
        self.proxy.modelReset.connect(self._refresh_counts)
        self.proxy.rowsInserted.connect(self._refresh_counts)
        self.proxy.rowsRemoved.connect(self._refresh_counts)
        self.list.selectionModel().currentChanged.connect(self._on_list_current_changed)
        self.detail.view_json_requested.connect(self.json_requested)
        self.detail.link_requested.connect(self.link_requested)
        self.detail.download_requested.connect(self.download_requested)
        self.detail.remove_requested.connect(self.remove_requested)
        self.detail.verify_requested.connect(self.verify_requested)
        self.detail.share_requested.connect(self.share_requested)
        self.detail.print_requested.connect(self._on_detail_print_requested)
        self.detail.pictures_wanted.connect(self.pictures_wanted)
        self._status_timer = QTimer(self)  # an award may expire (or start) while on screen
        self._status_timer.setSingleShot(True)
        self._status_timer.timeout.connect(self._on_status_timer_timeout)
        self.list.customContextMenuRequested.connect(self._on_list_context_menu_requested)
        self.list.activated.connect(self._on_list_activated)
        self.delegate.menu_requested.connect(self._on_delegate_menu_requested)
        self.list.setMouseTracking(True)  # the "⋯" button shows on hover
        QShortcut(QKeySequence(QKeySequence.StandardKey.Find), self, self._focus_search)
        self.search.installEventFilter(self)  # Esc clears the search (see eventFilter)

    # -- data ------------------------------------------------------------------------------
    def set_awards(self, awards: tuple[Award, ...]) -> None:
        """Show ``awards`` (keeps the filters and, when still there, the selection)."""
        selected = self.detail.award.entity_id if self.detail.award else None
        self.model.set_badges(awards)
        self._fill_issuers()
        self._refresh_counts()
        self._select(selected)
        self._schedule_status_refresh()

    def _schedule_status_refresh(self) -> None:
        upcoming = self.model.next_status_change()
        self._status_timer.stop()
        if upcoming is not None:
            seconds = (upcoming - datetime.now(UTC)).total_seconds() + 0.5
            self._status_timer.start(int(min(max(seconds, 1.0), 3600.0) * 1000))

    def _on_status_timer_timeout(self) -> None:
        if self.model.refresh_statuses():
            self._refresh_counts()
        self.detail.refresh_status()
        self._schedule_status_refresh()

    def set_thumbnails(self, pixmaps: dict[str, QPixmap]) -> None:
        """Decoded images by award id (they arrive after the list, from a background task)."""
        self._pixmaps.update(pixmaps)
        self.model.set_thumbnails(pixmaps)

    def clear_pictures(self) -> None:
        """Forget every decoded picture (a kiosk wipe) and show no badge."""
        self._pixmaps.clear()
        self.detail.show_award(None)
        self.detail.set_pictures("", None, None)

    def clear_filters(self) -> None:
        """Reset search, status and issuer in one go."""
        self.search.clear()
        self.status.setCurrentIndex(0)
        self.issuer.setCurrentIndex(0)
        self.proxy.clear_filters()

    # -- state -----------------------------------------------------------------------------
    def _fill_issuers(self) -> None:
        current = self.issuer.currentData()
        self.issuer.blockSignals(True)
        self.issuer.clear()
        self.issuer.addItem("Issuer: All", None)
        for name, count in self.proxy.issuer_counts():
            self.issuer.addItem(f"{name} ({count})", name)
        index = self.issuer.findData(current) if current else 0
        self.issuer.setCurrentIndex(max(index, 0))
        self.issuer.blockSignals(False)

    def _refresh_counts(self) -> None:
        total, shown = self.model.rowCount(), self.proxy.rowCount()
        self.count.setText(self.proxy.count_text())
        filtering = (
            bool(self.search.text()) or self.status.currentIndex() > 0 or self.issuer.currentIndex() > 0
        )
        self.clear_button.setVisible(filtering)
        if total == 0:
            self.empty.setText("No badges yet. Sync to fetch your badges from Canvas Credentials.")
            self.empty_action.hide()
        elif shown == 0:
            self.empty.setText("No badges match these filters.")
            self.empty_action.show()
        self.list_stack.setCurrentIndex(0 if shown else 1)

    def _on_status_changed(self, _index: int) -> None:
        self.proxy.set_status(self.status.currentData())

    def _on_issuer_changed(self, _index: int) -> None:
        self.proxy.set_issuer(self.issuer.currentData())

    def _on_sort_changed(self, _index: int) -> None:
        self.proxy.set_sort_order(self.sort.currentData())

    def _on_grid_button_clicked(self) -> None:
        self.set_grid(True)

    def _on_list_button_clicked(self) -> None:
        self.set_grid(False)

    def _on_results_changed(self, _shown: int = 0) -> None:
        """After filtering: counts, issuer menu counts, and a selection that is still visible."""
        self._refresh_counts()
        counts = dict(self.proxy.issuer_counts())
        for i in range(1, self.issuer.count()):
            name = self.issuer.itemData(i)
            self.issuer.setItemText(i, f"{name} ({counts.get(name, 0)})")
        current = self.detail.award.entity_id if self.detail.award else None
        if current is None or not self.proxy.index_of(current).isValid():
            if self.proxy.rowCount():
                self.list.setCurrentIndex(self.proxy.index(0, 0))
            else:
                self.detail.show_award(None)

    def set_grid(self, grid: bool) -> None:
        """Show cards (True) or rows (False)."""
        self.delegate.grid = grid
        self.grid_button.setChecked(grid)
        self.list_button.setChecked(not grid)
        self.list.setViewMode(QListView.ViewMode.IconMode if grid else QListView.ViewMode.ListMode)
        self.list.setResizeMode(QListView.ResizeMode.Adjust)
        self.list.setMovement(QListView.Movement.Static)
        self.list.setGridSize(CARD if grid else self.list.gridSize().__class__())
        self.list.setSpacing(4 if grid else 0)
        self.list.scheduleDelayedItemsLayout()

    def _select(self, entity_id: str | None) -> None:
        for row in range(self.proxy.rowCount()):
            index = self.proxy.index(row, 0)
            award = index.data(BadgeListModel.BadgeRole)
            if entity_id is None or (isinstance(award, Award) and award.entity_id == entity_id):
                self.list.setCurrentIndex(index)
                return

    def _on_list_current_changed(self, current: QModelIndex, _previous: QModelIndex) -> None:
        award = current.data(BadgeListModel.BadgeRole) if current.isValid() else None
        if isinstance(award, Award):
            self.detail.show_award(award, self._pixmaps.get(award.entity_id))

    def options_menu(self, award: Award) -> QMenu:
        """The same actions as the detail pane, for one badge (right-click and "⋯").

        One menu, built on first use and pointed at ``award`` each time it opens.
        """
        if self.last_menu is None:
            menu = QMenu(self)
            if not self.kiosk:
                view_json = menu.addAction("View Badge Award JSON")
                view_json.triggered.connect(self._on_menu_view_json_triggered)
                menu.addAction("Download baked badge", self._on_menu_download_triggered)
                menu.addAction("Download assertion (JSON)", self._on_menu_download_json_triggered)
            menu.addAction("Show QR code…" if self.kiosk else "Share…", self._on_menu_share_triggered)
            self._menu_remove = menu.addAction("Remove imported badge", self._on_menu_remove_triggered)
            self._menu_print = menu.addAction("Print certificate…", self._on_menu_print_triggered)
            menu.setToolTipsVisible(True)
            self.last_menu = menu
        self._menu_award = award
        many = len(self.selected_awards()) > 1 and award in self.selected_awards()
        self._menu_print.setText(
            f"Print {len(self.selected_awards())} certificates…" if many else "Print certificate…"
        )
        self._menu_remove.setVisible(award.origin == "imported" and not self.kiosk)
        return self.last_menu

    def _on_menu_view_json_triggered(self) -> None:
        if self._menu_award is not None:
            self.json_requested.emit(self._menu_award)

    def _on_menu_download_triggered(self) -> None:
        if self._menu_award is not None:
            self.download_requested.emit(self._menu_award, "image")

    def _on_menu_download_json_triggered(self) -> None:
        if self._menu_award is not None:
            self.download_requested.emit(self._menu_award, "json")

    def _on_menu_print_triggered(self) -> None:
        if self._menu_award is None:
            return
        chosen = self.selected_awards()
        self.print_requested.emit(chosen if self._menu_award in chosen else [self._menu_award])

    def selected_awards(self) -> list[Award]:
        """The selected badges in list order (several with Ctrl/Shift+click, for batch printing)."""
        rows = sorted(self.list.selectionModel().selectedIndexes(), key=lambda index: index.row())
        found = [index.data(BadgeListModel.BadgeRole) for index in rows]
        return [award for award in found if isinstance(award, Award)]

    def _on_detail_print_requested(self, award: Award) -> None:
        self.print_requested.emit([award])

    def _on_menu_share_triggered(self) -> None:
        if self._menu_award is not None:
            self.share_requested.emit(self._menu_award)

    def _on_menu_remove_triggered(self) -> None:
        if self._menu_award is not None:
            self.remove_requested.emit(self._menu_award)

    def _show_menu(self, index: QModelIndex | QPersistentModelIndex, where: QPoint) -> None:
        award = index.data(BadgeListModel.BadgeRole) if index.isValid() else None
        if isinstance(award, Award):
            self.list.setCurrentIndex(self.proxy.index(index.row(), 0))
            self.options_menu(award).popup(where)

    def _on_list_context_menu_requested(self, position: QPoint) -> None:
        self._show_menu(self.list.indexAt(position), self.list.viewport().mapToGlobal(position))

    def _on_delegate_menu_requested(self, index: QPersistentModelIndex, where: QPoint) -> None:
        self._show_menu(index, where)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:  # noqa: N802 - Qt's name
        """In the search box: Esc clears it; Down or Enter moves on to the results."""
        if watched is self.search and event.type() == QEvent.Type.KeyPress and isinstance(event, QKeyEvent):
            key = event.key()
            if key == Qt.Key.Key_Escape and self.search.text():
                self.search.clear()
                return True
            if key in (Qt.Key.Key_Down, Qt.Key.Key_Return, Qt.Key.Key_Enter) and self.proxy.rowCount():
                self.list.setFocus()
                if not self.list.currentIndex().isValid():
                    self.list.setCurrentIndex(self.proxy.index(0, 0))
                return True
        return super().eventFilter(watched, event)

    def _on_list_activated(self, _index: QModelIndex) -> None:
        """Enter on a badge moves into its details, where Tab reaches every action."""
        self.detail.view_json.setFocus()
        self.detail.ensureWidgetVisible(self.detail.view_json)

    def _focus_search(self) -> None:
        self.search.setFocus()
        self.search.selectAll()


def _toggle(symbol: str, tip: str) -> QToolButton:
    button = QToolButton()
    button.setText(symbol)
    button.setCheckable(True)
    button.setToolTip(tip)
    button.setAccessibleName(tip)
    return button
