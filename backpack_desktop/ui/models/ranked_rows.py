"""A proxy presenting every row of a flat model in an order computed in Python.

The badge filter proxy sits on top of it: QSortFilterProxyModel would sort by calling ``lessThan``
from C++ for every comparison (n log n calls into Python), so the order, with the rows that pass
the filters first, is computed in one Python pass and announced here as one layout change.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, overload

from PySide6.QtCore import (
    QAbstractItemModel,
    QAbstractProxyModel,
    QModelIndex,
    QObject,
    QPersistentModelIndex,
    Qt,
)

Index = QModelIndex | QPersistentModelIndex
Arrangement = tuple[list[int], int]  # every source row in display order, and how many are shown
_ROOT = QModelIndex()


class RankedRows(QAbstractProxyModel):
    """The badge model's rows in an order computed in Python (a permutation of every row).

    Only model resets and dataChanged are expected from the source; any other structural change
    is treated as a reset.
    """

    def __init__(
        self, arrange: Callable[[], Arrangement], forget: Callable[[], None], parent: QObject | None = None
    ) -> None:
        super().__init__(parent)
        self._arrange, self._forget = arrange, forget
        self._connections: list[tuple[Any, Callable[..., None]]] = []
        self._order: list[int] = []
        self._inverse: list[int] | None = None
        self.shown = 0

    def setSourceModel(self, model: QAbstractItemModel) -> None:
        """Present ``model``'s rows (a reset)."""
        self.beginResetModel()
        for signal, slot in self._connections:
            signal.disconnect(slot)
        super().setSourceModel(model)
        self._connections = [(model.dataChanged, self._on_source_data_changed)]
        for about in (
            "modelAboutToBeReset",
            "rowsAboutToBeInserted",
            "rowsAboutToBeRemoved",
            "rowsAboutToBeMoved",
            "layoutAboutToBeChanged",
        ):
            self._connections.append((getattr(model, about), self._on_source_about_to_change))
        for done in ("modelReset", "rowsInserted", "rowsRemoved", "rowsMoved", "layoutChanged"):
            self._connections.append((getattr(model, done), self._on_source_changed))
        for signal, slot in self._connections:
            signal.connect(slot)
        self._forget()
        self._load()
        self.endResetModel()

    def rearrange(self) -> None:
        """Ask for the arrangement again and announce it as a layout change (keeps selections)."""
        self.layoutAboutToBeChanged.emit()
        persistent = self.persistentIndexList()
        sources = [self._order[index.row()] for index in persistent]
        self._load()
        if persistent:
            new = [
                self.index(self._row_of(source), index.column())
                for source, index in zip(sources, persistent, strict=True)
            ]
            self.changePersistentIndexList(persistent, new)
        self.layoutChanged.emit()

    def _load(self) -> None:
        self._order, self.shown = self._arrange()
        self._inverse = None

    def _row_of(self, source_row: int) -> int:
        if self._inverse is None:  # built lazily: only data changes and mapFromSource need it
            inverse = [0] * len(self._order)
            for row, source in enumerate(self._order):
                inverse[source] = row
            self._inverse = inverse
        return self._inverse[source_row]

    def _on_source_about_to_change(self, *_args: Any) -> None:
        self.beginResetModel()
        self._forget()  # before the new rows are arranged

    def _on_source_changed(self, *_args: Any) -> None:
        self._load()
        self.endResetModel()

    def _on_source_data_changed(self, top: QModelIndex, bottom: QModelIndex, roles: list[int]) -> None:
        if top.row() == bottom.row():
            first = last = self.index(self._row_of(top.row()), 0)
        else:  # a run of source rows is scattered here: announce every row
            first, last = self.index(0, 0), self.index(len(self._order) - 1, 0)
        if first.isValid() and last.isValid():
            self.dataChanged.emit(first, last, roles)

    # -- QAbstractProxyModel -------------------------------------------------------------------
    def mapToSource(self, proxyIndex: Index) -> QModelIndex:
        """The badge model's index for one of ours."""
        model = self.sourceModel()
        if model is None or not proxyIndex.isValid() or proxyIndex.row() >= len(self._order):
            return QModelIndex()
        return model.index(self._order[proxyIndex.row()], proxyIndex.column())

    def mapFromSource(self, sourceIndex: Index) -> QModelIndex:
        """Our index for one of the badge model's."""
        if not sourceIndex.isValid() or sourceIndex.row() >= len(self._order):
            return QModelIndex()
        return self.index(self._row_of(sourceIndex.row()), sourceIndex.column())

    def index(self, row: int, column: int, parent: Index = _ROOT) -> QModelIndex:
        """A row of the flat list."""
        if parent.isValid() or column != 0 or not 0 <= row < len(self._order):
            return QModelIndex()
        return self.createIndex(row, column)

    @overload
    def parent(self) -> QObject: ...
    @overload
    def parent(self, child: Index) -> QModelIndex: ...
    def parent(self, child: Index | None = None) -> QObject | QModelIndex | None:
        """No row has a parent (``parent()`` without an argument is QObject's)."""
        return super().parent() if child is None else QModelIndex()

    def rowCount(self, parent: Index = _ROOT) -> int:
        """Every row of the badge model."""
        return 0 if parent.isValid() else len(self._order)

    def columnCount(self, parent: Index = _ROOT) -> int:
        """One column."""
        return 0 if parent.isValid() else 1

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        """The badge model's data for the row (mapped without the generic proxy round trip)."""
        source = self.mapToSource(index)
        model = self.sourceModel()
        return model.data(source, role) if model is not None and source.isValid() else None
