"""The reading room: newsarchive's Datasette plugin, installed with the package (entry point group `datasette`),
so `newsarchive serve` and a plain `datasette DATA/index.db` both show an index with its metadata, canned
queries and pages made for reading: search, an article, its versions and edits, citations and trends.

Every page lives under the index's database path and Datasette's `/-/` namespace, so they never clash with a
table name:

    /{db}/-/search?q=...            search (stemmed for Indonesian, like `newsarchive search`)
    /{db}/-/article/{id}            an article (.json for the same as JSON)
    /{db}/-/article/{id}/versions   its versions, each with its capture and citation
    /{db}/-/article/{id}/diff       a word-level diff between two versions (?from=VERSION&to=VERSION)
    /{db}/-/article/{id}/cite       its citation as text and CSL-JSON (?version=VERSION; .json for CSL-JSON)
    /{db}/-/capture/{id}/raw        a capture's archived body as it was stored (HTML shown as text)
    /{db}/-/capture/{id}/body       a requisite's archived body (images, with their archived content type)
    /{db}/-/edits                   edited articles, what changed, silent edits marked
    /{db}/-/trend?q=...             articles per period and site matching a query, as a chart and a table

Each page module (`search_page`, `article_page`, `edits_page`, `trend_page`, `capture_page`) lists its routes in
`ROUTES`; `plugin.py` registers them. The pages only gather and show: what they show comes from functions of
`archive` that the CLI and the Python API share (archive.search, archive.edits, archive.cite, archive.trend).
"""
