"""The plan of the sample web: which stories exist, who publishes and copies them, when.

``World(seed, stories)`` builds light-weight records only (titles, URLs, dates; about a
few hundred bytes per article).  Story text, article text and page layout are generated
on demand from per-story / per-article seeded RNGs and cached in small LRU caches, so
10,000 stories never sit in memory as text or HTML.
"""
from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from functools import lru_cache

from . import outlets
from . import texts
from . import vocab

UTC = timezone.utc
# Crawl times of the two nights. Day-1 articles are published before CRAWL[1], day-2 ones before CRAWL[2].
CRAWL = {1: datetime(2026, 11, 23, 5, 0, tzinfo=UTC), 2: datetime(2026, 11, 24, 5, 0, tzinfo=UTC)}
COPY_WEIGHTS = [28, 22, 16, 11, 8, 6, 4, 3, 2]   # number of copies 0..8


@dataclass(slots=True)
class StoryPlan:
    index: int
    kind: str              # normal | shared-quote | liveblog | short | fault
    origin: str            # outlet slug of the original
    day: int
    published: datetime
    partner: int = -1      # shared-quote: the story whose quotes are reused; short: standard sentence id
    label: str = ""        # liveblog day label / fault name
    late_original: bool = False
    topic: str | None = None
    place: tuple | None = None


@dataclass(slots=True)
class Article:
    aid: int
    source: str
    story: int
    path: str
    title: str
    published: datetime
    day: int
    is_original: bool
    copy_of: int | None = None
    copy_type: str | None = None
    distractor: str | None = None
    updated: datetime | None = None     # set when the text changes on day 2
    title2: str | None = None
    fault: str | None = None


def slugify(title: str, n: int = 9) -> str:
    words = re.sub(r"[^a-z0-9]+", " ", title.lower()).split()
    return "-".join(words[:n]) or "story"


def hexid(seed: int, aid: int, n: int = 32) -> str:
    return hashlib.md5(f"{seed}:{aid}".encode()).hexdigest()[:n]


NUM_BASE = {"daily-beacon": 2_000_000, "daily-courier": 60_000_000, "daily-lantern": 30_000_000,
            "northfield-gazette": 24_000_000, "valley-chronicle": 100_000_000, "lakeside-post": 41_000_000,
            "newspile": 500_000}


class World:
    def __init__(self, seed: int = 7, stories: int = 40):
        self.seed = int(seed)
        self.n = int(stories)
        self.stories: list[StoryPlan] = []
        self.articles: list[Article] = []
        self.by_path: dict[tuple[str, str], int] = {}
        self.copies: dict[int, list[int]] = {}
        self._plan()
        self.by_outlet: dict[str, list[int]] = {o.slug: [] for o in outlets.OUTLETS}
        for a in self.articles:
            self.by_outlet[a.source].append(a.aid)
        for lst in self.by_outlet.values():
            lst.sort(key=lambda i: (self.articles[i].published, i), reverse=True)
        self.story = lru_cache(maxsize=256)(self._story)
        self.text = lru_cache(maxsize=512)(self._text)
        self.layout = lru_cache(maxsize=256)(self._layout)

    # ------------------------------------------------------------------ planning
    def _pub(self, r, day: int) -> datetime:
        if day == 1:
            return CRAWL[1] - timedelta(minutes=r.randint(60, 70 * 60))
        return CRAWL[2] - timedelta(minutes=r.randint(60, 23 * 60))

    def _add(self, **kw) -> Article:
        a = Article(aid=len(self.articles), path="", **kw)
        a.path = self._path(a)
        key = (a.source, a.path)
        if key in self.by_path:           # same headline slug on a scheme without ids
            a.path = self._path(a, uniq=True)
            key = (a.source, a.path)
        assert key not in self.by_path, key
        self.by_path[key] = a.aid
        self.articles.append(a)
        return a

    def _path(self, a: Article, uniq: bool = False) -> str:
        o = outlets.BY_SLUG[a.source]
        local = a.published + timedelta(minutes=o.tz)
        slug = slugify(a.title) + (f"-{a.aid}" if uniq else "")
        if a.distractor == "liveblog":
            slug = slugify(a.title, 4) + "-live-" + local.strftime("%d-%m-%y")
        section = o.article_sections[a.aid % len(o.article_sections)]
        return o.article_path.format(
            num=NUM_BASE.get(a.source, 0) + a.aid, slug=slug,
            Slug="-".join(w.capitalize() for w in slug.split("-")), section=section,
            y=f"{local.year:04d}", m=f"{local.month:02d}", d=f"{local.day:02d}",
            hex=hexid(self.seed, a.aid), hex8=hexid(self.seed, a.aid, 8))

    def _plan(self) -> None:
        seed, n = self.seed, self.n

        for idx in range(n):
            r = texts.rng_for(seed, idx, "plan")
            day = 2 if (r.random() < 0.25 and idx > 3) else 1
            roll = r.random()
            kind = "wire" if roll < 0.36 else ("tabloid" if roll < 0.76 else "regional")
            if idx in (0, 1):
                kind = "wire"
            if idx == 2:
                kind = "tabloid"
            late = (idx == 1) or (kind == "wire" and day == 1 and r.random() < 0.01)
            origin = r.choice({"wire": outlets.WIRES, "tabloid": outlets.TABLOIDS, "regional": outlets.REGIONALS}[kind])
            if idx == 2:
                origin = "daily-beacon"
            pub = self._pub(r, day)
            if late:
                pub = CRAWL[1] - timedelta(minutes=r.randint(12 * 60, 30 * 60))
            sp = StoryPlan(idx, "normal", origin, day, pub, late_original=late)
            self.stories.append(sp)
            title, alts = texts.story_title(seed, idx)
            orig = self._add(source=origin, story=idx, title=title, published=pub,
                             day=2 if late else day, is_original=True)
            if day == 1 and not late and (r.random() < 0.1 or idx == 3):
                orig.updated = CRAWL[1] + timedelta(minutes=r.randint(60, 20 * 60))
                orig.title2 = alts[2]
            # copies
            k = r.choices(range(len(COPY_WEIGHTS)), COPY_WEIGHTS)[0]
            if idx in (0, 1, 2):
                k = max(k, 3)
            cands = self._copiers(kind, origin)
            chosen = r.sample(cands, min(k, len(cands)))
            if idx == 2:
                chosen = ["newspile", "headline-hub"] + [c for c in chosen if c not in ("newspile", "headline-hub")][:2]
            if late and not any(c in outlets.REGIONALS for c in chosen):
                chosen = [outlets.REGIONALS[idx % len(outlets.REGIONALS)]] + chosen[:3]
            self.copies[orig.aid] = []
            for j, src in enumerate(chosen):
                ctype = self._copy_type(r, kind, src)
                if idx == 2 and src == "newspile":
                    ctype = "whole"
                if idx == 2 and src == "headline-hub":
                    ctype = "truncated"
                lag = min(2400, max(5, int(r.lognormvariate(4.6, 1.0))))
                if late and j == 0:
                    lag = r.randint(30, 240)
                cpub = pub + timedelta(minutes=lag)
                cday = 1 if (day == 1 and cpub < CRAWL[1]) else 2
                if cday == 1 and r.random() < 0.08 and not (late and j == 0):   # late copy, crawled next night
                    cpub = CRAWL[1] + timedelta(minutes=r.randint(30, 20 * 60))
                    cday = 2
                if cday == 2 and cpub >= CRAWL[2]:
                    cpub = CRAWL[2] - timedelta(minutes=r.randint(5, 50))
                ctitle = title if ctype in ("whole", "truncated") else alts[j % 2]
                c = self._add(source=src, story=idx, title=ctitle, published=cpub, day=cday,
                              is_original=False, copy_of=orig.aid, copy_type=ctype)
                self.copies[orig.aid].append(c.aid)
        self._plan_distractors()
        self._plan_fault_articles()

    def _copiers(self, kind: str, origin: str) -> list[str]:
        if kind == "wire":
            return outlets.REGIONALS + outlets.TABLOIDS + outlets.AGGREGATORS
        if kind == "tabloid":
            return [t for t in outlets.TABLOIDS if t != origin] + outlets.AGGREGATORS + outlets.REGIONALS[:2]
        return [t for t in outlets.REGIONALS if t != origin] + outlets.AGGREGATORS

    @staticmethod
    def _copy_type(r, kind: str, src: str) -> str:
        if src in outlets.AGGREGATORS:
            return "truncated" if (kind == "tabloid" and r.random() < 0.45) else "whole"
        return "edited"

    def _plan_distractors(self) -> None:
        seed, n = self.seed, self.n
        nxt = n
        # different articles on the same event sharing one or two verbatim quotes
        for k in range(max(2, n // 50)):
            a_idx = (5 + 37 * k) % n if n > 5 else k % n
            a_plan = self.stories[a_idx]
            ctx = texts.story_ctx(seed, a_idx)
            b = StoryPlan(nxt, "shared-quote", "", a_plan.day, a_plan.published + timedelta(minutes=95),
                          partner=a_idx, topic=ctx.topic, place=(ctx.city, ctx.country), label=ctx.event)
            a_orig = self._original_of(a_idx)
            a_orig.distractor = "shared-quote"
            a_kind = outlets.BY_SLUG[a_plan.origin].kind
            pool = outlets.TABLOIDS if a_kind != "tabloid" else outlets.WIRES + outlets.REGIONALS
            b.origin = pool[k % len(pool)]
            b.day = 1 if b.published < CRAWL[1] else 2
            self.stories.append(b)
            title, _ = texts.story_title(seed, nxt, b.topic, b.place, b.label)
            self._add(source=b.origin, story=nxt, title=title, published=b.published, day=b.day,
                      is_original=True, distractor="shared-quote")
            nxt += 1
        # one outlet's daily live blog: same template text, different entries
        subject = "Ukraine war"
        for d, day in ((20, 1), (21, 1), (22, 1), (23, 2)):
            label = f"{d} November 2026"
            pub = datetime(2026, 11, d, 7, 0, tzinfo=UTC) if day == 1 else datetime(2026, 11, 23, 7, 0, tzinfo=UTC)
            sp = StoryPlan(nxt, "liveblog", "daily-beacon", day, pub, label=label)
            self.stories.append(sp)
            title = texts.make_liveblog(seed, nxt, label, subject).title
            self._add(source="daily-beacon", story=nxt, title=title, published=pub, day=day,
                      is_original=True, distractor="liveblog")
            nxt += 1
        # short notices sharing a standard sentence
        for g in range(max(1, n // 100)):
            sent = g % len(vocab.STANDARD_SENTENCES)
            for m in range(2):
                src = outlets.REGIONALS[(g + m) % len(outlets.REGIONALS)]
                r = texts.rng_for(seed, nxt, "plan")
                pub = self._pub(r, 1)
                sp = StoryPlan(nxt, "short", src, 1, pub, partner=sent)
                self.stories.append(sp)
                title = texts.make_short(seed, nxt, vocab.STANDARD_SENTENCES[sent]).title
                self._add(source=src, story=nxt, title=title, published=pub, day=1,
                          is_original=True, distractor="short-shared-sentence")
                nxt += 1
        self._next = nxt

    def _plan_fault_articles(self) -> None:
        """Real articles that sit behind a fault (first request 500; wrong declared charset)."""
        nxt = self._next
        for name, src in (("server-error-once", "daily-courier"), ("wrong-charset", "daily-lantern")):
            r = texts.rng_for(self.seed, nxt, "plan")
            pub = CRAWL[1] - timedelta(minutes=r.randint(120, 600))
            self.stories.append(StoryPlan(nxt, "fault", src, 1, pub, label=name))
            title, _ = texts.story_title(self.seed, nxt)
            if name == "wrong-charset":
                title = "Café owner’s naïve plan wins over ‘fussy’ critics"
            self._add(source=src, story=nxt, title=title, published=pub, day=1, is_original=True, fault=name)
            nxt += 1
        self._next = nxt

    def _original_of(self, story_idx: int) -> Article:
        for aid in range(story_idx, len(self.articles)):   # originals come in story order
            a = self.articles[aid]
            if a.story == story_idx and a.is_original:
                return a
        raise KeyError(story_idx)

    def fault_article(self, name: str) -> Article:
        return next(a for a in self.articles if a.fault == name)

    # ------------------------------------------------------------------ content
    def _story(self, idx: int) -> texts.Story:
        sp = self.stories[idx]
        if sp.kind == "liveblog":
            return texts.make_liveblog(self.seed, idx, sp.label, "Ukraine war")
        if sp.kind == "short":
            return texts.make_short(self.seed, idx, vocab.STANDARD_SENTENCES[sp.partner])
        if sp.kind == "shared-quote":
            partner = self.story(sp.partner)
            quotes = partner.quotes[:2] or [partner.paragraphs[-2]]
            r = texts.rng_for(self.seed, idx, "quotes")
            shared = quotes[: r.choice((1, 2))]
            return texts.make_story(self.seed, idx, topic=sp.topic, place=sp.place, event=sp.label, fixed_quotes=shared)
        st = texts.make_story(self.seed, idx)
        if sp.kind == "fault" and sp.label == "wrong-charset":
            st.paragraphs.insert(1, "Regulars at the café on the corner say the owner’s “naïve” idea — a menu "
                                    "with no prices at all — has turned into the town’s favourite experiment, "
                                    "and even the ‘fussy’ critics from the crêperie across the road now queue "
                                    "for a table.")
        return st

    def dateline(self, a: Article) -> str:
        st = self.story(a.story)
        local = a.published + timedelta(minutes=outlets.BY_SLUG[a.source].tz)
        city = st.city.upper()
        if a.source == "worldwire":
            return f"{city}, {vocab.MONTHS_WIRE[local.month - 1]} {local.day} (Worldwire) - "
        return f"{city}, {st.country} (AN) — "

    def _text(self, aid: int, day: int) -> tuple[str, ...]:
        """Expected clean text (paragraphs) of an article on a given day."""
        a = self.articles[aid]
        if a.copy_of is not None:
            return self._copy_text(a)
        st = self.story(a.story)
        paras = list(st.paragraphs)
        if a.source in outlets.WIRES:
            paras[0] = self.dateline(a) + paras[0]
            if a.source == "worldwire":
                paras.append(f"Reporting by {st.reporter} in {st.city}; Writing by {st.people[0][0]}; "
                             f"Editing by {st.editor}")
            else:
                paras.append(f"Associated Newswire writer {st.people[-1][0]} in {st.city} contributed to this report.")
        if a.source == "daily-beacon" and a.distractor != "liveblog":
            first, _, rest = paras[0].partition(" ")
            paras[0] = first.upper() + " " + rest
        if day == 2 and a.updated is not None:
            r = texts.rng_for(self.seed, aid, "update")
            note = texts.fill_note(r, r.choice(vocab.UPDATE_PARAS), st)
            paras.insert(1 if r.random() < 0.5 else len(paras), note)
        return tuple(paras)

    def _copy_text(self, a: Article) -> tuple[str, ...]:
        orig = self.articles[a.copy_of]
        src = list(self._text(orig.aid, 1))
        if a.copy_type == "whole":
            return tuple(src)
        if a.copy_type == "truncated":
            r = texts.rng_for(self.seed, a.aid, "cut")
            return tuple(src[: r.randint(3, 5)])
        r = texts.rng_for(self.seed, a.aid, "edit")
        st = self.story(a.story)
        paras = list(src)
        paras[0] = re.sub(r"^[A-Z][A-Z .'-]+,[^()]*\((?:Worldwire|AN)\) [-—] ", "", paras[0])
        if paras[0][:1].isalpha():
            paras[0] = paras[0][0].upper() + paras[0][1:]
        has_signoff = orig.source in outlets.WIRES
        signoff = paras.pop() if has_signoff else None
        if len(paras) > 4 and r.random() < 0.6:
            del paras[-1 if r.random() < 0.6 else r.randint(2, len(paras) - 2)]
        if r.random() < 0.4:
            paras.insert(r.randint(2, min(4, len(paras))), texts.fill_note(r, r.choice(vocab.LOCAL_ANGLES), st))
        if outlets.BY_SLUG[a.source].kind != "tabloid":
            if signoff and r.random() < 0.6:
                paras.append(signoff)
            if r.random() < 0.3:
                paras.insert(0, texts.fill_note(r, r.choice(vocab.CORRECTION_NOTES), st))
            elif r.random() < 0.15:
                paras.append(texts.fill_note(r, r.choice(vocab.EDITOR_NOTES), st))
        return tuple(paras)

    def title(self, a: Article, day: int) -> str:
        return a.title2 if (day == 2 and a.title2) else a.title

    def byline(self, a: Article) -> str | None:
        if outlets.BY_SLUG[a.source].kind == "aggregator":
            return None
        st = self.story(a.story)
        if a.copy_of is not None:
            orig = self.articles[a.copy_of]
            if orig.source in outlets.WIRES and outlets.BY_SLUG[a.source].kind != "tabloid":
                return outlets.BY_SLUG[orig.source].name
            return st.people[1][0] if outlets.BY_SLUG[a.source].kind == "tabloid" else st.reporter
        return st.reporter

    def visible(self, aid: int, day: int) -> bool:
        return self.articles[aid].day <= day

    def lastmod(self, a: Article, day: int) -> datetime:
        return a.updated if (day == 2 and a.updated) else a.published

    # ------------------------------------------------------------------ tabloid layout
    def furniture_links(self, source: str, r, k: int, exclude: int) -> list[tuple[str, str]]:
        """k (title, path) of other day-1 articles of the outlet (stable across days)."""
        pool = [i for i in self.by_outlet[source][:400] if self.articles[i].day == 1 and i != exclude]
        out = []
        for i in r.sample(pool, min(k, len(pool))):
            out.append((self.articles[i].title, self.articles[i].path))
        while len(out) < k:   # tiny sites: invented headlines pointing to the section page
            ctx = texts.Ctx(r)
            out.append((texts.headline(ctx), outlets.BY_SLUG[source].sections[0]))
        return out

    def _layout(self, aid: int, day: int) -> tuple:
        """Blocks of a tabloid article body: ('p', text) and furniture blocks, positions seeded."""
        a = self.articles[aid]
        paras = self.text(aid, day)
        r = texts.rng_for(self.seed, aid, "layout")
        n = len(paras)
        blocks: list[tuple] = []
        related_at = {r.randint(2, max(2, n - 2))} if n > 4 else set()
        if n > 8:
            related_at.add(r.randint(5, n - 2))
        most_at = r.randint(3, max(3, n // 2)) if n > 5 else -1
        more_at = r.randint(max(most_at + 2, n - 4), max(most_at + 2, n - 1)) if n > 7 else -1
        fig_at = r.randint(1, 3)
        news_at = r.randint(4, max(4, n - 1)) if n > 6 else -1
        for i, p in enumerate(paras):
            if i == fig_at:
                st = self.story(a.story)
                blocks.append(("figure", f"{st.people[0][0]} pictured in {st.city} earlier this year",
                               r.choice(["Getty", "Alamy", "PA", "Reuters", "Supplied", "Facebook", "Splash"]),
                               f"{aid}-{i}"))
            blocks.append(("p", p))
            if i in related_at:
                blocks.append(("related", self.furniture_links(a.source, r, 1, aid)))
            if i == most_at:
                blocks.append(("most_read", self.furniture_links(a.source, r, r.randint(3, 5), aid)))
            if i == more_at:
                blocks.append(("read_more", self.furniture_links(a.source, r, r.randint(2, 3), aid)))
            if i == news_at:
                blocks.append(("newsletter",))
        return tuple(blocks)

    # ------------------------------------------------------------------ helpers
    def visible_articles(self, source: str, day: int) -> list[Article]:
        return [self.articles[i] for i in self.by_outlet[source] if self.articles[i].day <= day]

    def story_id(self, a: Article) -> str:
        return f"story-{a.story:05d}"
