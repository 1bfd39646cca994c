"""How the index's cells look in Datasette's tables and query results (`render_cell`): long text cut short, and
articles and captures linked to the reading room's pages.

Datasette's own `truncate_cells_html` is a server setting a plugin cannot set, and a plain `datasette
index.db` leaves it off, so a body of 5,000 words would fill the screen of every row. The full value stays on
the article page and in the JSON (render_cell changes the HTML only)."""

from __future__ import annotations

from markupsafe import Markup, escape

from archive.readingroom import pages

MAX_CELL_CHARS = 300  # characters of a text cell shown in a table; the rest is an ellipsis

# (table, column) -> what the cell's id links to; table None: any query result with that column name.
ARTICLE_LINKS = {("articles", "title"), ("article_versions", "article_id"), ("article_authors", "article_id"),
                 (None, "article_id")}
CAPTURE_LINKS = {("articles", "capture_id"), ("article_versions", "capture_id"), ("captures", "record_id"),
                 (None, "capture_id")}


def render(row, value, column: str, table: str | None, database: str) -> Markup | None:
    """The cell's HTML, or None to leave it to Datasette."""
    label = value
    if isinstance(value, dict):  # a foreign key Datasette expanded: {"value": id, "label": its label column}
        value, label = value.get("value"), value.get("label") or value.get("value")
    if (table, column) in ARTICLE_LINKS:
        article_id = row["id"] if column == "title" else value
        if _is_id(article_id) and label is not None:
            return _link(pages.article_path(database, int(article_id)), _short(str(label)))
    if (table, column) in CAPTURE_LINKS:
        capture_id = row["id"] if column == "record_id" else value
        if _is_id(capture_id) and label is not None:
            return _link(pages.capture_path(database, int(capture_id), "raw"), _short(str(label)),
                         title="the archived body of this capture")
    if isinstance(value, str) and len(value) > MAX_CELL_CHARS and "://" not in value[:12]:
        return Markup(f'<span class="newsarchive-cut" title="cut at {MAX_CELL_CHARS} characters; the whole '
                      f'value is on the row page\'s JSON">{escape(value[:MAX_CELL_CHARS])}…</span>')
    return None


def _is_id(value) -> bool:
    return isinstance(value, int) or (isinstance(value, str) and value.isdigit())


def _short(text: str) -> str:
    return text if len(text) <= MAX_CELL_CHARS else text[:MAX_CELL_CHARS] + "…"


def _link(href: str, text: str, title: str | None = None) -> Markup:
    hint = f' title="{escape(title)}"' if title else ""
    return Markup(f'<a href="{escape(href)}"{hint}>{escape(text)}</a>')
