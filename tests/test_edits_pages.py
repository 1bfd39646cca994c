"""The reading room's edits pages on the synthetic versions of tests/edits_support.py: through Datasette in this
process (the plugin as installed), and the diff page in headless Chromium under a plain `datasette index.db`,
screenshot in tests/artifacts/readingroom/."""

from __future__ import annotations

import asyncio
import json
import re
from html import unescape
from pathlib import Path

import pytest

from archive.replay import DEFAULT_REPLAY_BASE
from edits_support import KYODO_URL, build

ROOT = Path(__file__).resolve().parent.parent
ARTIFACTS = ROOT / "tests" / "artifacts" / "readingroom"


@pytest.fixture(scope="module")
def db(tmp_path_factory):
    return build(tmp_path_factory.mktemp("pages") / "index.db")


def fetch(db: Path, *paths: str, env_replay: str | None = None) -> list[tuple[int, str]]:
    from datasette.app import Datasette

    async def run():
        ds = Datasette([str(db)], metadata={"plugins": {"newsarchive": {"replay_url": env_replay}}} if env_replay else None)
        await ds.invoke_startup()
        return [((r := await ds.client.get(path)).status_code, r.text) for path in paths]

    return asyncio.run(run())


def text(html: str) -> str:
    """What a reader sees, roughly: tags dropped, entities decoded, whitespace collapsed."""
    return " ".join(unescape(re.sub(r"<[^>]+>", " ", re.sub(r"<(script|style)[^>]*>.*?</\1>", "", html, flags=re.S)))
                    .split())


def test_edits_page_lists_changes_with_links_and_filters(db):
    [(status, page), (_, silent), (_, since), (_, other), (bad, _)] = fetch(
        db, "/index/-/edits", "/index/-/edits?silent=1", "/index/-/edits?since=2026-11-23", "/index/-/edits?site=inakoran",
        "/index/-/edits?since=yesterday")
    assert status == 200
    seen = text(page)
    assert "Minister drops seawall plan kyodo · id 1 · 3 versions v1 → v2 2026-11-22T01:00:00Z body silent +1 / −1 diff" \
        in seen
    assert "v2 → v3 2026-11-23T01:00:00Z title, body, authors, dates +7 / −1 diff" in seen
    assert 'href="/index/-/article/1"' in page and 'href="/index/-/article/1/diff?from=1&amp;to=2"' in page
    assert "v1 → v2" in text(silent) and "v2 → v3" not in text(silent)
    assert "v2 → v3" in text(since) and "v1 → v2" not in text(since)
    assert "No edited articles match these filters." in text(other)
    assert bad == 400


def test_diff_page_shows_inserted_and_deleted_words_and_field_changes(db):
    [(status, page), (missing, _), (wrong, _)] = fetch(
        db, "/index/-/article/1/diff?from=1&to=3", "/index/-/article/1/diff?from=1&to=4", "/index/-/article/9/diff")
    assert (status, missing, wrong) == (200, 404, 404)
    assert '<div class="na-diff na-title">Minister <del>backs</del><ins>drops</ins> seawall plan</div>' in page
    assert ('<div class="na-diff na-body">Tokyo will build a new seawall.\n\nWork starts in <del>May.</del>'
            '<ins>June.\n\nThe cost is not yet known.</ins></div>') in page
    seen = text(page)
    assert "authors AIKO SATO AIKO SATO, KENJI KATO" in seen
    assert "modified 2026-11-21T09:00:00+09:00 2026-11-23T09:30:00+09:00" in seen
    assert "+8 / −2 (title and body)" in seen  # v1 -> v3: backs/drops, May./June. + six words


def test_versions_page_gives_each_capture_raw_link_citation_and_replay(db):
    [(status, page)] = fetch(db, "/index/-/article/1/versions")
    assert status == 200
    seen = text(page)
    assert "Replay of the archived pages is not running: newsarchive serve starts pywb" in seen
    assert "Version 2 captured 2026-11-22T01:00:00Z" in seen and "Changed from version 1: body, +1 / −1 words silent" in seen
    assert 'href="/index/-/capture/2/raw"' in page and 'href="/index/-/article/1/cite?version=2"' in page
    assert (f"Archived 2026-11-22 01:00:00 UTC by newsarchive (WARC-Record-ID <urn:uuid:00000002-kyodo>): "
            f"{DEFAULT_REPLAY_BASE}/20261122010000/{KYODO_URL}") in seen
    [(_, replayed)] = fetch(db, "/index/-/article/1/versions", env_replay="http://127.0.0.1:9/coll")
    assert f'href="http://127.0.0.1:9/coll/20261121010000/{KYODO_URL}"' in replayed
    assert "not running" not in replayed


def test_cite_page_and_its_csl_json(db):
    [(status, page), (_, as_json), (missing, _)] = fetch(
        db, "/index/-/article/1/cite?version=1", "/index/-/article/1/cite.json?version=1", "/index/-/article/1/cite?version=7")
    assert (status, missing) == (200, 404)
    assert "Sato, A. (2026, November 21). Minister backs seawall plan. Kyodo News." in text(page)
    [item] = json.loads(as_json)
    assert (item["id"], item["type"], item["archive_location"], item["author"]) == (
        "newsarchive-1-v1", "article-newspaper", "<urn:uuid:00000001-kyodo>", [{"family": "Sato", "given": "Aiko"}])


def test_diff_page_in_chromium(db, tmp_path):
    from readingroom_support import start_datasette
    from replay_support import chromium_page, free_port

    port = free_port()
    # A plain `datasette index.db`: the plugin comes with the installed package, not with `newsarchive serve`.
    server = start_datasette(db.parent, port, tmp_path / "datasette.log")
    base = f"http://127.0.0.1:{port}"
    try:
        ARTIFACTS.mkdir(parents=True, exist_ok=True)
        with chromium_page(1000, 900) as page:
            page.goto(base + "/index/-/edits")
            page.click("text=v2 → v3")  # the reader follows the edit to its diff
            page.wait_for_selector("div.na-body")
            assert page.url == base + "/index/-/article/1/diff?from=2&to=3"
            assert page.locator("div.na-title del").all_inner_texts() == ["backs"]
            assert page.locator("div.na-title ins").all_inner_texts() == ["drops"]
            assert page.locator("div.na-body ins").all_inner_texts() == ["\n\nThe cost is not yet known."]
            assert page.locator("div.na-body del").all_inner_texts() == []
            body = page.locator("div.na-body").inner_text()
            assert body == "Tokyo will build a new seawall.\n\nWork starts in June.\n\nThe cost is not yet known."
            # what a reader sees: deletions struck through in red, insertions on green
            styles = page.evaluate("""() => [getComputedStyle(document.querySelector('div.na-title del'))
                .textDecorationLine, getComputedStyle(document.querySelector('div.na-title ins')).backgroundColor]""")
            assert styles == ["line-through", "rgb(221, 255, 221)"]
            page.screenshot(path=str(ARTIFACTS / "diff.png"), full_page=True)
            page.click("text=all 3 versions")
            assert page.locator("section#v2 .na-silent").inner_text() == "silent"
            page.screenshot(path=str(ARTIFACTS / "versions.png"), full_page=True)
    finally:
        server.terminate()
        server.wait(timeout=20)
