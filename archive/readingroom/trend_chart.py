"""The trend page's two charts, as geometry for an SVG drawn by the template (newsarchive_trend.html): each
site's share of its own articles that match (lines, one point per period the site published in) and the
matching articles (bars, one per period and site), on one time axis.

Drawn on the server: no script to vendor or load, the chart is in the page as sent (readable without
JavaScript, in a saved page and by a test), and it holds a few hundred shapes at most. Every point and bar
links to the search for its period and site and carries its numbers as a tooltip (a hover label and an SVG
title)."""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Callable

from markupsafe import Markup, escape

from archive.trend import Period, Trend

WIDTH, HEIGHT = 960, 300
LEFT, RIGHT, TOP, BOTTOM = 64, 16, 16, 44
COLOURS = ("#1f6fb4", "#d95f02", "#6a51a3", "#1b9e77")  # blue and orange first: told apart with colour blindness
MARKERS = ("circle", "square", "diamond", "triangle")
X_LABELS = 8  # at most this many period labels under the axis
DENSE = 160  # more periods than this: small points without a link, tooltip or hover label each (three years by
# day would be 3.3 MB of page and ~0.1 s to write); the table beneath links and counts every period
TIP_CHAR = 6.0  # px per character of the 12px sans-serif hover label (Chromium drew 5.6 on average)


@dataclass
class Mark:
    x: float
    y: float
    width: float
    height: float
    tip: str  # what the point or bar says on hover
    href: str
    tip_x: float = 0  # the hover label's box: above the mark, kept inside the plot
    tip_y: float = 0
    tip_width: float = 0

    def __post_init__(self):
        self.tip_width = round(TIP_CHAR * len(self.tip) + 16)
        centre = self.x + self.width / 2
        self.tip_x = round(min(max(centre - self.tip_width / 2, LEFT), WIDTH - RIGHT - self.tip_width), 1)
        self.tip_y = round(max(self.y - 34, TOP), 1)


@dataclass
class Series:
    site: str
    colour: str
    marker: str
    marks: list[Mark] = field(default_factory=list)
    line: str = ""  # SVG path of the line through the points; a gap where the site published nothing


@dataclass
class Chart:
    kind: str  # "share" (lines) or "matches" (bars)
    title: str
    y_ticks: list[tuple[float, str]]
    x_ticks: list[tuple[float, str]]
    series: list[Series]
    dense: bool = False  # too many periods to point at one: marks without link, tooltip or hover label
    width: int = WIDTH
    height: int = HEIGHT
    left: int = LEFT
    top: int = TOP
    right: int = WIDTH - RIGHT
    bottom: int = HEIGHT - BOTTOM

    def marks_svg(self, series: Series) -> Markup:
        """A series' marks as SVG: written here rather than in the template, where Datasette's async Jinja spent
        ~80 ms a page on them (three years by week: 1,248 marks)."""
        size = 2 if self.dense else 4
        outline = "" if self.dense else ' stroke="#fff"'
        parts = []
        for mark in series.marks:
            tip = escape(mark.tip)
            if self.kind == "share" and series.marker == "square":
                shape = (f'<rect class="point" x="{mark.x - size}" y="{mark.y - size}" width="{2 * size}" '
                         f'height="{2 * size}"{outline}/>')
            elif self.kind == "share":
                shape = f'<circle class="point" cx="{mark.x}" cy="{mark.y}" r="{size + 0.5}"{outline}/>'
            else:
                shape = (f'<rect class="bar" x="{mark.x}" y="{mark.y}" width="{mark.width}" height="{mark.height}" '
                         'stroke="none"/>')
            label = "" if self.dense else (
                f'<g class="tip" stroke="none"><rect x="{mark.tip_x}" y="{mark.tip_y}" width="{mark.tip_width}" '
                f'height="22" rx="3"/>\n<text x="{mark.tip_x + mark.tip_width / 2}" y="{mark.tip_y + 15}" '
                f'text-anchor="middle">{tip}</text></g>')
            if self.dense:
                parts.append(shape)
                continue
            parts.append(f'<a class="mark" href="{escape(mark.href)}" tabindex="0">\n<title>{tip}</title>\n{shape}\n'
                         f'{label}\n</a>')
        return Markup("\n".join(parts))


def charts(result: Trend, link: Callable[[Period, str], str]) -> list[Chart]:
    """The share chart and the matches chart of `result`; `link(period, site)` is a mark's search URL."""
    if not result.periods:
        return []
    shares = [p.share(s) for p in result.periods for s in result.sites]
    top_share = _nice_top(max((v for v in shares if v is not None), default=0) * 100, percent=True)
    top_count = _nice_top(max((p.matches[s] for p in result.periods for s in result.sites), default=0))
    dense = len(result.periods) > DENSE
    if dense:  # marks too small to point at: no link or tooltip each (the table beneath has them)
        link = lambda period, site: ""  # noqa: E731
    drawn = [_share_chart(result, link, top_share, dense), _matches_chart(result, link, top_count, dense)]
    for chart in drawn:
        chart.dense = dense
    return drawn


def tip(result: Trend, period: Period, site: str) -> str:
    share = period.share(site)
    days = period.label if period.start == period.end or result.by == "day" else \
        f"{period.label} ({period.start.isoformat()} to {period.end.isoformat()})"
    part = f"{100 * share:.1f}% of " if share is not None else ""
    return f"{site}, {days}: {period.matches[site]:,} matching, {part}{period.totals[site]:,} published"


def _share_chart(result: Trend, link, top: float, dense: bool = False) -> Chart:
    plot_w, plot_h = WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM
    step = plot_w / len(result.periods)
    series = []
    for n, site in enumerate(result.sites):
        one = Series(site=site, colour=COLOURS[n % len(COLOURS)], marker=MARKERS[n % len(MARKERS)])
        path, pen_down = [], False
        for i, period in enumerate(result.periods):
            share = period.share(site)
            if share is None:
                pen_down = False
                continue
            x = LEFT + step * (i + 0.5)
            y = TOP + plot_h * (1 - 100 * share / top)
            path.append(f"{'L' if pen_down else 'M'}{x:.1f},{y:.1f}")
            pen_down = True
            one.marks.append(Mark(x=round(x, 1), y=round(y, 1), width=0, height=0,
                                  tip="" if dense else tip(result, period, site), href=link(period, site)))
        one.line = " ".join(path)
        series.append(one)
    return Chart(kind="share", title="Share of each site's articles that match (%)",
                 y_ticks=_y_ticks(top, plot_h, percent=True), x_ticks=_x_ticks(result, step), series=series)


def _matches_chart(result: Trend, link, top: float, dense: bool = False) -> Chart:
    plot_w, plot_h = WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM
    step = plot_w / len(result.periods)
    bar = step * 0.8 / len(result.sites)
    series = []
    for n, site in enumerate(result.sites):
        one = Series(site=site, colour=COLOURS[n % len(COLOURS)], marker=MARKERS[n % len(MARKERS)])
        for i, period in enumerate(result.periods):
            height = plot_h * period.matches[site] / top
            one.marks.append(Mark(x=round(LEFT + step * (i + 0.1) + bar * n, 2), y=round(TOP + plot_h - height, 2),
                                  width=round(max(bar, 0.5), 2), height=round(height, 2),
                                  tip="" if dense else tip(result, period, site), href=link(period, site)))
        series.append(one)
    return Chart(kind="matches", title="Matching articles", y_ticks=_y_ticks(top, plot_h),
                 x_ticks=_x_ticks(result, step), series=series)


def _nice_top(value: float, percent: bool = False) -> float:
    """The axis maximum: four steps of a short size (1, 2, 2.5 or 5 times a power of ten; for a count a whole
    number: 1, 2, 3, 4, 5, 6 or 8 times one), at least `value`; a share axis stops at 100%."""
    if value <= 0:
        return 1.0 if percent else 4.0
    power = 10 ** math.floor(math.log10(value / 4))
    if percent:
        step = next(m * power for m in (1, 2, 2.5, 5, 10) if m * power >= value / 4 - 1e-9)
        return min(round(4 * step, 10), 100.0)
    step = next(max(1, m * power) for m in (1, 2, 3, 4, 5, 6, 8, 10) if max(1, m * power) >= value / 4 - 1e-9)
    return 4 * step


def _y_ticks(top: float, plot_h: float, percent: bool = False) -> list[tuple[float, str]]:
    return [(round(TOP + plot_h * (1 - i / 4), 1), f"{top * i / 4:g}%" if percent else f"{top * i / 4:,.0f}")
            for i in range(5)]


def _x_ticks(result: Trend, step: float) -> list[tuple[float, str]]:
    every = max(1, math.ceil(len(result.periods) / X_LABELS))
    return [(round(LEFT + step * (i + 0.5), 1), period.label)
            for i, period in enumerate(result.periods) if i % every == 0]
