"""The access states an article is stored with, and how much of its text each carries.

Here because the index owns what it stores and ranks: a capture never replaces one holding more text
(archive/index.py). The CLI offers these states to `--access`, the spiders refetch a held article that has no
text. Parsers write the same literal values without importing this (they may not import archive); the parser
tests check their output against ACCESS_STATES.
"""

from __future__ import annotations

# Kyodo's three anonymous paywall states, and `open` for copy that has no paywall at all (partner/AP copy,
# every Inakoran article). Most text first: the order `--access` lists them in.
ACCESS_STATES = ("full", "open", "gated", "expired")

# How much of the article's text a capture in each state holds (the whole of it, a teaser, nothing).
FULL_TEXT = 2
TEXT_RANK = {"full": FULL_TEXT, "open": FULL_TEXT, "gated": 1, "expired": 0}

# The states whose capture holds the whole text: an incremental crawl need not fetch such an article again.
TEXT_STATES = tuple(state for state in ACCESS_STATES if TEXT_RANK[state] == FULL_TEXT)


def text_rank(access: str | None) -> int:
    """TEXT_RANK of a state; 0 (no text) for an article without one (an empty paywall wrapper) or an unknown one."""
    return TEXT_RANK.get(access, 0)
