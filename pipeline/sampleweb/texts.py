"""Story text generator: original news stories from (seed, index), random-access.

Every story is generated from its own ``random.Random(f"{seed}:{index}:...")`` so any
page can be produced on request without generating the others.  Sentences are built
from slot-filled templates over the pools in :mod:`vocab`; slots are dense enough that
unrelated stories share almost no five-word shingles.
"""
from __future__ import annotations

import random
from dataclasses import dataclass, field

from . import vocab


def rng_for(seed: int, index: int | str, part: str) -> random.Random:
    return random.Random(f"{seed}:{index}:{part}")


@dataclass
class Story:
    seed: int
    index: int
    topic: str
    city: str
    country: str
    title: str
    alt_titles: list[str]
    paragraphs: list[str]          # body paragraphs, outlet-neutral
    quotes: list[str] = field(default_factory=list)
    people: list[tuple[str, str]] = field(default_factory=list)
    orgs: list[str] = field(default_factory=list)
    reporter: str = ""
    editor: str = ""

    def words(self) -> int:
        return sum(len(p.split()) for p in self.paragraphs)


# --------------------------------------------------------------------------- entities
class Ctx:
    """Entities of one story plus the rng, for filling sentence templates."""

    def __init__(self, rng: random.Random, topic: str | None = None, place=None, event: str | None = None):
        self.r = rng
        self.topic = topic or rng.choice(vocab.TOPIC_NAMES)
        self.t = vocab.TOPICS[self.topic]
        self.city, self.country = place or rng.choice(vocab.PLACES)
        self.people = [(self.person(), rng.choice(self.t["roles"])) for _ in range(rng.randint(3, 6))]
        self.orgs = [self.org() for _ in range(rng.randint(2, 3))]
        self.event = rng.choice(self.t["events"])
        if event:
            self.event = event
        self.wd = rng.choice(vocab.WEEKDAYS)
        self.used_quotes: list[str] = []

    def person(self) -> str:
        return f"{self.r.choice(vocab.FIRST_NAMES)} {self.r.choice(vocab.SURNAMES)}"

    def org(self) -> str:
        r = self.r
        if r.random() < 0.2:
            return "the " + r.choice(vocab.PARTIES)
        return f"the {r.choice(vocab.ORG_PREFIX)} {r.choice(vocab.ORG_CORE)} {r.choice(vocab.ORG_SUFFIX)}"

    def num(self) -> str:
        r = self.r
        n = r.choice([r.randint(2, 19), r.randint(20, 99), r.randint(100, 990), r.randint(1000, 98000)])
        return f"{n:,}"

    def slots(self) -> "Slots":
        """Template slots, drawn lazily: only the keys a template uses consume randomness."""
        return Slots(self)

    def fill(self, templates: list[str]) -> str:
        used = self.__dict__.setdefault("used_templates", set())
        t = self.r.choice(templates)
        for _ in range(4):
            if t not in used:
                break
            t = self.r.choice(templates)
        used.add(t)
        s = t.format_map(self.slots())
        return s[0].upper() + s[1:]

    def quote(self) -> str:
        r = self.r
        obj = r.choice(["the {event}", "the {thing}", "what happened in {city}", "the {adj} {event}",
                        "{org}", "the state of the {thing}", "the {thing} in {city}"]).format_map(self.slots())
        parts = [f"{r.choice(vocab.QUOTE_OPENERS)} {r.choice(vocab.QUOTE_MIDDLES)} {obj}, {r.choice(vocab.QUOTE_CLOSERS)}."]
        if r.random() < 0.5:
            obj2 = r.choice(["{group}", "every one of the {group}", "the {group} of {city}"]).format_map(self.slots())
            parts.append(f"{r.choice(vocab.QUOTE_OPENERS)} {r.choice(vocab.QUOTE_MIDDLES)} {obj2}.")
        q = " ".join(parts)
        self.used_quotes.append(q)
        return q


class Slots(dict):
    """A lazily-filled mapping for str.format_map; related keys (name/role/surname) stay consistent."""

    def __init__(self, ctx: Ctx):
        super().__init__()
        self.ctx = ctx

    def _person(self, n: str) -> tuple[str, str]:
        key = "_p" + n
        if key not in self:
            dict.__setitem__(self, key, self.ctx.r.choice(self.ctx.people))
        return dict.__getitem__(self, key)

    def __missing__(self, key: str):
        c, r = self.ctx, self.ctx.r
        t = c.t
        if key in ("name", "role", "surname", "name2", "role2", "surname2"):
            n = "2" if key.endswith("2") else ""
            name, role = self._person(n)
            v = {"name": name, "role": role, "surname": name.split()[-1]}[key.rstrip("2")]
        elif key == "city":
            v = c.city
        elif key == "country":
            v = c.country
        elif key == "event":
            v = c.event
        elif key == "wd":
            v = c.wd
        elif key in ("org", "org2"):
            v = r.choice(c.orgs)
        elif key == "event2":
            v = r.choice(t["events"])
        elif key in ("thing", "thing2"):
            v = r.choice(t["things"])
        elif key in ("verb", "verb2"):
            v = r.choice(t["verbs"])
        elif key in ("adj", "adj2"):
            v = r.choice(vocab.ADJECTIVES)
        elif key == "adv":
            v = r.choice(vocab.ADVERBS)
        elif key == "time":
            v = r.choice(vocab.TIME_PHRASES).format(wd=r.choice(vocab.WEEKDAYS))
        elif key in ("group", "group2"):
            v = r.choice(vocab.GROUPS)
        elif key in ("num", "num2"):
            v = c.num()
        elif key in ("unit", "unit2"):
            v = r.choice(vocab.UNITS)
        elif key == "pct":
            v = str(r.randint(2, 89))
        elif key == "money":
            cur, mag = r.choice(vocab.CURRENCIES)
            v = f"{cur}{r.randint(2, 950)} {mag}"
        elif key == "feeling":
            v = r.choice(vocab.FEELINGS)
        elif key == "age":
            v = str(r.randint(19, 84))
        elif key == "year":
            v = str(r.randint(1987, 2024))
        elif key == "month":
            v = r.choice(vocab.MONTHS)
        elif key == "say":
            v = r.choice(vocab.SAY_VERBS).format(wd=r.choice(vocab.WEEKDAYS))
        else:
            raise KeyError(key)
        dict.__setitem__(self, key, v)
        return v


# --------------------------------------------------------------------------- templates
LEDE = [
    "{org} {adv} {verb} {thing} in {city} {time} after a {adj} {event} left {num} {unit} facing {adj2} disruption.",
    "A {adj} {event} in {city} has left {group} {feeling}, with {org} now under pressure to explain what went wrong.",
    "{name}, a {age}-year-old {role}, was at the centre of a {adj} {event} in {city} {time}, {org} said.",
    "Officials in {city} {verb} {thing} {time} as the {event} entered its {adj} phase, affecting {num} {unit}.",
    "The {event} that hit {city} {time} could cost {money}, according to figures seen by this newspaper.",
    "{group} in {city} were told {time} that {thing} would be {verb} after the {adj} {event}.",
]
DETAIL = [
    "{name2}, {role2}, said the {thing} had been {verb} {time} and that {group} were {feeling}.",
    "According to {org}, about {num} {unit} were affected, up from {num2} a week earlier.",
    "Figures released by {org2} showed a rise of {pct} per cent in {thing} since {month}.",
    "Witnesses described {thing} being {verb} as {group} gathered near the centre of {city}.",
    "The {adj} {event} followed weeks of warnings from {group} about {thing2} across {country}.",
    "{org} confirmed it had {verb2} {thing2} and said a full review would be published in {month}.",
    "It is understood that {surname} met {surname2} {time} to discuss the {event} and its {adj} impact.",
    "Some {num} {group} signed a petition calling for {thing} to be {verb2} before the end of {month}.",
    "Images shared online appeared to show {thing2} {verb} near the outskirts of {city}.",
    "Local reports said {num2} {unit2} had been left without {thing} for several hours.",
    "The bill for the {event2} alone was put at {money}, a figure {org2} did not dispute.",
    "{surname} is understood to have raised concerns about the {thing} as early as {year}.",
    "In a letter seen by reporters, {org2} said {thing2} would remain {verb2} until further notice.",
    "Critics said {org} had been too slow to act on the {event}, while supporters praised its {adj} response.",
    "The {role2} added that {group2} should expect {adj} changes to {thing} over the coming weeks.",
    "A spokesperson for {org} declined to comment on the {adj} claims but said {thing2} were being reviewed.",
    "Data from {org2} suggested {pct} per cent of {group} had been directly affected by the {event}.",
    "{name} first joined {org} in {year} and has been outspoken about {thing2} ever since.",
]
BACKGROUND = [
    "The latest {event} comes {time} after a similar incident in {year} that left {num} {unit} affected.",
    "{country} has faced growing pressure over {thing} since a {adj} {event2} in {year}.",
    "It is the {adj} such {event} to hit {city} since {org} began keeping records in {year}.",
    "Analysts said the {event} reflected {adj} problems with {thing} that had built up over a decade.",
    "In {year}, {org2} was criticised in a report that found {thing2} had been {verb2} without proper checks.",
    "Previous efforts to tackle {thing} in {city} collapsed after {org} withdrew its backing in {year}.",
]
CLOSING = [
    "{org} said further updates would be issued {time}.",
    "An investigation into the {event} is continuing, {org2} said.",
    "{surname} is due to give evidence to a committee in {month}.",
    "The {thing} are expected to remain {verb} for at least {num2} days.",
    "{group} have been urged to follow official advice and check for updates from {org}.",
]
def frame_quote(r: random.Random, q: str, slots: dict) -> str:
    frame = r.choice(QUOTE_FRAMES)
    if frame.startswith('"{q}"') and q.endswith("."):
        frame = frame.replace('"{q}"', '"{q},"', 1)
        q = q[:-1]
    dict.__setitem__(slots, "q", q)
    return frame.format_map(slots)


QUOTE_FRAMES = [
    '"{q}" {name}, {role}, {say}.',
    '{name} {say}: "{q}"',
    '"{q}" said {name}, a {role} from {city}.',
    '{surname}, {role}, told this paper: "{q}"',
    '"{q}" {surname} {say}.',
]
HEADLINES = [
    "{Adj} {event} in {city} as {org_short} {verb} {thing}",
    "{City} {event}: {num} {unit} hit as {group} left {feeling}",
    "{Org_short} {verb} {thing} after {adj} {event} in {city}",
    "'{short_quote}': {role} speaks out over {city} {event}",
    "{Group} {feeling} as {event} hits {city}",
    "{City} faces {money} bill after {adj} {event}",
    "{Name} {verb} {thing} amid {event} row",
    "{Event} in {city} leaves {num} {unit} affected, {org_short} says",
]


def _short_org(org: str) -> str:
    return org.removeprefix("the ").split(" ")[-2] + " " + org.split(" ")[-1] if org.count(" ") >= 2 else org


def headline(ctx: Ctx, quote: str | None = None) -> str:
    tpl = ctx.r.choice(HEADLINES)
    s = ctx.slots()
    if "{short_quote}" in tpl:
        words = (quote or ctx.quote()).split()
        s["short_quote"] = " ".join(words[:5]).rstrip(",.")
    for k in ("adj", "group", "event"):
        if "{" + k.capitalize() + "}" in tpl:
            s[k.capitalize()] = s[k].capitalize()
    if "_short}" in tpl.lower():
        s["org_short"] = _short_org(s["org"])
        s["Org_short"] = s["org_short"].capitalize()
    s["City"], s["Name"] = s["city"], s["name"] if "{Name}" in tpl else ""
    return tpl.format_map(s)


def body(ctx: Ctx, target_words: int, fixed_quotes: list[str] | None = None) -> list[str]:
    """Paragraphs of a news story of about target_words words."""
    r = ctx.r
    paras = [ctx.fill(LEDE)]
    second = ctx.fill(DETAIL)
    if r.random() < 0.6:
        second += " " + ctx.fill(DETAIL)
    paras.append(second)
    pending = list(fixed_quotes or [])
    count = sum(len(p.split()) for p in paras)
    while count < target_words - 20:
        roll = r.random()
        if pending and (roll < 0.35 or len(paras) > 6):
            q = pending.pop(0)
            ctx.used_quotes.append(q)
            p = frame_quote(r, q, ctx.slots())
        elif roll < 0.3:
            p = frame_quote(r, ctx.quote(), ctx.slots())
        elif roll < 0.45:
            p = ctx.fill(BACKGROUND)
        else:
            p = " ".join(ctx.fill(DETAIL) for _ in range(r.choice((1, 1, 2, 2, 3))))
        paras.append(p)
        count += len(p.split())
    for q in pending:
        paras.insert(min(3, len(paras)), frame_quote(r, q, ctx.slots()))
    paras.append(ctx.fill(CLOSING))
    return paras


def story_ctx(seed: int, index: int, topic: str | None = None, place=None, event: str | None = None) -> Ctx:
    return Ctx(rng_for(seed, index, "entities"), topic, place, event)


def story_title(seed: int, index: int, topic: str | None = None, place=None,
                event: str | None = None) -> tuple[str, list[str]]:
    """Headline and three alternative headlines, cheap: no body is generated."""
    ctx = story_ctx(seed, index, topic, place, event)
    ctx.r = rng_for(seed, index, "title")
    return headline(ctx), [headline(ctx) for _ in range(3)]


def make_story(seed: int, index: int, *, topic: str | None = None, place=None, event: str | None = None,
               fixed_quotes: list[str] | None = None, min_words: int = 320, max_words: int = 1300) -> Story:
    ctx = story_ctx(seed, index, topic, place, event)
    people, orgs = list(ctx.people), list(ctx.orgs)
    reporter, editor = ctx.person(), ctx.person()
    title, alts = story_title(seed, index, topic, place, event)
    r = ctx.r = rng_for(seed, index, "body")
    target = int(min(max_words, max(min_words, r.lognormvariate(6.4, 0.45))))
    paras = body(ctx, target, fixed_quotes)
    return Story(seed=seed, index=index, topic=ctx.topic, city=ctx.city, country=ctx.country,
                 title=title, alt_titles=alts, paragraphs=paras, quotes=list(ctx.used_quotes),
                 people=people, orgs=orgs, reporter=reporter, editor=editor)


def make_short(seed: int, index: int, standard_sentence: str) -> Story:
    """A short notice (< 80 words) ending with a standard sentence shared with other notices."""
    r = rng_for(seed, index, "short")
    ctx = Ctx(r, r.choice(["crime", "transport", "weather"]))
    paras = [ctx.fill(LEDE), ctx.fill(DETAIL) + " " + standard_sentence]
    while sum(len(p.split()) for p in paras) > 78:
        paras[0] = ctx.fill(LEDE)
        paras[1] = ctx.fill(DETAIL) + " " + standard_sentence
    return Story(seed=seed, index=index, topic=ctx.topic, city=ctx.city, country=ctx.country,
                 title=headline(ctx), alt_titles=[], paragraphs=paras, people=list(ctx.people), orgs=list(ctx.orgs),
                 reporter=ctx.person(), editor=ctx.person())


def make_liveblog(seed: int, index: int, day_label: str, subject: str) -> Story:
    """A daily live blog: fixed template paragraphs + that day's fresh entries."""
    r = rng_for(seed, index, "liveblog")
    ctx = Ctx(r, "conflict" if "war" in subject.lower() else r.choice(vocab.TOPIC_NAMES))
    paras = list(vocab.LIVEBLOG_TEMPLATE)
    n = r.randint(9, 14)
    for i in range(n):
        hh, mm = 21 - i, r.choice((2, 8, 15, 21, 33, 40, 47, 55))
        entry = " ".join(ctx.fill(DETAIL) for _ in range(r.choice((1, 2, 2, 3))))
        if r.random() < 0.3:
            entry += " " + frame_quote(r, ctx.quote(), ctx.slots())
        paras.append(f"{hh:02d}:{mm:02d} {entry}")
    title = f"{subject} live: latest updates as {ctx.event} continues - {day_label}"
    return Story(seed=seed, index=index, topic=ctx.topic, city=ctx.city, country=ctx.country,
                 title=title, alt_titles=[], paragraphs=paras, people=list(ctx.people), orgs=list(ctx.orgs),
                 reporter=ctx.person(), editor=ctx.person())


def fill_note(r: random.Random, template: str, story: Story) -> str:
    name, role = r.choice(story.people) if story.people else ("the spokesman", "official")
    return template.format(name=name, role=role, n=r.randint(2, 6), num=f"{r.randint(20, 900):,}",
                           num2=f"{r.randint(20, 900):,}", org=(story.orgs or ["the council"])[0],
                           wd=r.choice(vocab.WEEKDAYS), unit=r.choice(vocab.UNITS), city=story.city,
                           groups=r.choice(vocab.GROUPS))
