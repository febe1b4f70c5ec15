"""The learner's awards as a Qt list model: one row per award, a role for every field a view shows.

What views and the filter proxy ask for often (names, issuers, statuses, sort keys) is computed
once per :meth:`BadgeListModel.set_badges` into plain lists: ``data()`` is a lookup, and the proxy
reads whole columns (:meth:`BadgeListModel.role_column`) instead of calling ``data()`` per row.
Statuses come from the award and the model's clock, at reset and on
:meth:`BadgeListModel.refresh_statuses` (the window's timer; see ``next_status_change``).
"""

from __future__ import annotations

import logging
import math
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from operator import attrgetter
from typing import Any

from PySide6.QtCore import (
    QAbstractListModel,
    QByteArray,
    QModelIndex,
    QObject,
    QPersistentModelIndex,
    Qt,
    Signal,
)
from PySide6.QtGui import QPixmap
from PySide6.QtGui import Qt as QtGuiNamespace

from backpack_desktop.domain.models import Award
from backpack_desktop.domain.search import fold
from backpack_desktop.domain.status import Status, status_of

_log = logging.getLogger(__name__)
_USER = int(Qt.ItemDataRole.UserRole)
_DISPLAY = int(Qt.ItemDataRole.DisplayRole)
_DECORATION = int(Qt.ItemDataRole.DecorationRole)
_TOOLTIP = int(Qt.ItemDataRole.ToolTipRole)
_ACCESSIBLE = int(Qt.ItemDataRole.AccessibleTextRole)
# Names are untrusted and may be 100 KB long: tooltips and screen-reader text show a bounded prefix.
TEXT_LIMIT = 300
# Unicode isolates keep a right-to-left override inside a name from reordering the text after it.
_FSI, _PDI = "\u2068", "\u2069"
Index = QModelIndex | QPersistentModelIndex
_NAME, _ISSUER_NAME = attrgetter("badgeclass.name"), attrgetter("badgeclass.issuer.name")
_ENTITY_ID = attrgetter("entity_id")
_ROLE_NAMES: tuple[str, ...] = ("badge", "issuer", "status", "issued", "expires", "entityId")  # in order
_ROLE_NAMES += ("nameKey", "issuerKey", "issuedKey", "expiresKey")
_ROOT = QModelIndex()


def _clip(text: str) -> str:
    return text if len(text) <= TEXT_LIMIT else text[: TEXT_LIMIT - 1] + "…"


def _isolate(text: str) -> str:
    return f"{_FSI}{_clip(text)}{_PDI}"


def _timestamp(value: Any, missing: float) -> float:
    if value is None:  # most awards never expire: no exception per row for them
        return missing
    try:
        return float(value.timestamp())
    except (AttributeError, TypeError, ValueError, OverflowError, OSError):
        return missing


def _text(read: Callable[[Any], Any], award: Award) -> str:
    try:
        value = read(award)
    except Exception:  # a malformed award still gets a row: models degrade, never raise
        return ""
    return value if isinstance(value, str) else ""


@dataclass(frozen=True)
class NameIndex:
    """Badge names grouped for search, so each distinct name is folded and scored once.

    Attributes:
        names: the distinct badge names, in order of first appearance.
        folded: ``domain.search.fold`` of each of ``names``.
        row_names: for each row, the position of its badge name in ``names``.
    """

    names: tuple[str, ...]
    folded: tuple[str, ...]
    row_names: tuple[int, ...]


class BadgeListModel(QAbstractListModel):
    """A list model over a tuple of :class:`~backpack_desktop.domain.models.Award`.

    Roles: ``DisplayRole`` the badge name; ``ToolTipRole`` name and issuer (escaped, since Qt
    tooltips guess at rich text); ``DecorationRole`` the thumbnail, None until one is set;
    ``AccessibleTextRole`` "name, issuer, status"; and the custom roles below.

    Signals:
        statuses_refreshed(int): :meth:`refresh_statuses` ran; carries how many rows changed status.

    Attributes:
        BadgeRole: the :class:`Award` itself (works through proxies).
        IssuerRole: the issuer's name.
        StatusRole: the :class:`Status` at the model's clock (None if it cannot be derived).
        IssuedRole: ``issued_on`` (an aware datetime).
        ExpiresRole: ``expires`` (datetime or None).
        EntityIdRole: the award's ``entityId``.
        NameKeyRole: the folded badge name (sort and search key).
        IssuerKeyRole: the folded issuer name (sort key).
        IssuedKeyRole: ``issued_on`` as a POSIX timestamp (sort key).
        ExpiresKeyRole: ``expires`` as a POSIX timestamp, ``inf`` for never (sort key).
    """

    BadgeRole = _USER + 1
    IssuerRole = _USER + 2
    StatusRole = _USER + 3
    IssuedRole = _USER + 4
    ExpiresRole = _USER + 5
    EntityIdRole = _USER + 6
    NameKeyRole = _USER + 7
    IssuerKeyRole = _USER + 8
    IssuedKeyRole = _USER + 9
    ExpiresKeyRole = _USER + 10
    # The kept columns, in the order _build_columns makes them.
    _COLUMN_ROLES = (IssuerRole, NameKeyRole, IssuerKeyRole, EntityIdRole, IssuedKeyRole, ExpiresKeyRole)

    statuses_refreshed = Signal(int)

    def __init__(self, now: Callable[[], datetime] | None = None, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._now = now or (lambda: datetime.now(UTC))
        self._awards: tuple[Award, ...] = ()
        self._names: list[str] = []
        self._columns: dict[int, list[Any]] = {role: [] for role in self._COLUMN_ROLES}
        self._statuses: list[Status | None] = []
        self._rows_by_id: dict[str, list[int]] = {}
        self._name_index = NameIndex((), (), ())
        self._thumbnails: dict[str, QPixmap] = {}
        self._failed_rows: set[int] = set()

    # -- contents ----------------------------------------------------------------------------
    def set_badges(self, awards: Iterable[Award]) -> None:
        """Replace every row (a model reset); thumbnails of awards still present are kept."""
        self.beginResetModel()
        self._awards = tuple(awards)
        self._build_columns()
        self._statuses = self._compute_statuses()
        self._failed_rows = set()
        self._thumbnails = {k: v for k, v in self._thumbnails.items() if k in self._rows_by_id}
        self.endResetModel()

    def badges(self) -> tuple[Award, ...]:
        """The awards, in row order."""
        return self._awards

    def _build_columns(self) -> None:
        per_class: dict[int, tuple[str, str, str, str]] = {}  # the cache shares badge class objects
        rows = []
        for award in self._awards:
            key = id(getattr(award, "badgeclass", None))
            texts = per_class.get(key)
            if texts is None:
                name, issuer = _text(_NAME, award), _text(_ISSUER_NAME, award)
                texts = per_class[key] = (name, issuer, fold(name), fold(issuer))
            issued = _timestamp(getattr(award, "issued_on", None), 0.0)
            expires = _timestamp(getattr(award, "expires", None), math.inf)
            rows.append((*texts, _text(_ENTITY_ID, award), issued, expires))
        names, *columns = (list(column) for column in zip(*rows, strict=True)) if rows else [[]] * 7
        self._names, self._columns = names, dict(zip(self._COLUMN_ROLES, columns, strict=True))
        self._rows_by_id = {}
        for row, entity_id in enumerate(self._columns[self.EntityIdRole]):
            self._rows_by_id.setdefault(entity_id, []).append(row)
        distinct: dict[str, int] = {}
        row_names = tuple(distinct.setdefault(name, len(distinct)) for name in names)
        self._name_index = NameIndex(tuple(distinct), tuple(map(fold, distinct)), row_names)

    def name_index(self) -> NameIndex:
        """The distinct badge names and each row's name (rebuilt on every reset)."""
        return self._name_index

    def role_column(self, role: int) -> Sequence[Any]:
        """The value of ``role`` for every row, in row order, without one ``data()`` call per row.

        Offered for ``StatusRole``, ``IssuerRole``, ``EntityIdRole`` and the four ``…KeyRole``
        sort keys; treat the result as read-only.

        Raises:
            KeyError: no column is kept for ``role``.
        """
        if role == self.StatusRole:
            return self._statuses
        return self._columns[role]

    # -- thumbnails ----------------------------------------------------------------------------
    def set_thumbnail(self, entity_id: str, pixmap: QPixmap) -> None:
        """Show ``pixmap`` for the award ``entity_id`` (dataChanged for its row only)."""
        rows = self._rows_by_id.get(entity_id)
        if not rows:
            return
        self._thumbnails[entity_id] = pixmap
        for row in rows:
            index = self.index(row, 0)
            self.dataChanged.emit(index, index, [_DECORATION])

    def set_thumbnails(self, pixmaps: Mapping[str, QPixmap]) -> None:
        """Show many thumbnails at once (one dataChanged over the rows concerned)."""
        rows = [row for key in pixmaps for row in self._rows_by_id.get(key, ())]
        if not rows:
            return
        self._thumbnails.update((k, v) for k, v in pixmaps.items() if k in self._rows_by_id)
        self.dataChanged.emit(self.index(min(rows), 0), self.index(max(rows), 0), [_DECORATION])

    def index_of(self, entity_id: str) -> QModelIndex:
        """The index of the award ``entity_id`` (invalid if it is not in the model)."""
        rows = self._rows_by_id.get(entity_id)
        return self.index(rows[0], 0) if rows else QModelIndex()

    # -- statuses ------------------------------------------------------------------------------
    def _compute_statuses(self) -> list[Status | None]:
        now = self._now()
        statuses: list[Status | None] = []
        for award in self._awards:
            try:
                statuses.append(status_of(award, now))
            except Exception:  # e.g. a naive datetime built by hand: no status, but still a row
                statuses.append(None)
        return statuses

    def refresh_statuses(self) -> int:
        """Derive every status again at the clock's current time; return how many changed.

        Emits dataChanged (StatusRole and AccessibleTextRole) over the rows that changed, then
        :attr:`statuses_refreshed`.
        """
        fresh = self._compute_statuses()
        pairs = enumerate(zip(self._statuses, fresh, strict=True))
        changed = [row for row, (old, new) in pairs if old != new]
        self._statuses = fresh
        if changed:
            first, last = self.index(changed[0], 0), self.index(changed[-1], 0)
            self.dataChanged.emit(first, last, [self.StatusRole, _ACCESSIBLE])
        self.statuses_refreshed.emit(len(changed))
        return len(changed)

    def next_status_change(self) -> datetime | None:
        """When the next award expires (its status changes then), or None if none will."""
        now = self._now().timestamp()
        future = [
            stamp
            for stamp, status in zip(self._columns[self.ExpiresKeyRole], self._statuses, strict=True)
            if now < stamp < math.inf and status is not Status.REVOKED
        ]
        return datetime.fromtimestamp(min(future), UTC) if future else None

    # -- Qt model interface --------------------------------------------------------------------
    def rowCount(self, parent: Index = _ROOT) -> int:
        """Number of awards (a list has no children)."""
        return 0 if parent.isValid() else len(self._awards)

    def roleNames(self) -> dict[int, QByteArray]:
        """Role names, for QML and debugging."""
        names = dict(super().roleNames())
        names.update({_USER + 1 + i: QByteArray(name.encode()) for i, name in enumerate(_ROLE_NAMES)})
        return names

    def data(self, index: Index, role: int = _DISPLAY) -> Any:
        """The value of ``role`` for ``index``; None for an unknown role or a row out of range."""
        if not index.isValid() or not 0 <= index.row() < len(self._awards):
            return None
        try:
            return self._value(index.row(), int(role))
        except Exception:  # degrade: a row whose data is odd still shows its name
            if index.row() not in self._failed_rows:  # once per row, not on every repaint
                self._failed_rows.add(index.row())
                _log.warning("badge row %d: role %s failed", index.row(), role, exc_info=True)
            return self._names[index.row()] if role == _DISPLAY else None

    def _value(self, row: int, role: int) -> Any:
        if role == _DISPLAY:
            return self._names[row]
        if role == _DECORATION:
            return self._thumbnails.get(self._columns[self.EntityIdRole][row])
        if role == self.BadgeRole:
            return self._awards[row]
        if role == self.StatusRole:
            return self._statuses[row]
        if role == _TOOLTIP:
            text = f"{_isolate(self._names[row])}\n{_isolate(self._columns[self.IssuerRole][row])}"
            return QtGuiNamespace.convertFromPlainText(text, Qt.WhiteSpaceMode.WhiteSpaceNormal)
        if role == _ACCESSIBLE:
            status = self._statuses[row]
            label = status.label if status else "status unknown"
            return ", ".join([_clip(self._names[row]), _clip(self._columns[self.IssuerRole][row]), label])
        if role == self.IssuedRole:
            return self._awards[row].issued_on
        if role == self.ExpiresRole:
            return self._awards[row].expires
        column = self._columns.get(role)
        return column[row] if column is not None else None
