"""Search by badge name: every word must match, in any order, ignoring case and accents.

A pure function so it can be tested without Qt and reused by the list view's proxy model and
the command line. Matches where a query word starts a word of the name rank before matches
inside a word (as qutebrowser's completion does).
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

_WORD = re.compile(r"\w+", re.UNICODE)


@lru_cache(maxsize=65536)
def fold(text: str) -> str:
    """Case- and accent-insensitive form: NFKD, combining marks removed, casefolded."""
    decomposed = unicodedata.normalize("NFKD", text)
    stripped = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    return stripped.casefold()


def query_words(query: str) -> tuple[str, ...]:
    """The folded words of a query (empty query: no words, everything matches)."""
    return tuple(fold(word) for word in query.split())


def score(name: str, words: tuple[str, ...]) -> int | None:
    """None when some word is missing; else 0 when every word starts a word of the name, 1 otherwise."""
    folded = fold(name)
    starts = {m.start() for m in _WORD.finditer(folded)}
    rank = 0
    for word in words:
        position = folded.find(word)
        if position < 0:
            return None
        if not _starts_a_word(folded, word, starts):
            rank = 1
    return rank


def _starts_a_word(folded: str, word: str, starts: set[int]) -> bool:
    position = folded.find(word)
    while position >= 0:
        if position in starts:
            return True
        position = folded.find(word, position + 1)
    return False


def matches(name: str, query: str) -> bool:
    """Whether ``name`` matches every word of ``query``."""
    return score(name, query_words(query)) is not None
