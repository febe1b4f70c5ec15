"""Search by badge name: every word, any order, case- and accent-insensitive, prefixes first."""

from __future__ import annotations

import pytest

from backpack_desktop.domain.search import matches, query_words, score


@pytest.mark.parametrize(
    ("name", "query"),
    [
        ("Data Analysis Fundamentals", "data"),
        ("Data Analysis Fundamentals", "fund data"),
        ("Data Analysis Fundamentals", "DATA analysis"),
        ("Éco-conception numérique", "eco numerique"),
        ("Gestion de projet agile", "AGILE gestion"),
        ("データ分析の基礎", "分析"),
        ("مهارات القيادة", "القيادة"),
        ("Community Mentor ★ Gold", "gold ment"),
        ("Anything", ""),
    ],
)
def test_matches(name: str, query: str) -> None:
    assert matches(name, query)


@pytest.mark.parametrize(
    ("name", "query"),
    [("Data Analysis Fundamentals", "data python"), ("Python I", "java"), ("Éco", "ecology")],
)
def test_every_word_must_match(name: str, query: str) -> None:
    assert not matches(name, query)


def test_prefix_matches_rank_first() -> None:
    words = query_words("ana")
    assert score("Data Analysis", words) == 0
    assert score("Banana Bread", words) == 1
    assert score("Cloud Security", words) is None
