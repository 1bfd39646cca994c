"""The mirror's content model: a deterministic catalogue of stories per site, and their ground truth.

Story `i` of a site is drawn from `random.Random(f"{seed}:{site}:{i}")` alone, so it is the same
whatever the catalogue size (its id may only differ if an earlier story took the id it wanted; ids are
claimed in index order, so that too depends on stories 0..i-1 only). Cheap metadata (time, id, kind,
section, title, path) is drawn at construction; paragraphs, photos and captions are drawn lazily from a
second stream `f"{seed}:{site}:{i}:text"` the first time a page or the truth needs them.

Times: `now` is the mirror clock. Catalogue stories are published 11 minutes to ~120 days before it,
denser towards the present (age = 120 days * u**2); stories added later by `add_articles` are 1-9
minutes old. Every published/modified time is strictly before `now`.
"""

from __future__ import annotations

import random
import threading
from dataclasses import dataclass, field
from datetime import timezone, datetime, timedelta

from mirror import clock, textgen as tg
from mirror.timefmt import BULAN, DAY, JST, WIB, ap_date, iso

SPAN_MINUTES = 120 * DAY
EDIT_ROOM = timedelta(minutes=10)  # base content ends 10 minutes before `now`; edits/additions live after

KYODO_SECTIONS = {
    "japan": "Japan", "world": "World", "travel-tourism": "Travel/Tourism", "asian-games": "Asian Games",
    "sumo": "Sumo", "feature": "Feature", "arts": "Arts", "podcast": "Podcast",
}
KYODO_PARTNERS = {
    "kyodo_news": "KYODO NEWS", "apnews": "AP News", "reuters": "Reuters", "yonhap": "Yonhap",
    "animate": "Animate Times", "spotlightjapan": "Spotlight Japan",
}
INA_SECTIONS = {
    "nasional": "Nasional", "internasional": "Internasional", "ekonomi": "Ekonomi", "budaya": "Budaya",
    "olahraga": "Olahraga", "gaya-hidup": "Gaya Hidup",
}
# Kyodo's asset origin as the templates write it; the server maps it to the mirror's CDN stand-in (module assets)
KYODO_CDN = "https://english-kyodo.ismcdn.jp"

# Kyodo showcase: the first stories of every catalogue cover each variant, so small mirrors have all.
# (age in minutes, kind)
_KYODO_SHOWCASE = [(120, "kyodo"), (300, "ap"), (3 * DAY, "kyodo"), (100 * DAY, "kyodo"), (40, "breaking"),
                   (110 * DAY, "kyodo"), (6 * DAY, "podcast"), (20 * 60, "kyodo"), (95 * DAY, "podcast"),
                   (2 * DAY, "spotlight")]
CONTRIBUTOR_NOTE = "This article was submitted by a contributing writer for publication on Japan Wire."
_INA_SHOWCASE = [(180, "a"), (300, "b"), (2 * DAY, "a"), (9 * DAY, "b")]


@dataclass
class Photo:
    src: str  # Kyodo: absolute on KYODO_CDN (served by the mirror's CDN stand-in); Inakoran: site-relative
    caption: str | None  # reader caption without the credit
    credit: str | None
    printed: str  # the caption as printed, credit included

    def truth(self, base: str = "") -> dict:
        src = self.src if self.src.startswith("http") else base + self.src
        return {"src": src, "caption": self.caption, "credit": self.credit}


@dataclass
class Story:
    site: str
    index: int
    seed: int
    id: int
    published: datetime
    modified: datetime
    kind: str  # kyodo | ap | breaking | podcast | spotlight  (Kyodo);  a | b  (Inakoran template)
    sections: list[str]
    base_title: str
    path: str = ""
    slug: str = ""
    authors: list[str] = field(default_factory=list)
    credit: str | None = None
    partner: str = ""
    title_br: bool = False
    flags: dict = field(default_factory=dict)
    edits: int = 0
    _text: dict | None = None

    # --- derived ---
    @property
    def title(self) -> str:
        if not self.edits:
            return self.base_title
        if self.site == "kyodo":
            return f"UPDATE{self.edits}: {self.base_title}"
        return f"{self.base_title} (Update {self.edits})" if self.edits > 1 else f"{self.base_title} (Update)"

    def text(self) -> dict:
        if self._text is None:
            self._text = (_kyodo_text if self.site == "kyodo" else _ina_text)(self)
        return self._text

    @property
    def paragraphs(self) -> list[str]:
        """All paragraphs of the story (dateline excluded), edits applied."""
        text = self.text()
        paras = list(text["paragraphs"])
        if self.kind == "breaking":
            return [self.title.strip()]
        for n in range(1, self.edits + 1):
            rng = random.Random(f"{self.seed}:{self.site}:{self.index}:edit:{n}")
            if self.site == "kyodo":
                paras[0] += " " + tg.lead_en(rng)
                paras.append(f"This story was updated with further details. (Revision {n})")
            else:
                paras[0] += " " + tg.paragraphs_id(rng, 1)[0]
                paras.append(f"Berita ini telah diperbarui dengan informasi tambahan. (Revisi {n})")
        return paras

    def age(self, now: datetime) -> timedelta:
        return now - self.published

    def access(self, now: datetime) -> str:
        if self.site != "kyodo" or self.kind in ("ap", "breaking", "spotlight"):
            return "open"
        days = self.age(now) / timedelta(days=1)
        return "full" if days < 1 else "gated" if days <= 90 else "expired"

    @property
    def photo(self) -> Photo | None:
        return self.text()["photo"]

    @property
    def body_photo(self) -> Photo | None:
        return self.text()["body_photo"]

    @property
    def dateline(self) -> str | None:
        return self.text()["dateline"]

    def category_names(self) -> list[str]:
        names = KYODO_SECTIONS if self.site == "kyodo" else INA_SECTIONS
        return [names[s] for s in self.sections] + (["Spotlight"] if self.kind == "spotlight" else [])


# --- Kyodo --------------------------------------------------------------------------------------------

def _kyodo_story(seed: int, now: datetime, index: int, fresh_rank: int | None, at: datetime | None = None) -> Story:
    rng = random.Random(f"{seed}:kyodo:{index}")
    if at is not None:  # published by the moving clock (module clock): `now` is the catalogue's origin
        minutes, r = int((now - at).total_seconds() // 60), rng.random()
        kind = ("ap" if r < 0.14 else "podcast" if r < 0.17 else "breaking" if r < 0.21
                else "spotlight" if r >= 0.98 else "kyodo")
    elif fresh_rank is not None:
        minutes, kind = 9 - fresh_rank % 9, ("ap" if rng.random() < 0.2 else "kyodo")
    elif index < len(_KYODO_SHOWCASE):
        minutes, kind = _KYODO_SHOWCASE[index]
        minutes += rng.randint(0, 50)
    else:
        minutes = 11 + int(SPAN_MINUTES * rng.random() ** 2)
        r = rng.random()
        kind = ("ap" if r < 0.14 else "podcast" if r < 0.18 else "breaking" if minutes < DAY and r < 0.3
                else "spotlight" if r >= 0.97 else "kyodo")
    published = (now - timedelta(minutes=minutes)).replace(second=0, microsecond=0)
    if kind == "breaking":
        published += timedelta(seconds=rng.randint(1, 40))
        modified = published + timedelta(seconds=rng.randint(5, 30))
    elif rng.random() < 0.5:
        modified = published
    else:
        modified = published + timedelta(minutes=rng.randint(1, 300), seconds=rng.randint(0, 59))
    limit = now - (timedelta(seconds=30) if fresh_rank is not None else EDIT_ROOM)
    modified = max(published, min(modified, limit))

    if kind == "ap":
        sections = ["world"] + (["japan"] if rng.random() < 0.2 else [])
    elif kind == "podcast":
        sections = ["podcast"]
    elif kind == "breaking":
        sections = []
    elif kind == "spotlight":
        sections = [rng.choice(["japan", "travel-tourism", "feature"])]
    else:
        sections = [rng.choices(list(KYODO_SECTIONS)[:7], weights=[35, 25, 8, 6, 8, 10, 8])[0]]
        if rng.random() < 0.15:
            sections.append("world" if sections[0] == "japan" else "japan")
    head = tg.headline_en(rng)
    head = head[0].upper() + head[1:]
    prefix = ""
    if kind == "breaking":
        prefix = "BREAKING NEWS: "
    elif kind == "podcast":
        prefix = f"Podcast [English World] Episode {100 + index % 400}: "
    elif sections[0] == "sumo":
        prefix = "Sumo: "
    elif sections[0] == "asian-games":
        prefix = "Asian Games: "
    elif sections[0] == "feature":
        prefix = "FEATURE: "
    elif rng.random() < 0.15 or index == 7:
        prefix = rng.choice(["FOCUS: ", "FOCUS: ", "ASIA WATCH: ", "JAPAN BIZ: "])
    title = prefix + head + (" " if rng.random() < 0.07 else "")
    authors: list[str] = []
    if kind == "ap":
        authors = tg.people_ap(rng, rng.choice([1, 2, 2, 3]))
    elif kind == "kyodo" and (rng.random() < 0.35 or index == 0):
        authors = [tg.person_jp(rng)]
    elif kind == "spotlight" and rng.random() < 0.4:
        authors = tg.people_ap(rng, 1)
    partner = {"ap": "apnews", "spotlight": "spotlightjapan"}.get(kind, "kyodo_news")
    story = Story(site="kyodo", index=index, seed=seed, id=0, published=published, modified=modified, kind=kind,
                  sections=sections, base_title=title, authors=authors, credit=KYODO_PARTNERS[partner],
                  partner=partner, title_br=(kind == "podcast" and rng.random() < 0.5) or rng.random() < 0.03
                  or index == 7)
    # ids grow with time but are drawn at "draft creation": up to ~13 hours out of order
    story.flags["preferred_id"] = 60000 + (SPAN_MINUTES + 5 * DAY - minutes) // 2 + rng.randint(-400, 100)
    story.flags["blur_empty"] = index == 5 or (index >= len(_KYODO_SHOWCASE) and rng.random() < 0.3)
    return story


def _kyodo_text(story: Story) -> dict:
    rng = random.Random(f"{story.seed}:kyodo:{story.index}:text")
    kind = story.kind
    count = {"kyodo": rng.randint(4, 12), "ap": rng.randint(5, 12), "podcast": rng.randint(2, 4),
             "spotlight": rng.randint(4, 9)}.get(kind, 1)
    paragraphs = [tg.lead_en(rng)] + tg.paragraphs_en(rng, count - 1)
    dateline = None
    if kind == "kyodo":
        dateline = rng.choice(tg.KYODO_DATELINES)
    elif kind == "spotlight":  # printed "TOKYO, Japan Wire - "; features start without one
        dateline = "TOKYO" if story.sections != ["feature"] else None
        paragraphs.append(CONTRIBUTOR_NOTE)
    elif kind == "ap":
        dateline = rng.choice(tg.AP_DATELINES)
    photo = body_photo = None
    when = ap_date(story.published - timedelta(days=rng.randint(0, 2)))
    if kind in ("kyodo", "spotlight") and (rng.random() < 0.85 or story.index in (0, 2, 3)):
        h = tg.hexdigest(rng, 38)
        caption = tg.caption_en(rng, when)
        credit = rng.choices(["Kyodo", "Getty/Kyodo", "Photo courtesy of the city government", "Reuters/Kyodo"],
                             weights=[60, 15, 10, 15])[0] if kind == "kyodo" else "Japan Wire"
        extra = "(Photo not for sale)(Photo not for use outside of Japan)" if rng.random() < 0.08 else ""
        printed = f"{caption}{' ' + extra if extra else ''} ({credit})"
        photo = Photo(f"{KYODO_CDN}/mwimgs/{h[0]}/{h[1]}/635m/img_{h}.jpg",
                      f"{caption} {extra}".strip(), credit, printed)
    if kind == "ap" and (rng.random() < 0.7 or story.index == 1):
        h = tg.hexdigest(rng, 38)
        credit = f"AP Photo/{rng.choice(tg.PHOTOGRAPHERS)}" + (", File" if rng.random() < 0.5 else "")
        caption = ("FILE - " if credit.endswith("File") else "") + tg.caption_en(rng, when)
        body_photo = Photo(f"{KYODO_CDN}/mwimgs/{h[0]}/{h[1]}/635mw/img_{h}.jpg", caption, credit,
                           f"{caption} ({credit})")
    return {"paragraphs": paragraphs, "dateline": dateline, "photo": photo, "body_photo": body_photo,
            "body_photo_after": 0 if rng.random() < 0.7 else 2, "podcast_no": 100 + story.index % 400}


def kyodo_visible(story: Story, now: datetime) -> list[str]:
    """The paragraphs a reader without an account sees (dateline excluded)."""
    paras = story.paragraphs
    state = story.access(now)
    if state == "gated":
        return paras[:2]
    if state == "expired":
        return [] if story.flags.get("blur_empty") else paras[:1]
    return paras


def kyodo_truth(story: Story, now: datetime, base: str) -> dict:
    visible = kyodo_visible(story, now)
    images = [p.truth() for p in (story.photo, story.body_photo) if p is not None]
    return {
        "url": base + story.path, "site": "kyodo", "title": story.title.strip(), "authors": list(story.authors),
        "credit": story.credit, "published": iso(story.published.astimezone(JST)),
        "modified": iso(story.modified.astimezone(JST)), "categories": story.category_names(),
        "dateline": story.dateline if visible else None, "lead": visible[0] if visible else None,
        "body": "\n\n".join(visible) if visible else None, "images": images, "access": story.access(now),
    }


# --- Inakoran -----------------------------------------------------------------------------------------

def _ina_story(seed: int, now: datetime, index: int, fresh_rank: int | None, at: datetime | None = None) -> Story:
    rng = random.Random(f"{seed}:inakoran:{index}")
    if at is not None:  # published by the moving clock: `now` is the catalogue's origin
        minutes, template = int((now - at).total_seconds() // 60), rng.choice("ab")
    elif fresh_rank is not None:
        minutes, template = 9 - fresh_rank % 9, rng.choice("ab")
    elif index < len(_INA_SHOWCASE):
        minutes, template = _INA_SHOWCASE[index]
        minutes += rng.randint(0, 50)
    else:
        minutes, template = 11 + int(SPAN_MINUTES * rng.random() ** 2), rng.choice("ab")
    published = (now - timedelta(minutes=minutes)).replace(second=0, microsecond=0)
    modified = published
    if rng.random() < 0.5:
        modified = published + timedelta(minutes=rng.randint(1, 600), seconds=rng.randint(0, 59))
    limit = now - (timedelta(seconds=30) if fresh_rank is not None else EDIT_ROOM)
    modified = max(published, min(modified, limit))
    section = rng.choices(list(INA_SECTIONS), weights=[30, 25, 20, 12, 6, 7])[0]
    title = tg.headline_id(rng)
    story = Story(site="inakoran", index=index, seed=seed, id=0, published=published, modified=modified,
                  kind=template, sections=[section], base_title=title, authors=[rng.choice(tg.INA_AUTHORS)],
                  credit=None)
    story.slug = tg.slugify(title)
    story.flags["preferred_id"] = 40000 + (SPAN_MINUTES + 5 * DAY - minutes) // 3 + rng.randint(-20, 20)
    story.flags["hari"] = rng.random() < 0.4 or index == 2
    return story


def _ina_text(story: Story) -> dict:
    rng = random.Random(f"{story.seed}:inakoran:{story.index}:text")
    paragraphs = tg.paragraphs_id(rng, rng.randint(4, 10))
    local = story.published.astimezone(WIB)
    when = f"{local.day} {BULAN[local.month - 1]} {local.year}"
    photo = body_photo = None
    if rng.random() < 0.9 or story.index < 4:
        epoch = int(story.published.timestamp()) - rng.randint(60, 3000)
        folder = datetime.fromtimestamp(epoch, WIB).strftime("%Y/%m/%d")
        caption = tg.caption_id(rng, when)
        photo = Photo(f"/uploads/{folder}/{epoch}-p{tg.hexdigest(rng, 32)}_800.jpg", caption, "ist",
                      f"{caption} [ist]")
    if rng.random() < 0.5 or story.index in (2, 3):
        if rng.random() < 0.25:
            name = f"FOTO%20KEGIATAN%20{rng.randint(1, 99)}.jpg"
        else:
            name = f"IMG{local:%Y%m%d}{rng.randint(7, 22):02d}{rng.randint(0, 59):02d}{rng.randint(0, 59):02d}.jpg"
        caption = tg.caption_id(rng, when)
        body_photo = Photo(f"/ina/userfiles/images/{name}", caption, "ist", f"{caption} [ist]")
    return {"paragraphs": paragraphs, "dateline": rng.choice(tg.INA_CITIES), "photo": photo,
            "body_photo": body_photo, "body_photo_after": rng.randint(1, max(1, len(paragraphs) - 2))}


def ina_truth(story: Story, now: datetime, base: str) -> dict:
    paras = story.paragraphs
    images = [p.truth(base) for p in (story.photo, story.body_photo) if p is not None]
    return {
        "url": base + story.path, "site": "inakoran", "title": story.title.strip(), "authors": list(story.authors),
        "credit": None, "published": iso(story.published.astimezone(WIB)),
        "modified": iso(story.modified.astimezone(WIB)) if story.kind == "b" else None,
        "categories": story.category_names(), "dateline": story.dateline, "lead": paras[0],
        "body": "\n\n".join(paras), "images": images, "access": "open",
    }


# --- catalogue ----------------------------------------------------------------------------------------

class Catalogue:
    """All stories of one site, with lookups by path and newest-first orderings (cached)."""

    def __init__(self, site: str, seed: int, now: datetime, count: int):
        self.site, self.seed, self.now = site, seed, now
        self.origin = now  # stories are drawn relative to it; the clock (set_now) publishes more after it
        self.stories: list[Story] = []
        self.by_path: dict[str, Story] = {}
        self.by_id: dict[int, Story] = {}
        self.base_count = count
        self.mutations = 0
        self.lock = threading.RLock()
        self._sorted: dict[str, list[Story]] = {}
        self._add(count, fresh=False)

    def _add(self, n: int, fresh: bool, times: list[datetime] | None = None) -> None:
        make = _kyodo_story if self.site == "kyodo" else _ina_story
        for k in range(len(times) if times is not None else n):
            index = len(self.stories)
            if times is not None:
                story = make(self.seed, self.origin, index, None, at=times[k])
            else:
                story = make(self.seed, self.now, index, index - self.base_count if fresh else None)
            ident = story.flags["preferred_id"]
            while ident in self.by_id:
                ident += 1
            story.id = ident
            if self.site == "kyodo":
                story.path = f"/articles/-/{ident}"
            elif story.kind == "a":
                story.path = f"/read/{ident}/{story.slug}"
            else:
                path, n_dup = f"/{story.sections[0]}/{story.slug}", 1
                while path in self.by_path:
                    n_dup += 1
                    path = f"/{story.sections[0]}/{story.slug}-{n_dup}"
                story.path = path
            self.by_id[ident] = story
            self.by_path[story.path] = story
            self.stories.append(story)

    def add(self, n: int) -> None:
        with self.lock:
            self._add(n, fresh=True)
            self.mutations += 1
            self._sorted.clear()

    def set_now(self, now: datetime) -> int:
        """Move the clock forward to `now`, publishing the stories the schedule (module clock) has by then;
        returns how many. Page state that depends on age (Kyodo's gating, relative times) follows `now`."""
        if now.tzinfo is None:
            raise ValueError("now must be timezone-aware")
        with self.lock:
            if now < self.now:
                raise ValueError(f"the mirror clock only moves forward: {now.isoformat()} is before "
                                 f"{self.now.isoformat()}")
            times = clock.due(self.site, self.seed, self.now, now)
            self._add(0, fresh=False, times=times)
            self.now = now
            self._sorted.clear()
            return len(times)

    def edit(self, story: Story) -> None:
        with self.lock:
            story.edits += 1
            self.mutations += 1
            # An edit happens now, on the wall clock, after any capture a crawler already made: that is
            # what lets an incremental crawl see it changed (sitemap lastmod > its capture time).
            wall = (datetime.now(timezone.utc) + timedelta(seconds=1)).replace(microsecond=0)  # rounded up
            story.modified = max(story.modified + timedelta(seconds=1), wall)
            self._sorted.clear()

    def newest(self, key: str = "") -> list[Story]:
        """Stories newest first by published time; `key` = section slug, `partner:<slug>` or "" (all)."""
        with self.lock:
            if key not in self._sorted:
                if not key:
                    chosen = self.stories
                elif key.startswith("partner:"):
                    chosen = [s for s in self.stories if s.partner == key[8:]]
                else:
                    chosen = [s for s in self.stories if key in s.sections]
                self._sorted[key] = sorted(chosen, key=lambda s: (s.published, s.id), reverse=True)
            return self._sorted[key]

    def last_change(self) -> datetime:
        """For Last-Modified of listings: the newest time anything on the site changed."""
        latest = max((max(s.published, s.modified) for s in self.stories), default=self.now - EDIT_ROOM)
        return max(latest, self.now - EDIT_ROOM + timedelta(seconds=min(self.mutations, 590)))

    def truth(self, base: str) -> list[dict]:
        build = kyodo_truth if self.site == "kyodo" else ina_truth
        with self.lock:
            return [build(s, self.now, base) for s in self.stories]
