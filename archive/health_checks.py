"""The health checks of one site's crawl_sites row against that site's history (archive/health.py gathers both).

What the checks read from a crawl_sites row (archive/accounting.py fills it):
- discovered: article URLs the crawl's discovery found (feed items, listing and sitemap links, home page), those
  it then skipped included (held, budget, window, ...): it measures discovery, not what was new.
- requested: article requests made; articles: pages parsed as articles; not_articles: fetched article URLs whose
  page parsed as something else; login_redirects: article requests that ended on a login or consent page.
- skipped {reason: n}; discovery {source: {requests, ok, not_modified, http_errors, failed, unparseable, links}}
  (`ok`: 200 answers; `unparseable`: those of them that could not be read or named no article at all);
  missing {field: articles without it}; body_median; access {state: articles}.
A column that is NULL (not counted) is not judged.

Two kinds of check. Absolute ones need no history: discovery sources failing, nothing discovered, login
redirects. The others compare with the site's recent runs and stay silent until there are MIN_HISTORY of them.
Each check's baseline leaves out the runs that check itself flagged, so a problem that lasts does not become
its own baseline and its alarm stays open while it lasts (archive/alarms.py); after HISTORY_SCAN runs without
a clean one, the new state is taken as normal.

Rates are compared with the history's pooled rate (all its articles together, not a mean of per-run rates, so a
run of 2 articles weighs as 2), with a binomial tail test and a minimum size of the rise: both must hold.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from statistics import median
from typing import Any, Callable

HISTORY_RUNS = 10  # a check's baseline: the site's last 10 runs (of the same schedule and kind) it did not flag
HISTORY_SCAN = 30  # looked back at most this far for them: after 30 flagged runs in a row, that is the new normal
MIN_HISTORY = 3  # no history-based finding before a check has 3 runs to compare with: one or two runs are anecdotes
MIN_COUNT = 5  # a rate finding needs at least 5 articles showing it: 2 of 2 unsigned articles is no redesign
ALPHA = 1e-6  # binomial tail probability below which a rate rise is no chance. A run makes ~20 rate tests
#               (sites x fields, access, not-articles), so 1e-3 would cry wolf about once in 50 runs (it did, in
#               the synthetic healthy runs of tests/test_health.py); a redesign is far past 1e-6 (25 of 25
#               unsigned against 5% before: 1e-30). MIN_RISE must hold as well.
MIN_RISE = 0.30  # a rate must rise by 30 percentage points: smaller drifts (more AP copy today) are not breakage
FEW_FACTOR = 0.25  # articles or discovered URLs below a quarter of the median: healthy days vary by +-30%, and a
#                    weekend dip halves output at worst (0.7 * 0.5 = 0.35 > 0.25)
FEW_MEDIAN = 10  # ... judged only when the median is 10 or more: 2 instead of 8 is a quiet day, not a breakage
BODY_FACTOR = 2.5  # median body length falling or rising 2.5-fold: an extraction that kept the lead only or took
#                    the page's chrome. Article lengths spread ~0.6 on a log scale, so the median of 10 bodies
#                    moves by a factor 2.5 about once in 10,000 healthy runs
BODY_SAMPLE = 10  # ... judged only over runs with 10 or more bodies: the median of 3 bodies is one article's length
LOGIN_MIN = 3  # login redirects: at least 3, and at least half of the article requests, on a first run;
LOGIN_SHARE = 0.5  # afterwards, like any rate, against the history
FIELDS = ("authors", "published", "body", "images")
OPEN_ACCESS = ("full", "open")  # access states that are no cause for concern; any other rising is


@dataclass
class Run:
    """A past crawl of the site: its crawl_sites row and the checks its findings named."""
    crawl_id: str
    row: dict[str, Any]
    flagged: set[str] = field(default_factory=set)


@dataclass
class Finding:
    site: str
    check: str  # e.g. no_articles, few_articles, discovery, not_articles, missing_authors, body_length, ...
    message: str  # "kyodo: authors missing on 25 of 25 articles, 3 of 60 in the last 10 runs"
    value: float | None = None  # this run's figure
    baseline: float | None = None  # what the history leads one to expect

    def to_dict(self) -> dict:
        return {"site": self.site, "check": self.check, "message": self.message, "value": self.value,
                "baseline": self.baseline}


def check_site(row: dict[str, Any], runs: list[Run], windowed: bool = False) -> list[Finding]:
    """Findings for one site's row; `runs` its history, newest first. A run bounded by --since/--until (a
    backfill) is judged by the absolute checks only: old articles are expired, fewer, and no measure."""
    site = row["site"]
    history = History(runs)
    found = [discovery(site, row, history), nothing_discovered(site, row, history), login(site, row, history)]
    if not windowed:
        found += [few_articles(site, row, history), few_discovered(site, row, history),
                  not_articles(site, row, history), *[missing(site, row, history, f) for f in FIELDS],
                  body_length(site, row, history), access(site, row, history)]
    return [f for f in found if f is not None]


HISTORY_CHECKS = ("few_articles", "no_articles", "few_discovered", "not_articles",
                  *(f"missing_{name}" for name in FIELDS), "body_length", "access")


def unsettled(row: dict[str, Any], runs: list[Run], windowed: bool = False) -> set[str]:
    """The checks this run cannot clear: it could not have found their problem were it still there (too few
    articles, bodies or requests to judge), or its figures are still as bad as a finding's without being
    significant (4 of 4 unsigned articles: too few for a finding, no sign of recovery either). An alarm open
    for one of them stays open (archive/alarms.py): an hour's crawl of 4 articles must not clear, and the next
    day's raise again, what a redesign broke."""
    history = History(runs)
    articles = row.get("articles") or 0
    out = set(HISTORY_CHECKS) if windowed else set()
    if articles < MIN_COUNT:
        out |= {"not_articles", "access", *(f"missing_{name}" for name in FIELDS)}
    else:
        for name in FIELDS:
            check = f"missing_{name}"
            lacking = (row.get("missing") or {}).get(name)
            past = history.rows(check, lambda r: r.get("articles") is not None and r.get("missing") is not None)
            if lacking is None or _still_high(lacking, articles, sum((r["missing"] or {}).get(name) or 0 for r in past),
                                              sum(r["articles"] for r in past)):
                out.add(check)
        bad = row.get("not_articles")
        past = history.rows("not_articles", lambda r: r.get("not_articles") is not None and r.get("articles") is not None)
        if bad is None or _still_high(bad, bad + articles, sum(r["not_articles"] for r in past),
                                      sum(r["not_articles"] + r["articles"] for r in past)):
            out.add("not_articles")
        states = row.get("access") or {}
        past = history.rows("access", lambda r: r.get("access") is not None)
        past_total = sum(sum(r["access"].values()) for r in past)
        if not states or any(_still_high(n, sum(states.values()), sum(r["access"].get(state) or 0 for r in past),
                                         past_total) for state, n in states.items() if state not in OPEN_ACCESS):
            out.add("access")
    if _bodies(row) < BODY_SAMPLE:
        out.add("body_length")
    if (row.get("requested") or 0) < LOGIN_MIN:
        out.add("login_redirects")
    if not any((c or {}).get("requests") for c in (row.get("discovery") or {}).values()):
        out.add("discovery")
    return out


def _still_high(count: int, total: int, past_count: int, past_total: int) -> bool:
    """A rate still MIN_RISE above the history's pooled rate, significant or not."""
    return bool(total) and count / total - (past_count / past_total if past_total else 0.0) >= MIN_RISE


class History:
    def __init__(self, runs: list[Run]):
        self.runs = runs[:HISTORY_SCAN]

    def rows(self, check: str, usable: Callable[[dict], bool] = lambda row: True) -> list[dict]:
        """The last HISTORY_RUNS rows the check did not flag and can read."""
        return [r.row for r in self.runs if check not in r.flagged and usable(r.row)][:HISTORY_RUNS]


# -- absolute checks ---------------------------------------------------------------------------------------

def discovery(site: str, row: dict, history: History) -> Finding | None:
    """A feed, listing, sitemap or home page that failed on every request (4xx/5xx, no answer, unreadable),
    when nothing else was read either, or when it was read in a recent run. A source failing in every run
    this data directory knows (Inakoran's mirror announces a comments feed it does not serve) is no news,
    and one page of a listing failing (its end, one dead section) is not the source failing."""
    sources = row.get("discovery") or {}
    failing = {s: c for s, c in sources.items() if (c.get("requests") or 0) and not _usable(c) and _bad(c)}
    if not failing:
        return None
    asked = [s for s, c in sources.items() if c.get("requests")]
    past = history.rows("discovery", lambda r: r.get("discovery") is not None)
    read_before = {s: sum(_usable((r["discovery"] or {}).get(s) or {}) > 0 for r in past) for s in failing}
    if set(failing) == set(asked):
        shown, tail = sorted(failing), "; nothing was discovered from any source"
    else:
        shown, tail = sorted(s for s in failing if read_before[s]), ""
    if not shown:
        return None
    parts = [f"{s} failed on {_bad(failing[s]):,} of {failing[s]['requests']:,} requests"
             + (f" (read in {read_before[s]} of the last {len(past)} runs)" if past else "") for s in shown]
    return Finding(site, "discovery", f"{site}: " + "; ".join(parts) + tail,
                   value=sum(_bad(failing[s]) for s in shown))


def nothing_discovered(site: str, row: dict, history: History) -> Finding | None:
    """No article URL discovered at all (held ones count as discovered): from the first run on."""
    if row.get("discovered") != 0 or row.get("articles"):
        return None
    past = [r["discovered"] for r in history.rows("no_articles", lambda r: r.get("discovered") is not None)]
    if past and median(past) < 1:
        return None  # the site's discovery never finds anything here: seeded crawls
    usual = f", {_n(median(past))} per run (median) in the last {_runs(past)}" if past else ""
    return Finding(site, "no_articles", f"{site}: no articles: no article URL discovered{usual}", 0,
                   median(past) if past else None)


def login(site: str, row: dict, history: History) -> Finding | None:
    redirected = row.get("login_redirects") or 0
    total = row.get("requested") or (row.get("articles") or 0) + (row.get("not_articles") or 0) + redirected
    if redirected < LOGIN_MIN or not total:
        return None
    what = f"{site}: {redirected:,} of {total:,} article requests redirected to a login or consent page"
    past = history.rows("login_redirects", lambda r: r.get("login_redirects") is not None)
    if len(past) < MIN_HISTORY:
        if redirected / total < LOGIN_SHARE:
            return None
        return Finding(site, "login_redirects", what, redirected / total)
    before = sum(r["login_redirects"] for r in past)
    asked = sum(r.get("requested") or (r.get("articles") or 0) + (r.get("not_articles") or 0) + r["login_redirects"]
                for r in past)
    if not rate_rose(redirected, total, before, asked):
        return None
    return Finding(site, "login_redirects", f"{what}, {before:,} of {asked:,} in the last {_runs(past)}",
                   redirected / total, before / asked)


# -- checks against history --------------------------------------------------------------------------------

def few_articles(site: str, row: dict, history: History) -> Finding | None:
    """Articles far below the median, unless the crawl's budget or window, or articles already held, explain
    the shortfall (an incremental crawl of a quiet hour fetches little, and discovers as much as ever)."""
    articles = row.get("articles")
    if articles is None or row.get("discovered") == 0:
        return None  # nothing discovered: nothing_discovered says so
    check = "no_articles" if articles == 0 else "few_articles"
    past = [r["articles"] for r in history.rows(check, lambda r: r.get("articles") is not None)]
    if len(past) < MIN_HISTORY or median(past) < FEW_MEDIAN or articles >= FEW_FACTOR * median(past):
        return None
    skipped = row.get("skipped") or {}
    if articles + sum(skipped.get(k) or 0 for k in ("held", "budget", "window")) >= FEW_FACTOR * median(past):
        return None
    found = "no articles" if articles == 0 else f"{articles:,} articles"
    discovered = f" ({row['discovered']:,} article URLs discovered)" if row.get("discovered") is not None else ""
    return Finding(site, check, f"{site}: {found}{discovered}, {_n(median(past))} per run (median) in the last "
                                f"{_runs(past)}", articles, median(past))


def few_discovered(site: str, row: dict, history: History) -> Finding | None:
    """Article URLs discovered far below the median: listings that no longer yield links."""
    discovered = row.get("discovered")
    if not discovered:  # None: not counted; 0: nothing_discovered
        return None
    past = [r["discovered"] for r in history.rows("few_discovered", lambda r: r.get("discovered") is not None)]
    if len(past) < MIN_HISTORY or median(past) < FEW_MEDIAN or discovered >= FEW_FACTOR * median(past):
        return None
    return Finding(site, "few_discovered", f"{site}: {discovered:,} article URLs discovered, {_n(median(past))} "
                                           f"per run (median) in the last {_runs(past)}", discovered, median(past))


def not_articles(site: str, row: dict, history: History) -> Finding | None:
    bad, good = row.get("not_articles"), row.get("articles")
    if bad is None or good is None:
        return None
    past = history.rows("not_articles", lambda r: r.get("not_articles") is not None and r.get("articles") is not None)
    before, total = sum(r["not_articles"] for r in past), sum(r["not_articles"] + r["articles"] for r in past)
    if len(past) < MIN_HISTORY or not rate_rose(bad, bad + good, before, total):
        return None
    return Finding(site, "not_articles", f"{site}: {bad:,} of {bad + good:,} promised article URLs parsed as not "
                                         f"an article, {before:,} of {total:,} in the last {_runs(past)}",
                   bad / (bad + good), before / total)


def missing(site: str, row: dict, history: History, name: str) -> Finding | None:
    articles, lacking = row.get("articles"), (row.get("missing") or {}).get(name)
    if not articles or lacking is None:
        return None
    check = f"missing_{name}"
    past = history.rows(check, lambda r: r.get("articles") is not None and r.get("missing") is not None)
    before, total = sum((r["missing"] or {}).get(name) or 0 for r in past), sum(r["articles"] for r in past)
    if len(past) < MIN_HISTORY or not rate_rose(lacking, articles, before, total):
        return None
    return Finding(site, check, f"{site}: {name} missing on {lacking:,} of {articles:,} articles, {before:,} of "
                                f"{total:,} in the last {_runs(past)}", lacking / articles, before / total)


def body_length(site: str, row: dict, history: History) -> Finding | None:
    body = row.get("body_median")
    if not body or _bodies(row) < BODY_SAMPLE:
        return None
    past = [r["body_median"] for r in history.rows("body_length",
                                                    lambda r: bool(r.get("body_median")) and _bodies(r) >= BODY_SAMPLE)]
    if len(past) < MIN_HISTORY:
        return None
    usual = median(past)
    if usual / BODY_FACTOR <= body <= usual * BODY_FACTOR:
        return None
    return Finding(site, "body_length", f"{site}: median body length {body:,} over {_bodies(row):,} articles, "
                                        f"{_n(usual)} (median) in the last {_runs(past)}", body, usual)


def access(site: str, row: dict, history: History) -> Finding | None:
    """A rise of a closed access state (gated, expired, ...): a paywall or login wall going up."""
    states = row.get("access") or {}
    total = sum(states.values())
    past = history.rows("access", lambda r: r.get("access") is not None)
    past_total = sum(sum(r["access"].values()) for r in past)
    if not total or len(past) < MIN_HISTORY:
        return None
    rose = []
    for state in sorted(s for s in states if s not in OPEN_ACCESS):
        before = sum(r["access"].get(state) or 0 for r in past)
        if rate_rose(states[state], total, before, past_total):
            rose.append((state, before))
    if not rose:
        return None
    parts = [f"{states[s]:,} of {total:,} articles {s or 'of unknown access'}, {before:,} of {past_total:,}"
             for s, before in rose]
    share = sum(states[s] for s, _ in rose) / total
    return Finding(site, "access", f"{site}: " + "; ".join(parts) + f" in the last {_runs(past)}", share,
                   sum(b for _, b in rose) / past_total)


# -- statistics --------------------------------------------------------------------------------------------

def rate_rose(count: int, total: int, past_count: int, past_total: int) -> bool:
    """Whether `count` of `total` is a real rise over the history's pooled `past_count` of `past_total`: at least
    MIN_COUNT cases, MIN_RISE above the pooled rate, and unlikely (ALPHA) under it. The pooled rate is taken
    with add-one smoothing, so that 0 of 60 before does not make one case now impossible."""
    if count < MIN_COUNT or not total or past_total < MIN_COUNT:
        return False
    if count / total - past_count / past_total < MIN_RISE:
        return False
    return binomial_tail(count, total, (past_count + 1) / (past_total + 2)) < ALPHA


def binomial_tail(k: int, n: int, p: float) -> float:
    """P(X >= k) for X ~ Binomial(n, p), summed in log space (n in the thousands is fine)."""
    if k <= 0:
        return 1.0
    if k > n:
        return 0.0
    log_p, log_q = math.log(p), math.log1p(-p)
    terms = [math.lgamma(n + 1) - math.lgamma(i + 1) - math.lgamma(n - i + 1) + i * log_p + (n - i) * log_q
             for i in range(k, n + 1)]
    top = max(terms)
    return min(1.0, math.exp(top) * sum(math.exp(t - top) for t in terms))


def _usable(counts: dict) -> int:
    """Answers that gave something to read: 200s that were not unparseable (the ledger counts an unreadable or
    empty 200 in both `ok` and `unparseable`), and 304s (read before, unchanged)."""
    return max(0, (counts.get("ok") or 0) - (counts.get("unparseable") or 0)) + (counts.get("not_modified") or 0)


def _bad(counts: dict) -> int:
    return (counts.get("http_errors") or 0) + (counts.get("failed") or 0) + (counts.get("unparseable") or 0)


def _bodies(row: dict) -> int:
    return (row.get("articles") or 0) - ((row.get("missing") or {}).get("body") or 0)


def _runs(past: list) -> str:
    return "run" if len(past) == 1 else f"{len(past)} runs"


def _n(value: float) -> str:
    return f"{value:,.0f}" if float(value).is_integer() else f"{value:,.1f}"
