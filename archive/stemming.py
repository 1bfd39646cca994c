"""Indonesian word stems, for searching Indonesian articles by stem (Sastrawi, MIT licence, pure Python).

The index stays readable by a plain `datasette` and `sqlite-utils`, which cannot load a custom FTS5 tokenizer,
so the stems are stored as text: each Indonesian article's `articles.search_stems` holds the distinct stems of
its title, lead and body words that differ from the word itself ("mengajar belajar" -> "ajar"), and that column
is the fifth column of `articles_fts`. A bare word then finds an article through its stem column:

- a root typed as it is ("ajar") matches the stems column as it matches any column: it finds "mengajar",
  "pelajaran", "belajar";
- an inflected word ("pelajaran") is expanded by `expand_word` into `(pelajaran OR search_stems:ajar)`, so it
  finds every article holding a word of the same stem.

English articles have no stems (NULL): English keeps FTS5's porter stemming.

Words are cut as FTS5's unicode61 tokenizer cuts them (runs of letters and digits) and lowercased; only words of
ASCII letters are stemmed (Indonesian is written in them; a name with a diacritic or a number is left alone).
"""

from __future__ import annotations

import re
import sqlite3
from functools import lru_cache
from typing import Any, Iterable

LANGUAGE = "id"
COLUMN = "search_stems"
STEMMED_FIELDS = ("title", "lead", "body")  # authors are names, not words to stem

_TOKEN = re.compile(r"[^\W_]+")  # unicode61: a token is a run of letters and digits
_STEMMABLE = re.compile(r"[a-z]{3,}")  # shorter words are particles ("di", "ke") Sastrawi leaves alone
_CACHE_WORDS = 200_000  # a news vocabulary fits; a word's stem costs ~0.1 ms the first time, a lookup after


@lru_cache(maxsize=1)
def _stemmer():
    # Sastrawi's own CachedStemmer normalises the text with two regular expressions on every call; the bare
    # Stemmer's stem_word takes one clean word, and the cache is ours (stem).
    from Sastrawi.Stemmer.Stemmer import Stemmer
    from Sastrawi.Stemmer.StemmerFactory import StemmerFactory
    from Sastrawi.Dictionary.ArrayDictionary import ArrayDictionary

    return Stemmer(ArrayDictionary(StemmerFactory().get_words()))


@lru_cache(maxsize=_CACHE_WORDS)
def stem(word: str) -> str:
    """The Sastrawi stem of one word, lowercased; the word itself (lowercased) when it is not a stemmable
    Indonesian word (digits, diacritics, under three letters) or Sastrawi knows no shorter root."""
    word = word.lower()
    if not _STEMMABLE.fullmatch(word):
        return word
    return _stemmer().stem_word(word) or word


def words(text: str | None) -> list[str]:
    """The words of `text` as the full-text index cuts them."""
    return _TOKEN.findall(text) if text else []


def stems(texts: Iterable[str | None]) -> list[str]:
    """The distinct stems of the words of `texts` that differ from their word, in order of first occurrence."""
    found: dict[str, None] = {}
    for text in texts:
        for word in words(text):
            root = stem(word)
            if root != word.lower():
                found.setdefault(root)
    return list(found)


def stems_text(article: dict[str, Any]) -> str | None:
    """The `search_stems` value of an article (its fields by name, as the index stores them): the distinct stems
    of its title, lead and body words that differ from the word itself, space-separated; None for an article not
    in Indonesian, or one none of whose words stems to something else."""
    if article.get("language") != LANGUAGE:
        return None
    found = stems(article.get(name) for name in STEMMED_FIELDS)
    return " ".join(found) or None


def expand_word(word: str) -> str:
    """The FTS5 expression a bare query word stands for: `(word OR search_stems:stem)` when Sastrawi stems it
    to something else, else the word as it is."""
    root = stem(word)
    if root == word.lower():
        return word
    return f"({word} OR {COLUMN}:{root})"


# -- queries -----------------------------------------------------------------------------------------

_QUERY_TOKEN = re.compile(r'\s+|"(?:[^"]|"")*"?|[A-Za-z0-9_\x1a\x80-\U0010ffff]+|.', re.S)
_OPERATORS = {"AND", "OR", "NOT"}


def expand_query(query: str) -> str:
    """An FTS5 query with each bare word term replaced by `expand_word(term)`.

    A bare word term is a word standing alone as a phrase: not "quoted", not an operator (AND, OR, NOT),
    not a column name (`title:`, `{title body}:`), not a prefix (`word*`), not an initial-token query
    (`^word`), not joined into a phrase by `+`, not under a column filter (`title: word`, `title: (a OR b)`:
    the filter would hide the stems column) and not inside NEAR(...). Those are left exactly as typed, and so
    is a query FTS5 cannot parse (its error then names what the reader typed)."""
    tokens = _QUERY_TOKEN.findall(query)
    if "".join(tokens) != query:
        return query
    significant = [i for i, token in enumerate(tokens) if not token.isspace()]
    out = list(tokens)
    groups: list[bool] = []  # per open "(": whether words inside it must stay as typed
    braces = False
    for position, i in enumerate(significant):
        token = tokens[i]
        before = tokens[significant[position - 1]] if position else ""
        after = tokens[significant[position + 1]] if position + 1 < len(significant) else ""
        if token == "{":
            braces = True
        elif token == "}":
            braces = False
        elif token == "(":
            groups.append(before == ":" or before == "NEAR" or any(groups))
        elif token == ")":
            if groups:
                groups.pop()
        elif _is_bare(token) and token not in _OPERATORS and not (token == "NEAR" and after == "("):
            kept = (braces or any(groups) or after in (":", "*", "+") or before in (":", "^", "+"))
            if not kept and (group := expand_word(token)) != token:
                # FTS5 takes "a b" as a AND b, but not "a (b OR c)": a group next to an operand gets an explicit
                # AND, which binds as the implicit one does (tighter than OR).
                joined = position and _ends_operand(before) and out[significant[position - 1]] == before
                out[i] = ("AND " if joined else "") + group + (" AND" if _starts_operand(after) else "")
    return "".join(out)


def _ends_operand(token: str) -> bool:
    return token in (")", "*") or token.startswith('"') or (_is_bare(token) and token not in _OPERATORS)


def _starts_operand(token: str) -> bool:
    return token in ("(", "^", "{", "-") or token.startswith('"') or (_is_bare(token) and token not in _OPERATORS)


def _is_bare(token: str) -> bool:
    # A single unicode61 token: a bareword with punctuation beyond ASCII ("kata’nya") is a phrase of several.
    return bool(_TOKEN.fullmatch(token))


# -- the index ---------------------------------------------------------------------------------------

def fill(conn: sqlite3.Connection, batch: int = 500) -> int:
    """Set `search_stems` of every Indonesian article from its text (migrating an index made before schema 6);
    returns how many articles have stems. One transaction unless the caller holds one."""
    own = not conn.in_transaction
    if own:
        conn.execute("BEGIN")
    filled = 0
    cursor = conn.execute("SELECT id, language, title, lead, body FROM articles WHERE language = ?", [LANGUAGE])
    while rows := cursor.fetchmany(batch):
        values = [(stems_text(dict(zip(("id", "language", *STEMMED_FIELDS), row))), row[0]) for row in rows]
        conn.executemany(f"UPDATE articles SET {COLUMN} = ? WHERE id = ?", values)
        filled += sum(1 for value, _ in values if value is not None)
    if own:
        conn.execute("COMMIT")
    return filled


# -- snippets ----------------------------------------------------------------------------------------

def stem_snippet(text: str | None, query: str, tokens: int, start: str = "[", end: str = "]",
                 ellipsis: str = "…") -> str:
    """A snippet of `text` in the form of FTS5's snippet(): `tokens` words around the first word sharing a stem
    with a word of `query`, such words marked. For an Indonesian article found only through its stems column
    (the text holds "pelajaran", the query "mengajar"): the snippet still shows the text, never the stems.
    The first `tokens` words, unmarked, when no word shares a stem."""
    if not text:
        return ""
    roots = {stem(word) for word in words(query) if word not in _OPERATORS}
    spans = [(m.start(), m.end()) for m in _TOKEN.finditer(text)]
    if not spans:
        return ""
    hits = [i for i, (low, high) in enumerate(spans) if stem(text[low:high]) in roots]
    first = max(0, min(hits[0] - tokens // 4, len(spans) - tokens)) if hits else 0
    last = min(len(spans), first + tokens)
    # As FTS5's snippet(): the text's own start and end when the window reaches them, punctuation included.
    marked, cursor, hit = [], spans[first][0] if first else 0, set(hits)
    for i in range(first, last):
        low, high = spans[i]
        if i in hit:
            marked += [text[cursor:low], start, text[low:high], end]
            cursor = high
    marked.append(text[cursor:spans[last - 1][1] if last < len(spans) else len(text)])
    return (ellipsis if first else "") + "".join(marked) + (ellipsis if last < len(spans) else "")
