"""The badge list model and its filter proxy: roles, search, filters, sort, counts, qtmodeltester."""

from __future__ import annotations

import dataclasses
import itertools
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from PySide6.QtCore import QModelIndex, QPersistentModelIndex, QStringListModel, Qt
from PySide6.QtGui import QPixmap
from PySide6.QtWidgets import QListView

from backpack_desktop.domain.models import Award, parse_award, parse_badgeclass
from backpack_desktop.domain.search import fold, query_words, score
from backpack_desktop.domain.status import Status
from backpack_desktop.sandbox.dataset import generate, load_demo
from backpack_desktop.sandbox.serializers import Urls, award_json
from backpack_desktop.ui.models.badge_filter_proxy import BadgeFilterProxy, Filters, SortOrder
from backpack_desktop.ui.models.badge_list_model import TEXT_LIMIT, BadgeListModel

ANCHOR = datetime(2026, 3, 1, tzinfo=UTC)  # the demo's dates are whole days from here
URLS = Urls("http://127.0.0.1:8000", "http://127.0.0.1:8001")
M = BadgeListModel
NORTHWIND = "Northwind Institute of Technology"
_ids = itertools.count()


class Clock:
    """An injectable clock the test moves by hand."""

    def __init__(self, now: datetime) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now


def from_records(records: list[Any]) -> list[Award]:
    classes: dict[str, Any] = {}
    awards = []
    for record in records:
        data = award_json(record, URLS, True, True)
        key = record.badgeclass.entity_id
        classes.setdefault(key, parse_badgeclass(data["badgeclass"]))
        awards.append(parse_award(data, classes[key]))
    return awards


def make_award(
    name: str,
    issuer: str = "Loopback Academy",
    issued: datetime = ANCHOR - timedelta(days=10),
    expires: datetime | None = None,
    **extra: Any,
) -> Award:
    """An award shaped like reference/examples/backpack-assertions-expanded.json."""
    n = next(_ids)
    return parse_award(
        {
            "entityType": "Assertion",
            "entityId": f"award-{n}",
            "acceptance": "Accepted",
            "openBadgeId": f"http://127.0.0.1:8000/public/assertions/award-{n}",
            "badgeclass": {
                "id": f"http://127.0.0.1:8000/public/badges/class-{n}",
                "name": name,
                "description": "A test badge.",
                "issuer": {"id": f"http://127.0.0.1:8000/public/issuers/{fold(issuer)}", "name": issuer},
            },
            "recipient": {"identity": "sha256$46c1", "hashed": True, "type": "email"},
            "issuedOn": issued.isoformat(),
            "revoked": False,
            "revocationReason": None,
            "expires": expires.isoformat() if expires else None,
            "pending": False,
            **extra,
        }
    )


@pytest.fixture
def clock() -> Clock:
    return Clock(ANCHOR + timedelta(hours=12))


@pytest.fixture
def demo() -> list[Award]:
    return from_records(load_demo(seed=3, password="pw", anchor=ANCHOR).awards)


@pytest.fixture
def model(qtbot, clock: Clock, demo: list[Award]) -> BadgeListModel:
    model = BadgeListModel(now=clock)
    model.set_badges(demo)
    return model


@pytest.fixture
def proxy(model: BadgeListModel) -> BadgeFilterProxy:
    proxy = BadgeFilterProxy()
    proxy.setSourceModel(model)
    return proxy


def shown(proxy: BadgeFilterProxy, role: int = Qt.ItemDataRole.DisplayRole) -> list[Any]:
    return [proxy.index(row, 0).data(role) for row in range(proxy.rowCount())]


def by_names(awards: list[Award], *names: str) -> list[Award]:
    return [a for a in awards if a.name in names]


# -- the model ---------------------------------------------------------------------------------
def test_model_passes_the_model_tester(qtmodeltester, model: BadgeListModel) -> None:
    qtmodeltester.check(model)
    model.set_thumbnail(model.badges()[0].entity_id, QPixmap(8, 8))
    model.set_badges(model.badges()[:5])
    qtmodeltester.check(model)
    model.set_badges([])
    qtmodeltester.check(model)


def test_roles_give_the_award_and_its_fields(model: BadgeListModel) -> None:
    row = next(i for i, a in enumerate(model.badges()) if a.name == "Data Analysis Fundamentals")
    index = model.index(row, 0)
    award = model.badges()[row]
    assert index.data(Qt.ItemDataRole.DisplayRole) == "Data Analysis Fundamentals"
    assert index.data(M.BadgeRole) is award
    assert index.data(M.IssuerRole) == NORTHWIND
    assert index.data(M.StatusRole) is Status.ACTIVE
    assert index.data(M.IssuedRole) == award.issued_on
    assert index.data(M.ExpiresRole) == award.expires and award.expires is not None
    assert index.data(M.EntityIdRole) == award.entity_id
    assert index.data(Qt.ItemDataRole.DecorationRole) is None
    accessible = index.data(Qt.ItemDataRole.AccessibleTextRole)
    assert accessible == f"Data Analysis Fundamentals, {NORTHWIND}, Active"
    tooltip = index.data(Qt.ItemDataRole.ToolTipRole)
    assert "Data Analysis Fundamentals" in tooltip and NORTHWIND in tooltip
    assert model.roleNames()[M.BadgeRole].data() == b"badge"


def test_a_thumbnail_changes_only_its_row(qtbot, model: BadgeListModel) -> None:
    award = model.badges()[4]
    pixmap = QPixmap(16, 16)

    def only_row_4(top: QModelIndex, bottom: QModelIndex, roles: list[int]) -> bool:
        return top.row() == bottom.row() == 4 and roles == [Qt.ItemDataRole.DecorationRole]

    with qtbot.waitSignal(model.dataChanged, check_params_cb=only_row_4):
        model.set_thumbnail(award.entity_id, pixmap)
    assert model.index(4, 0).data(Qt.ItemDataRole.DecorationRole).size() == pixmap.size()
    assert model.index(3, 0).data(Qt.ItemDataRole.DecorationRole) is None
    model.set_badges(model.badges())  # a resync keeps the images of awards still there
    assert model.index(4, 0).data(Qt.ItemDataRole.DecorationRole) is not None
    model.set_thumbnail("no-such-award", pixmap)  # ignored


def test_odd_data_degrades_instead_of_raising(model: BadgeListModel) -> None:
    good = model.badges()[0]
    naive = dataclasses.replace(good, expires=datetime(2030, 1, 1))  # naive: no status derivable
    nameless = dataclasses.replace(good, badgeclass=dataclasses.replace(good.badgeclass, name=None))
    model.set_badges([naive, nameless])
    assert model.index(0, 0).data() == good.name
    assert model.index(0, 0).data(M.StatusRole) is None
    assert model.index(0, 0).data(Qt.ItemDataRole.AccessibleTextRole).endswith("status unknown")
    assert model.index(1, 0).data() == ""
    assert model.index(5, 0).data() is None and model.data(QModelIndex()) is None


def test_hostile_names_are_just_data(qtmodeltester, clock: Clock) -> None:
    names = [
        "<b>bold</b><img src=file:///etc/passwd>",
        "a" * 100_000,
        "\u202eexe.txt",
        "<a href=javascript:x>",
    ]
    model = BadgeListModel(now=clock)
    model.set_badges([make_award(n, issuer="<i>Issuer</i>") for n in names])
    proxy = BadgeFilterProxy()
    proxy.setSourceModel(model)
    assert [model.index(r, 0).data() for r in range(4)] == names
    tooltip = model.index(0, 0).data(Qt.ItemDataRole.ToolTipRole)
    assert "<b>" not in tooltip and "&lt;b&gt;" in tooltip and "&lt;i&gt;" in tooltip
    assert len(model.index(1, 0).data(Qt.ItemDataRole.ToolTipRole)) < TEXT_LIMIT * 2
    assert "\u2068\u202eexe.txt\u2069" in model.index(2, 0).data(Qt.ItemDataRole.ToolTipRole)
    proxy.set_query("aaaa")
    assert shown(proxy) == [names[1]]
    proxy.set_query("img")
    assert shown(proxy) == [names[0]]
    qtmodeltester.check(model)
    qtmodeltester.check(proxy)


# -- search ------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("data", {"Data Analysis Fundamentals"}),
        ("analysis DATA", {"Data Analysis Fundamentals"}),
        ("ECO numerique", {"Éco-conception numérique"}),
        ("gold ment", {"Community Mentor ★ Gold"}),
        ("分析", {"データ分析の基礎"}),
        (
            "c",
            {
                "Cloud Security Practitioner",
                "Code Review Champion",
                "Community Mentor ★ Gold",
                "Open Source Contributor",
                "Verifiable Credentials Essentials",
                "Éco-conception numérique",
                "Accessibility Advocate",
            },
        ),
        ("data python", set()),
        ("   ", None),
    ],
)
def test_search_every_word_any_order(
    proxy: BadgeFilterProxy, demo: list[Award], query: str, expected
) -> None:
    proxy.set_query(query)
    assert set(shown(proxy)) == (expected if expected is not None else {a.name for a in demo})


def test_prefix_matches_rank_before_infix(clock: Clock) -> None:
    day = timedelta(days=1)
    awards = [
        make_award("Banana Bread", issued=ANCHOR - 1 * day),  # newest, but "ana" is inside a word
        make_award("Data Analysis", issued=ANCHOR - 3 * day),
        make_award("Analytics 101", issued=ANCHOR - 2 * day),
        make_award("Cloud Security", issued=ANCHOR - 4 * day),
        make_award("Savannah Analysis", issued=ANCHOR - 5 * day),
    ]
    model = BadgeListModel(now=clock)
    model.set_badges(awards)
    proxy = BadgeFilterProxy()
    proxy.setSourceModel(model)
    proxy.set_query("ana")
    assert shown(proxy) == ["Analytics 101", "Data Analysis", "Savannah Analysis", "Banana Bread"]
    proxy.set_sort_order(SortOrder.NAME)
    assert shown(proxy) == ["Analytics 101", "Data Analysis", "Savannah Analysis", "Banana Bread"]
    proxy.set_sort_order(SortOrder.OLDEST)
    assert shown(proxy) == ["Savannah Analysis", "Data Analysis", "Analytics 101", "Banana Bread"]
    proxy.set_query("")
    assert shown(proxy)[0] == "Savannah Analysis" and proxy.rowCount() == 5


def test_typing_and_backspacing_match_a_fresh_search(qtbot, clock: Clock) -> None:
    """The proxy reuses earlier matches for narrower queries: results must equal a fresh search."""
    awards = from_records(generate(600, seed=11, password="pw", anchor=ANCHOR).awards)
    model = BadgeListModel(now=clock)
    model.set_badges(awards)
    proxy = BadgeFilterProxy()
    proxy.setSourceModel(model)
    typed = [
        "d",
        "da",
        "dat",
        "data",
        "data ",
        "data a",
        "data an",
        "data a",
        "data",
        "dat",
        "at",
        "at d",
        "ata da",
        "s",
        "st",
        "sta",
        "i",
        "i stat",
        "ii",
        "ii a",
        "ii ap",
    ]
    for query in typed:
        proxy.set_query(query)
        words = query_words(query)
        ranked = sorted(
            (score(a.name, words), -a.issued_on.timestamp(), fold(a.name), a.entity_id)
            for a in awards
            if score(a.name, words) is not None
        )
        got = [(score(a.name, words), a.entity_id) for a in shown(proxy, M.BadgeRole)]
        assert got == [(rank, entity_id) for rank, _, _, entity_id in ranked], query


# -- filters -----------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("status", "expected"),
    [
        (Status.REVOKED, {"Code Review Champion"}),
        (Status.EXPIRED, {"Python Programming I", "Accessibility Advocate"}),
        (Status.PENDING, {"機械学習入門"}),
        (Status.NEW, {"Community Mentor ★ Gold", "Éco-conception numérique"}),
    ],
)
def test_status_filter(proxy: BadgeFilterProxy, status: Status, expected: set[str]) -> None:
    proxy.set_status(status)
    assert set(shown(proxy)) == expected
    assert {s for s in shown(proxy, M.StatusRole)} == {status}


def test_an_award_expiring_while_the_app_runs(qtbot, clock: Clock, model: BadgeListModel, proxy) -> None:
    comm = next(a for a in model.badges() if a.name == "التواصل الفعّال")
    assert model.next_status_change() == comm.expires
    proxy.set_status(Status.EXPIRED)
    assert "التواصل الفعّال" not in shown(proxy)
    clock.now = comm.expires + timedelta(seconds=1)
    assert "التواصل الفعّال" not in shown(proxy)  # statuses move when refreshed, all at once

    def status_changed(top: QModelIndex, bottom: QModelIndex, roles: list[int]) -> bool:
        return M.StatusRole in roles

    with qtbot.waitSignals(
        [model.dataChanged, proxy.results_changed], check_params_cbs=[status_changed, None]
    ):
        assert model.refresh_statuses() == 1
    assert set(shown(proxy)) == {"Python Programming I", "Accessibility Advocate", "التواصل الفعّال"}
    assert proxy.count_text() == "3 of 14 badges"
    assert model.refresh_statuses() == 0
    assert model.next_status_change() > comm.expires


def test_issuer_filter_and_counts(proxy: BadgeFilterProxy) -> None:
    everything = dict(proxy.issuer_counts())
    assert everything[NORTHWIND] == 3 and everything["Open Source Guild & Co."] == 3
    assert sum(everything.values()) == 14 and len(everything) == 6
    proxy.set_issuer(NORTHWIND)
    assert set(shown(proxy)) == {
        "Data Analysis Fundamentals",
        "Cloud Security Practitioner",
        "Python Programming I",
    }
    assert dict(proxy.issuer_counts()) == everything  # the issuer filter does not count itself
    proxy.set_issuer("Northwind")  # exact names only
    assert proxy.rowCount() == 0
    proxy.set_issuer(None)
    proxy.set_query("c")
    counts = proxy.issuer_counts()
    assert [name for name, _ in counts] == [
        name for name, _ in sorted(everything.items(), key=lambda i: fold(i[0]))
    ]
    assert dict(counts)[NORTHWIND] == 1 and dict(counts)["東京デジタル学院"] == 0
    proxy.set_status(Status.REVOKED)
    assert [(n, c) for n, c in proxy.issuer_counts() if c] == [("Open Source Guild & Co.", 1)]


def test_filters_combine_and_clear_in_one_call(qtbot, proxy: BadgeFilterProxy) -> None:
    proxy.set_issuer(NORTHWIND)
    proxy.set_status(Status.EXPIRED)
    assert shown(proxy) == ["Python Programming I"]
    proxy.set_query("pyth")
    assert shown(proxy) == ["Python Programming I"]
    proxy.set_query("data")
    assert shown(proxy) == [] and proxy.count_text() == "0 of 14 badges"
    seen: list[Filters] = []
    proxy.filters_changed.connect(seen.append)
    with qtbot.waitSignals([proxy.filters_changed, proxy.results_changed]):
        proxy.clear_filters()
    assert seen == [Filters()]
    assert proxy.rowCount() == 14 and proxy.count_text() == "14 badges"
    assert not proxy.filters().active


def test_filters_changed_carries_the_filters_once(qtbot, proxy: BadgeFilterProxy) -> None:
    seen: list[Filters] = []
    proxy.filters_changed.connect(seen.append)
    proxy.set_query("data")
    proxy.set_query("data")
    proxy.set_status(Status.ACTIVE)
    proxy.set_status(Status.ACTIVE)
    assert seen == [Filters("data"), Filters("data", Status.ACTIVE)]
    assert seen[-1].active and not Filters(query="  ").active


def test_proxy_passes_the_model_tester_with_and_without_filters(qtmodeltester, proxy, model) -> None:
    qtmodeltester.check(proxy)
    qtmodeltester.check(proxy.sourceModel())
    proxy.set_query("c")
    qtmodeltester.check(proxy)
    proxy.set_status(Status.ACTIVE)
    proxy.set_sort_order(SortOrder.ISSUER)
    qtmodeltester.check(proxy)
    proxy.set_issuer(NORTHWIND)
    model.set_thumbnail(model.badges()[0].entity_id, QPixmap(4, 4))
    qtmodeltester.check(proxy)
    model.set_badges(model.badges()[3:])
    qtmodeltester.check(proxy)
    proxy.clear_filters()
    qtmodeltester.check(proxy)


# -- order and count ---------------------------------------------------------------------------
def test_sort_orders(proxy: BadgeFilterProxy, demo: list[Award]) -> None:
    assert proxy.sort_order() is SortOrder.NEWEST
    assert shown(proxy, M.IssuedRole) == sorted((a.issued_on for a in demo), reverse=True)
    proxy.set_sort_order(SortOrder.OLDEST)
    assert shown(proxy, M.IssuedRole) == sorted(a.issued_on for a in demo)
    proxy.set_sort_order(SortOrder.NAME)
    names = shown(proxy)
    assert names == sorted(names, key=fold)
    assert names.index("Data Analysis Fundamentals") < names.index("Éco-conception numérique")
    assert names.index("Éco-conception numérique") < names.index("Gestion de projet agile")
    proxy.set_sort_order(SortOrder.ISSUER)
    issuers = shown(proxy, M.IssuerRole)
    assert issuers == sorted(issuers, key=fold)
    proxy.set_sort_order(SortOrder.EXPIRY)
    expiries = shown(proxy, M.ExpiresRole)
    dated = [e for e in expiries if e is not None]
    assert dated == sorted(dated) and expiries[len(dated) :] == [None] * (14 - len(dated))
    assert shown(proxy)[:3] == ["Python Programming I", "Accessibility Advocate", "التواصل الفعّال"]
    proxy.sort(0, Qt.SortOrder.DescendingOrder)  # Qt's column sort is not ours: nothing moves
    assert shown(proxy, M.ExpiresRole) == expiries


def test_count_text(clock: Clock) -> None:
    model = BadgeListModel(now=clock)
    proxy = BadgeFilterProxy()
    proxy.setSourceModel(model)
    assert proxy.count_text() == "0 badges"
    model.set_badges([make_award("Only One")])
    assert proxy.count_text() == "1 badge"
    proxy.set_query("nothing")
    assert proxy.count_text() == "0 of 1 badge"
    model.set_badges([make_award(f"Badge {i}") for i in range(1200)])
    assert proxy.count_text() == "0 of 1,200 badges"  # filters survive new badges
    proxy.set_query("badge 119")  # 119, 1119 and 1190 to 1199
    assert proxy.count_text() == "12 of 1,200 badges"


def test_selection_follows_the_award_through_filter_and_sort(proxy: BadgeFilterProxy) -> None:
    proxy.set_sort_order(SortOrder.NAME)
    python = next(a.entity_id for a in proxy.badge_model().badges() if a.name == "Python Programming I")
    kept = QPersistentModelIndex(proxy.index_of(python))
    proxy.set_query("pro")
    proxy.set_sort_order(SortOrder.OLDEST)
    assert kept.isValid() and kept.data() == "Python Programming I"
    assert proxy.map_to_badges(kept).data(M.BadgeRole).name == "Python Programming I"
    proxy.set_query("data")
    assert not kept.isValid()
    assert not proxy.index_of(python).isValid() and not proxy.index_of("no-such-award").isValid()
    proxy.set_query("")
    assert proxy.index_of(python).data() == "Python Programming I"


def test_a_list_view_keeps_its_current_badge_while_typing(qtbot, proxy: BadgeFilterProxy) -> None:
    view = QListView()
    qtbot.addWidget(view)
    view.setModel(proxy)
    view.show()
    qtbot.waitExposed(view)
    current: list[Award] = []
    view.selectionModel().currentChanged.connect(lambda index, _old: current.append(index.data(M.BadgeRole)))
    cloud = next(a for a in proxy.badge_model().badges() if a.name == "Cloud Security Practitioner")
    view.setCurrentIndex(proxy.index_of(cloud.entity_id))
    assert current == [cloud]
    for query in ("c", "cl", "clo", "cl", "sec cl"):
        proxy.set_query(query)
        assert view.currentIndex().data(M.BadgeRole) is cloud, query
    proxy.set_sort_order(SortOrder.NAME)
    assert view.currentIndex().data(M.BadgeRole) is cloud
    proxy.set_query("python")
    assert not view.currentIndex().isValid() or view.currentIndex().data(M.BadgeRole) is not cloud


def test_only_a_badge_list_model_can_be_filtered() -> None:
    with pytest.raises(TypeError):
        BadgeFilterProxy().setSourceModel(QStringListModel(["x"]))


def test_a_custom_clock_is_used(demo: list[Award]) -> None:
    late: Callable[[], datetime] = lambda: ANCHOR + timedelta(days=4000)  # noqa: E731
    model = BadgeListModel(now=late)
    model.set_badges(demo)
    statuses = model.role_column(M.StatusRole)
    assert Status.ACTIVE not in [s for s, a in zip(statuses, demo, strict=True) if a.expires]
    assert model.next_status_change() is None
