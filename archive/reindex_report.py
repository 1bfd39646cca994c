"""What `newsarchive reindex` reports, and the errors that stop it (archive/reindex.py)."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from archive import oldindex
from archive.members import Damage


class ReindexError(RuntimeError):
    """The rebuild cannot run (a crawl is writing, the index is locked); the old index is untouched."""


class ReindexBusy(ReindexError):
    """A crawl holds the index (archive/indexlock.py): try again when it has finished."""


class ReindexLoss(ReindexError):
    """The rebuilt index would lose articles or captures the old one holds: the old one is kept."""

    def __init__(self, report: "ReindexReport"):
        self.report = report
        loss = report.loss
        super().__init__(f"the old index is kept: the rebuilt one would lose {loss.articles:,} article(s) and "
                         f"{loss.captures:,} capture(s) it holds")


@dataclass
class ReindexReport:
    db_path: Path
    files: int = 0
    records: int = 0
    captures: int = 0
    revisits: int = 0
    parsed: int = 0  # status-200 pages handed to the parser
    reparsed: int = 0  # of those, pages already captured in the index whose parse a kill lost (catch-up)
    articles: int = 0  # rows in the new articles table
    versions: int = 0  # rows in the new article_versions table
    crawls_kept: int = 0  # crawls rows copied from the old index
    crawls_rebuilt: int = 0  # crawls rows recreated from warcinfo only
    fetch_errors_kept: int = 0
    old_index: bool = False  # whether there was an index to carry crawls and fetch_errors over from
    elapsed: float = 0.0
    recovered: list[str] = field(default_factory=list)  # `.open` files of killed crawls closed first
    problems: list[str] = field(default_factory=list)  # revisits whose original is missing, parser errors
    damaged: list[Damage] = field(default_factory=list)  # unreadable byte ranges of WARC files, each once
    not_carried: list[str] = field(default_factory=list)  # what of the old index could not be read
    loss: oldindex.Loss | None = None  # what the new index lacks that the old one held (None: no old index)
    replaced: bool = False  # whether the new index was moved into place

    @property
    def pages_per_second(self) -> float:
        return self.captures / self.elapsed if self.elapsed else 0.0

    def summary(self) -> str:
        lines = [
            f"reindexed {self.files:,} WARC file(s), {self.records:,} records in {self.elapsed:.1f} s "
            f"({self.pages_per_second:,.0f} pages/s)",
            f"  captures {self.captures:,} ({self.revisits:,} revisits), pages parsed {self.parsed:,}, "
            f"articles {self.articles:,}, versions {self.versions:,}",
        ]
        if self.old_index:
            lines.append(f"  kept from the old index: {self.crawls_kept:,} crawl row(s), "
                         f"{self.fetch_errors_kept:,} fetch error(s) (not derivable from WARC)")
            lines.extend(f"  NOT KEPT: {line}" for line in self.not_carried)
        else:
            lines.append("  no old index: fetch_errors is empty (fetch errors leave no WARC record)")
        if self.crawls_rebuilt:
            lines.append(f"  {self.crawls_rebuilt:,} crawl row(s) rebuilt from warcinfo (status 'reindexed')")
        lines.extend(f"  recovered {name}" for name in self.recovered)
        if self.damaged:
            lines.append(f"  {len(self.damaged)} damaged range(s) in the WARC files, skipped (records after "
                         "each were read); what they held is not in the new index:")
            lines.extend(f"    DAMAGED {d}" for d in self.damaged)
        if self.loss is not None:
            lines.extend(f"  {line}" for line in self.loss.lines(self.replaced))
        lines.extend(f"  problem: {p}" for p in self.problems[:20])
        if len(self.problems) > 20:
            lines.append(f"  … and {len(self.problems) - 20} more problems")
        lines.append(f"  index {self.db_path}" + ("" if self.replaced else " NOT replaced: the old index is kept"))
        return "\n".join(lines)
