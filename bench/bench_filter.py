"""Search as you type through the badge list's filter proxy (issue 5).

* ``filter_10k_ms``: median time per keystroke typing "data analysis" one character at a time
  into ``BadgeFilterProxy.set_query`` over 10,000 awards, each keystroke ending with what a view
  does next (the row count and the first page of rows); ``filter_10k_p95_ms`` beside it.
* ``filter_10k_distinct_ms``: the same with every badge name made distinct (a backpack of
  one-off badges: no work is shared between awards of the same badge class).
* ``filter_100k_ms`` (and ``filter_100k_p95_ms``): the same over 100,000 awards.

Awards come from the sandbox's seeded generator, serialized and parsed as a sync would (no
HTTP). One untimed pass warms up, then the phrase is typed ``REPEATS`` times (the query is
cleared, untimed, in between). ``--quick`` types only "data an", once.
"""

from __future__ import annotations

import os

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")  # before anything imports Qt

import dataclasses
import statistics
import time
from collections.abc import Iterator
from functools import cache
from typing import Any

PHRASE, QUICK_PHRASE = "data analysis", "data an"
REPEATS = 5
PAGE = 30  # rows a list view fetches to paint its first screen
_keep: list[Any] = []  # the QApplication must outlive the benchmarks


@cache
def _awards(count: int) -> tuple[Any, ...]:
    from backpack_desktop.domain.models import parse_award, parse_badgeclass
    from backpack_desktop.sandbox.dataset import anchor_day, generate
    from backpack_desktop.sandbox.serializers import Urls, award_json

    urls = Urls("http://127.0.0.1:8000", "http://127.0.0.1:8001")
    classes: dict[str, Any] = {}
    awards = []
    for record in generate(count, seed=5, password="bench", anchor=anchor_day()).awards:
        data = award_json(record, urls, True, True)
        key = record.badgeclass.entity_id
        if key not in classes:  # the cache shares one parsed badge class per class, as here
            classes[key] = parse_badgeclass(data["badgeclass"])
        awards.append(parse_award(data, classes[key]))
    return tuple(awards)


def _distinct(awards: tuple[Any, ...]) -> tuple[Any, ...]:
    return tuple(
        dataclasses.replace(a, badgeclass=dataclasses.replace(a.badgeclass, name=f"{a.name} {i}"))
        for i, a in enumerate(awards)
    )


def _keystrokes_ms(awards: tuple[Any, ...], phrase: str, repeats: int) -> list[float]:
    from PySide6.QtCore import Qt
    from PySide6.QtWidgets import QApplication

    from backpack_desktop.ui.models.badge_filter_proxy import BadgeFilterProxy
    from backpack_desktop.ui.models.badge_list_model import BadgeListModel

    if not _keep:
        _keep.append(QApplication.instance() or QApplication([]))
    model = BadgeListModel()
    model.set_badges(awards)
    proxy = BadgeFilterProxy()
    proxy.setSourceModel(model)
    proxy.rowCount()
    times: list[float] = []
    for repeat in range(repeats + 1):  # the first pass is the warm-up
        proxy.set_query("")
        proxy.rowCount()
        for end in range(1, len(phrase) + 1):
            start = time.perf_counter()
            proxy.set_query(phrase[:end])
            for row in range(min(PAGE, proxy.rowCount())):
                index = proxy.index(row, 0)
                index.data(Qt.ItemDataRole.DisplayRole)
                index.data(Qt.ItemDataRole.DecorationRole)
                index.data(BadgeListModel.StatusRole)
            if repeat:
                times.append((time.perf_counter() - start) * 1000)
    return times


def _p95(values: list[float]) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]


def _figures(name: str, awards: tuple[Any, ...], quick: bool, p95: bool) -> Iterator[dict[str, Any]]:
    phrase, repeats = (QUICK_PHRASE, 1) if quick else (PHRASE, REPEATS)
    times = _keystrokes_ms(awards, phrase, repeats)
    extra = {"badges": len(awards), "keystrokes": len(times)}
    yield {"bench": name, "value": round(statistics.median(times), 2), "unit": "ms", "n": len(times), **extra}
    if p95:
        yield {
            "bench": f"{name.removesuffix('_ms')}_p95_ms",
            "value": round(_p95(times), 2),
            "unit": "ms",
            "n": len(times),
            **extra,
        }


def filter_10k(quick: bool) -> Iterator[dict[str, Any]]:
    yield from _figures("filter_10k_ms", _awards(10_000), quick, p95=True)


def filter_10k_distinct(quick: bool) -> Iterator[dict[str, Any]]:
    yield from _figures("filter_10k_distinct_ms", _distinct(_awards(10_000)), quick, p95=True)


def filter_100k(quick: bool) -> Iterator[dict[str, Any]]:
    yield from _figures("filter_100k_ms", _awards(100_000), quick, p95=True)


BENCHMARKS = {
    "filter_10k_ms": filter_10k,
    "filter_10k_distinct_ms": filter_10k_distinct,
    "filter_100k_ms": filter_100k,
}
