"""HTML pages of the sample web: article pages per outlet family, section and video pages.

Pure functions of (World, article, day, base URLs): nothing is cached here.
"""
from __future__ import annotations

import json
import random
from datetime import datetime, timedelta
from html import escape

from . import outlets
from .world import Article, World



def offset(minutes: int) -> str:
    sign = "+" if minutes >= 0 else "-"
    m = abs(minutes)
    return f"{sign}{m // 60:02d}:{m % 60:02d}"


def iso_local(dt: datetime, tz_minutes: int) -> str:
    return (dt + timedelta(minutes=tz_minutes)).strftime("%Y-%m-%dT%H:%M:%S") + offset(tz_minutes)


def display_date(dt: datetime, o: outlets.Outlet) -> str:
    return (dt + timedelta(minutes=o.tz)).strftime(o.date_display)


def byline_html(o: outlets.Outlet, name: str | None) -> str:
    if not name:
        return ""
    return escape(o.byline_style.format(name=name, NAME=name.upper()))


def _head(w: World, base: str, o: outlets.Outlet, a: Article, day: int, title: str, byline: str | None,
          desc: str, charset: str = "utf-8") -> str:
    url = base + a.path
    pub = iso_local(a.published, o.tz)
    mod = iso_local(w.lastmod(a, day), o.tz)
    parts = [f'<meta charset="{charset}">', '<meta name="viewport" content="width=device-width, initial-scale=1">',
             f"<title>{escape(title)} | {escape(o.name)}</title>",
             f'<meta name="description" content="{escape(desc)}">',
             f'<link rel="canonical" href="{escape(url)}">']
    if o.og:
        parts += [f'<meta property="og:title" content="{escape(title)}">', '<meta property="og:type" content="article">',
                  f'<meta property="og:url" content="{escape(url)}">', f'<meta property="og:site_name" content="{escape(o.name)}">',
                  f'<meta property="og:description" content="{escape(desc)}">',
                  f'<meta property="og:image" content="{escape(base)}/img/og/{a.aid}.jpg">',
                  f'<meta property="article:published_time" content="{pub}">',
                  f'<meta property="article:modified_time" content="{mod}">']
    if byline:
        parts.append(f'<meta name="author" content="{escape(byline)}">')
    if o.jsonld:
        ld = {"@context": "https://schema.org", "@type": "NewsArticle", "headline": title,
              "datePublished": pub, "dateModified": mod, "mainEntityOfPage": url,
              "publisher": {"@type": "Organization", "name": o.name,
                            "logo": {"@type": "ImageObject", "url": base + "/img/logo.png"}}}
        if byline:
            ld["author"] = [{"@type": "Person", "name": byline}]
        parts.append('<script type="application/ld+json">' + json.dumps(ld, sort_keys=True).replace("</", "<\\/")
                     + "</script>")
    parts.append('<link rel="stylesheet" href="/static/site.css">')
    parts.append("<script>window.dataLayer=window.dataLayer||[];function gtag(){dataLayer.push(arguments)}</script>")
    return "\n".join(parts)


def _nav(o: outlets.Outlet) -> str:
    links = "".join(f'<li><a href="{escape(s)}">{escape(s.strip("/").split("/")[-1].replace(".html", "").replace("index", "home").title() or "Home")}</a></li>'
                    for s in o.sections)
    return (f'<header class="site-header"><a class="site-logo" href="/">{escape(o.name)}</a>'
            f'<nav class="site-nav"><ul>{links}</ul></nav>'
            '<div class="cookie-banner">We use cookies to improve your experience. '
            '<button>Accept all</button> <button>Manage preferences</button></div></header>')


def _footer(o: outlets.Outlet) -> str:
    return (f'<footer class="site-footer"><ul><li><a href="/about/">About {escape(o.name)}</a></li>'
            '<li><a href="/contact/">Contact us</a></li><li><a href="/privacy/">Privacy policy</a></li>'
            '<li><a href="/terms/">Terms and conditions</a></li></ul>'
            f'<p class="site-footer__legal">&copy; 2026 {escape(o.name)} Ltd. All rights reserved.</p></footer>')


def _trending(w: World, o: outlets.Outlet, a: Article, base: str) -> str:
    r = random.Random(f"{w.seed}:{a.aid}:sidebar")
    links = w.furniture_links(o.slug, r, 5, a.aid)
    items = "".join(f'<li><a href="{escape(base + p)}">{escape(t)}</a></li>' for t, p in links)
    return f'<aside class="sidebar most-popular"><h3>Most popular</h3><ol>{items}</ol></aside>'


def _link(base: str, path: str, tracking: str | None = None) -> str:
    url = base + path if path.startswith("/") else path
    return url + (f"?utm_source={tracking}&utm_medium=referral" if tracking else "")


def _tabloid_blocks(w: World, o: outlets.Outlet, a: Article, day: int, base: str) -> str:
    sn = o.snippets
    out = []
    n_comments = (a.aid * 37) % 900 + 12
    for b in w.layout(a.aid, day):
        kind = b[0]
        if kind == "p":
            out.append(sn["para"].format(text=escape(b[1])))
        elif kind == "related":
            t, p = b[1][0]
            out.append(sn["related"].format(url=escape(_link(base, p, "related" if a.aid % 3 == 0 else None)), title=escape(t)))
        elif kind in ("most_read", "read_more"):
            items = "".join(sn[kind + "_item"].format(url=escape(_link(base, p, "mostread" if kind == "most_read" else None)),
                                                      title=escape(t)) for t, p in b[1])
            out.append(sn[kind].format(outlet=escape(o.name), items=items))
        elif kind == "figure":
            out.append(sn["figure"].format(img=b[3], alt=escape(b[1]), caption=escape(b[1]), credit=escape(b[2])))
        elif kind == "newsletter":
            out.append(sn["newsletter"])
    return "\n".join(out), sn["share"].format(n=n_comments * 3), sn["comments"].format(n=n_comments)


def _regional_blocks(w: World, o: outlets.Outlet, a: Article, day: int, base: str) -> str:
    sn = o.snippets
    paras = w.text(a.aid, day)
    r = random.Random(f"{w.seed}:{a.aid}:regional")
    rel_at = r.randint(2, 4)
    out = []
    for i, p in enumerate(paras):
        out.append(sn["para"].format(text=escape(p)))
        if i == 1 or (i > 1 and i % 5 == 1):
            out.append(sn["ad"])
        if i == rel_at and len(paras) > rel_at + 1:
            t, path = w.furniture_links(o.slug, r, 1, a.aid)[0]
            out.append(sn["related"].format(url=escape(_link(base, path)), title=escape(t)))
        if i == 5:
            out.append(sn["newsletter"])
    return "\n".join(out)


def pasted_lines(w: World, a: Article) -> list[str]:
    """What an aggregator pasted: the original's text, with tabloid inline headings as plain lines."""
    orig = w.articles[a.copy_of]
    expected = w.text(a.aid, 1)
    if outlets.BY_SLUG[orig.source].kind != "tabloid":
        return list(expected)
    ko = outlets.BY_SLUG[orig.source]
    lines: list[str] = []
    n_p = 0
    for b in w.layout(orig.aid, 1):
        if n_p >= len(expected):
            break
        if b[0] == "p":
            lines.append(b[1])
            n_p += 1
        elif b[0] == "related":
            lines.append(b[1][0][0])
        elif b[0] == "most_read":
            lines.append(f"Most read in {ko.name}")
            lines += [t for t, _ in b[1]]
        elif b[0] == "read_more":
            lines.append(f"Read More on {ko.name}")
            lines += [t for t, _ in b[1]]
    return lines


def article_page(w: World, a: Article, day: int, base_urls: dict[str, str], charset: str = "utf-8") -> str:
    o = outlets.BY_SLUG[a.source]
    base = base_urls[o.slug]
    title = w.title(a, day)
    byline = w.byline(a)
    paras = w.text(a.aid, day)
    desc = paras[0][:155]
    head = _head(w, base, o, a, day, title, byline, desc, charset)
    pub_disp = display_date(a.published, o)
    pub_iso = iso_local(a.published, o.tz)
    c = o.classes
    fam = o.family
    if fam in ("beacon", "courier", "lantern"):
        body, share, comments = _tabloid_blocks(w, o, a, day, base)
    if fam == "beacon":
        main = (f'<main class="main-content"><article class="article theme-news">'
                f'<div class="article__header"><h1 class="{c["headline"]}">{escape(title)}</h1>'
                f'<div class="article__meta"><span class="{c["byline"]}">{byline_html(o, byline)}</span>'
                f'<time class="{c["date"]}" datetime="{pub_iso}">{escape(pub_disp)}</time>{comments}</div>{share}</div>'
                f'<div class="{c["body"]}">\n{body}\n</div>'
                f'<div class="article__tags"><a href="/topic/world-news/">World News</a></div></article>'
                f'{_trending(w, o, a, base)}</main>')
    elif fam == "courier":
        main = (f'<div id="content"><div class="article-text wide heading-tag-switch" id="js-article-text">'
                f'<h2>{escape(title)}</h2><ul class="mol-bullets-with-font"><li>{escape(paras[0][:120])}</li></ul>'
                f'<p class="author-section byline-plain"><a class="{c["byline"]}" href="/profile/">{byline_html(o, byline)}</a></p>'
                f'<span class="article-timestamp {c["date"]}"><time datetime="{pub_iso}">{escape(pub_disp)}</time></span>'
                f'{share}{comments}<div itemprop="articleBody">\n{body}\n</div></div>'
                f'{_trending(w, o, a, base)}</div>')
    elif fam == "lantern":
        main = (f'<main><article class="article-main" data-article-id="{a.aid}">'
                f'<h1 class="{c["headline"]}">{escape(title)}</h1>'
                f'<div class="article-information"><span class="{c["byline"]}">{byline_html(o, byline)}</span>'
                f'<span class="{c["date"]}"><time datetime="{pub_iso}">{escape(pub_disp)}</time></span>{comments}</div>'
                f'{share}<div class="{c["body"]}" itemprop="articleBody">\n{body}\n</div></article>'
                f'{_trending(w, o, a, base)}</main>')
    elif fam == "worldwire":
        ps = "\n".join(o.snippets["para"].format(i=i, text=escape(p)) for i, p in enumerate(paras))
        main = (f'<main><article class="article__container"><header class="article-header">'
                f'<a class="article-header__section" href="/world/">World</a>'
                f'<h1 data-testid="Heading" class="{c["headline"]}">{escape(title)}</h1>'
                f'<div class="article-header__byline">By <a rel="author" class="{c["byline"]}" href="/authors/">{escape(byline or "")}</a></div>'
                f'<time class="{c["date"]}" datetime="{pub_iso}">{escape(pub_disp)}</time></header>'
                f'<div class="{c["body"]}">\n{ps}\n</div>'
                f'<p class="trust-badge">Our Standards: The Worldwire Trust Principles.</p>'
                f'<p class="article-footer__copyright">© 2026 Worldwire. All rights reserved.</p>'
                f'</article></main>')
    elif fam == "anw":
        ps = "\n".join(f"<p>{escape(p)}</p>" for p in paras)
        epoch = int(a.published.timestamp() * 1000)
        main = (f'<main class="Page-main"><div class="Page-content"><h1 class="{c["headline"]}">{escape(title)}</h1>'
                f'<div class="{c["byline"]}"><span class="Page-byline">{byline_html(o, byline)}</span></div>'
                f'<bsp-timestamp class="{c["date"]}" data-timestamp="{epoch}">{escape(pub_disp)}</bsp-timestamp>'
                f'<div class="{c["body"]} RichTextBody">\n{ps}\n'
                f'<div class="Enhancement"><a href="/hub/world-news">More world news</a></div></div></div>'
                f'<div class="Page-footer"><p>Copyright 2026 Associated Newswire. All rights reserved. This material '
                f'may not be published, broadcast, rewritten or redistributed without permission.</p></div></main>')
    elif fam == "regional":
        body = _regional_blocks(w, o, a, day, base)
        main = (f'<main><article class="article article--{o.slug}">'
                f'<h1 class="{c["headline"]}">{escape(title)}</h1>'
                f'<p class="{c["byline"]}">{byline_html(o, byline)}</p>'
                f'<time class="{c["date"]}" datetime="{pub_iso}">{escape(pub_disp)}</time>'
                f'{o.snippets["share"]}<div class="{c["body"]}">\n{body}\n</div>'
                f'{o.snippets["comments"].format(n=a.aid % 40)}</article>{_trending(w, o, a, base)}</main>')
    elif fam in ("newspile", "hub"):
        orig = w.articles[a.copy_of] if a.copy_of is not None else a
        orig_url = base_urls[orig.source] + orig.path
        lines = pasted_lines(w, a) if a.copy_of is not None else list(paras)
        ps = "\n".join(f"<p>{escape(p)}</p>" for p in lines)
        if fam == "newspile":
            main = (f'<div class="story"><h1 class="{c["headline"]}">{escape(title)}</h1>'
                    f'<div class="{c["date"]}">{escape(pub_disp)}</div>'
                    f'<div class="story-thumb"><img src="/thumbs/{a.aid}.jpg" alt=""></div>'
                    f'<div class="{c["body"]}">\n{ps}\n'
                    f'<p class="source-link"><a href="{escape(orig_url)}" rel="nofollow">Source: Read Full Article</a></p></div>'
                    f'<div class="pile-share"><a href="#">Share</a> <a href="#">Save</a></div></div>')
        else:
            main = (f'<article class="hub-article"><h1 class="{c["headline"]}">{escape(title)}</h1>'
                    f'<div class="{c["date"]}"><time datetime="{pub_iso}">{escape(pub_disp)}</time></div>'
                    f'<section class="{c["body"]}">\n{ps}\n'
                    f'<p>Source: <a href="{escape(orig_url)}">Read Full Article</a></p></section>'
                    f'<div class="hub-related"><h4>More from HeadlineHub</h4></div></article>')
    else:  # pragma: no cover
        raise ValueError(fam)
    return (f'<!DOCTYPE html>\n<html lang="{o.lang}">\n<head>\n{head}\n</head>\n'
            f'<body class="page-article page-{o.family}">\n{_nav(o)}\n{main}\n{_footer(o)}\n</body>\n</html>\n')


def listing_page(w: World, o: outlets.Outlet, path: str, day: int, base: str, extra: list[tuple[str, str]] = ()) -> str:
    """Section / home page: latest visible articles (some links with tracking params)."""
    arts = w.visible_articles(o.slug, day)[:30]
    items = []
    for a in arts:
        tr = "homepage" if a.aid % 4 == 0 else None
        items.append(f'<li class="teaser"><a href="{escape(_link(base, a.path, tr))}">{escape(w.title(a, day))}</a></li>')
    for p, t in extra:
        items.append(f'<li class="teaser teaser--video"><a href="{escape(base + p)}">{escape(t)}</a></li>')
    title = path.strip("/").split("/")[-1].replace(".html", "").replace("-", " ").title() or "Home"
    return (f'<!DOCTYPE html>\n<html lang="{o.lang}">\n<head>\n<meta charset="utf-8">\n'
            f"<title>{escape(title)} | {escape(o.name)}</title>\n<link rel=\"canonical\" href=\"{escape(base + path)}\">\n"
            f'<meta property="og:type" content="website">\n</head>\n<body class="page-section">\n{_nav(o)}\n'
            f'<main class="section-page"><h1>{escape(title)}</h1><ul class="teaser-list">{"".join(items)}</ul></main>\n'
            f"{_footer(o)}\n</body>\n</html>\n")


def video_page(w: World, o: outlets.Outlet, path: str, title: str, base: str) -> str:
    return (f'<!DOCTYPE html>\n<html lang="{o.lang}">\n<head>\n<meta charset="utf-8">\n'
            f"<title>{escape(title)} | {escape(o.name)}</title>\n<link rel=\"canonical\" href=\"{escape(base + path)}\">\n"
            f'<meta property="og:type" content="video.other">\n</head>\n<body class="page-video">\n{_nav(o)}\n'
            f'<main><h1>{escape(title)}</h1><div class="video-player" data-src="/media/{len(path)}.mp4">'
            f'<p>Your browser does not support this video.</p></div><p class="video-description">Watch the clip above.</p>'
            f"</main>\n{_footer(o)}\n</body>\n</html>\n")
