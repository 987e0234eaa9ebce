"""The sample web's outlets, as data: names, kinds, URL schemes, discovery, templates, furniture.

Each outlet is modelled on a kind of real site (Sun-, Mail-, Mirror-like tabloids; Reuters-
and AP-like wires; regional papers republishing wire copy; aggregators pasting tabloid
articles).  All names are fictional.  :mod:`render` turns these into pages; nothing here
executes logic beyond small helpers.

Placeholders in URL schemes: {num} serial number, {slug} lower-case slug, {Slug} Title-Case
slug, {section}, {y} {m} {d} publication date, {hex} 32 hex digits, {hex8} 8 hex digits.
"""
from __future__ import annotations

from dataclasses import dataclass, field

# Regex prefix that works both with re.search on a full URL and on a bare path.
_P = r"^(?:https?://[^/]+)?"
_Q = r"(?:[?#].*)?$"


@dataclass(frozen=True)
class Outlet:
    slug: str
    name: str
    kind: str                      # tabloid | wire | broadsheet | aggregator | other
    country: str
    tz: int                        # minutes east of UTC used in this outlet's displayed dates
    family: str                    # template family in render.py
    article_path: str
    article_regex: str
    sections: tuple[str, ...]
    video_path: str
    feeds: tuple[dict, ...] = ()   # {path, format: rss|atom, limit: int|None, tracking: bool}
    sitemap: dict = field(default_factory=dict)  # {index, child, gzip, per_child, news, plain}
    robots_disallow: tuple[str, ...] = ("/search/",)
    jsonld: bool = False
    og: bool = True
    classes: dict = field(default_factory=dict)
    snippets: dict = field(default_factory=dict)
    boilerplate: dict | None = None
    byline_style: str = "By {name}"
    date_display: str = "%d %B %Y, %H:%M"
    lang: str = "en-GB"
    article_sections: tuple[str, ...] = ("news",)


TABLOID_SNIPPETS_BEACON = dict(
    para='<p>{text}</p>',
    related='<p><strong><a href="{url}">{title}</a></strong></p>',
    most_read=('<div class="rail rail--trending rail--inline"><h2 class="rail__title">Most read in {outlet}</h2>'
               '<ol class="rail__list">{items}</ol></div>'),
    most_read_item='<li class="rail__item"><a class="rail__link" href="{url}"><h3 class="rail__item-headline">{title}</h3></a></li>',
    read_more=('<div class="read-more-container"><h2 class="read-more__title">Read More on {outlet}</h2>'
               '{items}</div>'),
    read_more_item='<div class="read-more__item"><a href="{url}"><p class="read-more__headline">{title}</p></a></div>',
    figure=('<figure class="article__media"><img src="/img/{img}.jpg" alt="{alt}" width="960" height="640">'
            '<figcaption class="article__media-caption">{caption}<span class="article__media-credit">Credit: {credit}</span></figcaption></figure>'),
    share=('<div class="article__share"><a class="share-btn share-btn--facebook" href="#">Share</a>'
           '<a class="share-btn share-btn--x" href="#">Post</a><a class="share-btn share-btn--whatsapp" href="#">WhatsApp</a>'
           '<a class="share-btn share-btn--email" href="#">Email</a></div>'),
    newsletter=('<div class="newsletter-signup"><p class="newsletter-signup__title">Sign up to our newsletter</p>'
                '<p class="newsletter-signup__text">Get the biggest stories sent straight to your inbox every morning.</p>'
                '<form><input type="email" placeholder="Your email"><button>Sign me up</button></form></div>'),
    comments='<a class="article__comments-count" href="#comments">{n} comments</a>',
)

TABLOID_SNIPPETS_COURIER = dict(
    para='<p class="mol-para-with-font">{text}</p>',
    related='<p class="mol-para-with-font"><a class="related-link" href="{url}"><strong>{title}</strong></a></p>',
    most_read=('<div class="puff cleared"><h3 class="puff-header">Most read in {outlet}</h3><ul class="puff-list">{items}</ul></div>'),
    most_read_item='<li class="puff-item"><a href="{url}"><span class="pufftext">{title}</span></a></li>',
    read_more=('<div class="related-carousel"><h3 class="related-carousel__title">Read More on {outlet}</h3><ul>{items}</ul></div>'),
    read_more_item='<li><a itemprop="url" href="{url}">{title}</a></li>',
    figure=('<div class="artSplitter mol-img-group"><div class="mol-img"><img src="/i/pix/{img}.jpg" alt="{alt}"></div>'
            '<p class="imageCaption mol-para-with-font">{caption}</p><span class="imageCredit">Credit: {credit}</span></div>'),
    share=('<div class="social-share social-links"><ul><li class="facebook"><a href="#">Share</a></li>'
           '<li class="twitter"><a href="#">Share</a></li><li class="share-count">{n} shares</li></ul></div>'),
    newsletter=('<div class="mol-newsletter"><strong>Sign up to our newsletter</strong> and never miss a story. '
                '<a href="/registration">Subscribe</a></div>'),
    comments='<span class="readerCommentNo">{n}</span> <span class="comments-label">comments</span>',
)

TABLOID_SNIPPETS_LANTERN = dict(
    para='<p>{text}</p>',
    related='<p class="related-link"><b>Read more: <a href="{url}">{title}</a></b></p>',
    most_read=('<div class="most-read-inline"><p class="most-read-inline__heading"><strong>Most read in {outlet}</strong></p>'
               '{items}</div>'),
    most_read_item='<p class="most-read-inline__item"><a class="headline-link" href="{url}">{title}</a></p>',
    read_more=('<aside class="read-more-links"><div class="read-more-links__heading">Read More on {outlet}</div>{items}</aside>'),
    read_more_item='<div class="read-more-links__item"><a href="{url}">{title}</a></div>',
    figure=('<div class="in-article-image"><picture><img src="/incoming/article{img}.ece/ALTERNATES/s615/{img}.jpg" alt="{alt}"></picture>'
            '<span class="caption">{caption}</span> <span class="credit">(Image: {credit})</span></div>'),
    share=('<div class="social-share-buttons"><button data-network="facebook">Facebook</button>'
           '<button data-network="twitter">Twitter</button><button data-network="whatsapp">WhatsApp</button></div>'),
    newsletter=('<div class="newsletter-widget"><h3>Sign up to our newsletter</h3><p>Get the news you want straight to your inbox.</p>'
                '<button>Sign up</button></div>'),
    comments='<a class="comment-count" href="#comments-wrapper"><span>{n}</span> Comments</a>',
)

REGIONAL_SNIPPETS = dict(
    para='<p>{text}</p>',
    related='<p class="read-also"><strong>READ MORE:</strong> <a href="{url}">{title}</a></p>',
    ad='<div class="ad-slot ad-slot--mpu"><span class="ad-label">Advertisement</span></div>',
    newsletter=('<div class="newsletter-box"><p>Get the latest news sent to your inbox</p>'
                '<input type="email"><button>Subscribe</button></div>'),
    share='<div class="share-tools"><a href="#">Facebook</a> <a href="#">Email</a> <a href="#">Print</a></div>',
    comments='<a class="comments" href="#comments">Comments ({n})</a>',
)

OUTLETS: tuple[Outlet, ...] = (
    Outlet(
        slug="daily-beacon", article_sections=("news", "news", "news", "sport", "tvandshowbiz", "money"), name="The Daily Beacon", kind="tabloid", country="GB", tz=0, family="beacon",
        article_path="/{section}/{num}/{slug}/",
        article_regex=_P + r"/(?:news|sport|tvandshowbiz|money)/\d{7}/[a-z0-9-]+/" + _Q,
        sections=("/news/", "/news/world/", "/sport/", "/tvandshowbiz/", "/money/"),
        video_path="/video/news/{num}/{slug}/",
        feeds=({"path": "/news/feed/", "format": "rss", "limit": 60, "tracking": True},),
        sitemap={"index": "/sitemap.xml", "child": "/sitemaps/posts-{n}.xml.gz", "gzip": True,
                 "per_child": 250, "sections": "/sitemaps/sections.xml"},
        robots_disallow=("/search/", "/account/", "/news/print/"),
        jsonld=True, classes={"body": "article__content", "headline": "article__headline",
                              "byline": "article__author-name", "date": "article__timestamp"},
        snippets=TABLOID_SNIPPETS_BEACON,
        boilerplate={"drop_selectors": [".rail--trending", ".read-more-container", ".article__share",
                                        ".newsletter-signup", "figcaption", ".article__comments-count"],
                     "drop_blocks_headed": ["Most read in The Daily Beacon", "Read More on The Daily Beacon"],
                     "drop_lines": []},
        byline_style="{name}", date_display="%H:%M, %d %b %Y",
    ),
    Outlet(
        slug="daily-courier", article_sections=("news", "news", "tvshowbiz", "sport", "femail"), name="Daily Courier", kind="tabloid", country="GB", tz=0, family="courier",
        article_path="/{section}/article-{num}/{Slug}.html",
        article_regex=_P + r"/(?:news|tvshowbiz|sport|femail)/article-\d+/[A-Za-z0-9-]+\.html" + _Q,
        sections=("/news/index.html", "/home/index.html", "/tvshowbiz/index.html", "/sport/index.html"),
        video_path="/video/news/video-{num}/{Slug}.html",
        feeds=({"path": "/news/index.rss", "format": "rss", "limit": 50, "tracking": False},),
        sitemap={"index": "/sitemap.xml", "child": "/sitemaps/articles-{n}.xml", "gzip": False,
                 "per_child": 300, "news": "/sitemaps/news.xml"},
        robots_disallow=("/registration", "/search/", "/api/"),
        jsonld=False, classes={"body": "articleBody", "headline": "article-title",
                               "byline": "author", "date": "article-timestamp-published"},
        snippets=TABLOID_SNIPPETS_COURIER,
        boilerplate={"drop_selectors": [".puff", ".related-carousel", ".social-share", ".mol-newsletter",
                                        ".imageCaption", ".imageCredit", "a.related-link"],
                     "drop_blocks_headed": ["Most read in Daily Courier", "Read More on Daily Courier"],
                     "drop_lines": [r"^Sign up to our newsletter"]},
        byline_style="By {NAME} FOR THE DAILY COURIER", date_display="Published: %H:%M GMT, %d %B %Y",
    ),
    # Mirror-like tabloid: deliberately WITHOUT boilerplate rules (generic cleaning must cope).
    Outlet(
        slug="daily-lantern", article_sections=("uk-news", "world-news", "politics"), name="The Daily Lantern", kind="tabloid", country="GB", tz=0, family="lantern",
        article_path="/news/{section}/{slug}-{num}",
        article_regex=_P + r"/news/[a-z-]+/[a-z0-9-]+-\d{8}" + _Q,
        sections=("/news/", "/news/uk-news/", "/news/world-news/", "/news/politics/"),
        video_path="/video/{slug}-{num}",
        feeds=({"path": "/news/atom.xml", "format": "atom", "limit": None, "tracking": True},),
        sitemap={},
        robots_disallow=("/search/", "/auth/"),
        jsonld=True, classes={"body": "article-body", "headline": "lead-article-title",
                              "byline": "author-name", "date": "time-info"},
        snippets=TABLOID_SNIPPETS_LANTERN, boilerplate=None,
        byline_style="{name}", date_display="%H:%M, %d %b %Y",
    ),
    Outlet(
        slug="worldwire", article_sections=("europe", "americas", "asia-pacific", "africa", "middle-east"), name="Worldwire", kind="wire", country="GB", tz=0, family="worldwire",
        article_path="/world/{section}/{slug}-{y}-{m}-{d}/",
        article_regex=_P + r"/world/[a-z-]+/[a-z0-9-]+-\d{4}-\d{2}-\d{2}/" + _Q,
        sections=("/world/", "/world/europe/", "/world/americas/", "/business/"),
        video_path="/video/watch/{slug}-id{num}/",
        feeds=(),
        sitemap={"index": "/sitemap_index.xml", "child": "/sitemaps/{n}.xml.gz", "gzip": True,
                 "per_child": 400, "news": "/sitemap_news.xml"},
        robots_disallow=("/pf/", "/search/", "/graphics/"),
        jsonld=True, classes={"body": "article-body__content", "headline": "article-header__title",
                              "byline": "author-name", "date": "date-line__date"},
        snippets=dict(para='<p data-testid="paragraph-{i}" class="text__paragraph">{text}</p>'),
        boilerplate={"drop_selectors": [".trust-badge", ".article-footer__copyright"],
                     "drop_blocks_headed": [],
                     "drop_lines": [r"^© \d{4} Worldwire\. All rights reserved\.$",
                                    r"^Our Standards: The Worldwire Trust Principles\.$"]},
        byline_style="By {name}", date_display="%B %d, %Y %I:%M %p UTC",
    ),
    Outlet(
        slug="associated-newswire", name="Associated Newswire", kind="wire", country="US", tz=-300,
        family="anw",
        article_path="/article/{slug}-{hex}",
        article_regex=_P + r"/article/[a-z0-9-]+-[0-9a-f]{32}" + _Q,
        sections=("/hub/world-news", "/hub/us-news", "/hub/business"),
        video_path="/video/{slug}-{hex8}",
        feeds=({"path": "/rss/topnews.xml", "format": "rss", "limit": 40, "tracking": False},),
        sitemap={"news": "/news-sitemap.xml"},
        robots_disallow=("/hub/search", "/api/"),
        jsonld=False, classes={"body": "RichTextStoryBody", "headline": "Page-headline",
                               "byline": "Page-authors", "date": "Timestamp"},
        snippets=dict(para='<p>{text}</p>'),
        boilerplate={"drop_selectors": [".Page-footer", ".Enhancement"], "drop_blocks_headed": [],
                     "drop_lines": [r"^Copyright \d{4} Associated Newswire\."]},
        byline_style="By {NAME}", date_display="Updated %I:%M %p EST, %B %d, %Y", lang="en-US",
    ),
    Outlet(
        slug="northfield-gazette", name="Northfield Gazette", kind="broadsheet", country="GB", tz=0,
        family="regional",
        article_path="/news/{num}.{slug}/",
        article_regex=_P + r"/news/\d{8}\.[a-z0-9-]+/" + _Q,
        sections=("/news/", "/news/national/", "/sport/"),
        video_path="/video/{num}/",
        feeds=({"path": "/news/rss/", "format": "rss", "limit": None, "tracking": True},),
        sitemap={},
        robots_disallow=("/search/", "/account/", "/news/print/"),
        jsonld=True, classes={"body": "article-body", "headline": "mar-article__headline",
                              "byline": "mar-article__author", "date": "mar-article__date"},
        snippets=REGIONAL_SNIPPETS,
        boilerplate={"drop_selectors": [".read-also", ".ad-slot", ".newsletter-box", ".share-tools"],
                     "drop_blocks_headed": ["Most popular"], "drop_lines": [r"^READ MORE:"]},
        byline_style="By {name}", date_display="%d %B %Y",
    ),
    Outlet(
        slug="harbour-herald", article_sections=("world", "local", "business"), name="Harbour City Herald", kind="broadsheet", country="US", tz=-300,
        family="regional",
        article_path="/{y}/{m}/{d}/{section}/{slug}/",
        article_regex=_P + r"/\d{4}/\d{2}/\d{2}/[a-z-]+/[a-z0-9-]+/" + _Q,
        sections=("/section/world/", "/section/local/", "/section/business/"),
        video_path="/video/{slug}/",
        feeds=(),
        sitemap={"index": "/sitemap-index.xml", "child": "/sitemaps/sitemap-{n}.xml", "gzip": False,
                 "per_child": 200},
        robots_disallow=("/search/", "/subscribe/"),
        jsonld=False, classes={"body": "article-body", "headline": "headline",
                               "byline": "byline", "date": "display-date"},
        snippets=REGIONAL_SNIPPETS,
        boilerplate={"drop_selectors": [".read-also", ".ad-slot", ".newsletter-box"],
                     "drop_blocks_headed": [], "drop_lines": [r"^READ MORE:", r"^Advertisement$"]},
        byline_style="By {name}", date_display="%B %d, %Y at %I:%M %p EST", lang="en-US",
    ),
    Outlet(
        slug="valley-chronicle", article_sections=("news", "local", "nation"), name="Valley Chronicle", kind="other", country="US", tz=-300,
        family="regional",
        article_path="/story/{section}/{y}/{m}/{d}/{slug}/{num}007/",
        article_regex=_P + r"/story/[a-z-]+/\d{4}/\d{2}/\d{2}/[a-z0-9-]+/\d+/" + _Q,
        sections=("/news/", "/news/local/", "/sports/"),
        video_path="/videos/news/{num}/",
        feeds=({"path": "/rss/news.xml", "format": "rss", "limit": 50, "tracking": True},
               {"path": "/rss/breaking.xml", "format": "broken-xml", "limit": 10, "tracking": False}),
        sitemap={"index": "/sitemap.xml", "child": "/sitemaps/stories-{n}.xml", "gzip": False,
                 "per_child": 300},
        robots_disallow=("/search/", "/login/"),
        jsonld=True, classes={"body": "gnt_ar_b", "headline": "gnt_ar_hl",
                              "byline": "gnt_ar_by", "date": "gnt_ar_dt"},
        snippets=REGIONAL_SNIPPETS,
        boilerplate={"drop_selectors": [".ad-slot", ".newsletter-box", ".share-tools", ".read-also"],
                     "drop_blocks_headed": [], "drop_lines": [r"^READ MORE:"]},
        byline_style="{name}", date_display="Published %I:%M %p ET %b. %d, %Y", lang="en-US",
    ),
    Outlet(
        slug="lakeside-post", name="The Lakeside Post", kind="other", country="AU", tz=660,
        family="regional",
        article_path="/national/{slug}-{num}.html",
        article_regex=_P + r"/national/[a-z0-9-]+-\d{8}\.html" + _Q,
        sections=("/national/", "/world/", "/video/"),
        video_path="/video/{slug}-{num}",
        feeds=({"path": "/rss/national.xml", "format": "atom", "limit": None, "tracking": False},
               {"path": "/rss/latest.xml", "format": "billion-laughs", "limit": 0, "tracking": False}),
        sitemap={"news": "/sitemap/news.xml"},
        robots_disallow=("/search/", "/preview/"),
        jsonld=False, classes={"body": "article__body", "headline": "article__title",
                               "byline": "article__byline", "date": "article__time"},
        snippets=REGIONAL_SNIPPETS,
        boilerplate={"drop_selectors": [".ad-slot", ".newsletter-box", ".read-also"],
                     "drop_blocks_headed": [], "drop_lines": [r"^READ MORE:"]},
        byline_style="By {name}", date_display="%B %d, %Y — %I.%M%p", lang="en-AU",
    ),
    Outlet(
        slug="newspile", name="NewsPile", kind="aggregator", country="GB", tz=0, family="newspile",
        article_path="/story/{num}.html",
        article_regex=_P + r"/story/\d+\.html" + _Q,
        sections=("/", "/topics/world/", "/topics/entertainment/"),
        video_path="/clips/{num}.html",
        feeds=({"path": "/feed.xml", "format": "rss", "limit": None, "tracking": False},),
        sitemap={},
        robots_disallow=("/out/", "/search"),
        jsonld=False, classes={"body": "story-text", "headline": "story-title", "byline": "story-author",
                               "date": "story-date"},
        snippets=dict(para='<p>{text}</p>'),
        boilerplate={"drop_selectors": [".source-link", ".pile-share"], "drop_blocks_headed": [],
                     "drop_lines": [r"^Source: Read Full Article$"]},
        byline_style="{name}", date_display="%d/%m/%Y %H:%M",
    ),
    # Second aggregator: deliberately WITHOUT boilerplate rules.
    Outlet(
        slug="headline-hub", name="HeadlineHub", kind="aggregator", country="US", tz=-300, family="hub",
        article_path="/n/{hex8}/{slug}",
        article_regex=_P + r"/n/[0-9a-f]{8}/[a-z0-9-]+" + _Q,
        sections=("/", "/c/world", "/c/celebrity"),
        video_path="/v/{hex8}",
        feeds=(),
        sitemap={"index": "/sitemap.xml", "child": "/sitemap-{n}.xml.gz", "gzip": True, "per_child": 500},
        robots_disallow=("/go/", "/search"),
        jsonld=True, classes={"body": "hub-article__body", "headline": "hub-article__title",
                              "byline": "hub-article__byline", "date": "hub-article__date"},
        snippets=dict(para='<p>{text}</p>'), boilerplate=None,
        byline_style="{name}", date_display="%b %d, %Y %I:%M %p", lang="en-US",
    ),
)

BY_SLUG = {o.slug: o for o in OUTLETS}
INDEX = {o.slug: i for i, o in enumerate(OUTLETS)}


def of_kind(*kinds: str) -> list[Outlet]:
    return [o for o in OUTLETS if o.kind in kinds]


TABLOIDS = [o.slug for o in OUTLETS if o.kind == "tabloid"]
WIRES = [o.slug for o in OUTLETS if o.kind == "wire"]
REGIONALS = [o.slug for o in OUTLETS if o.kind in ("broadsheet", "other")]
AGGREGATORS = [o.slug for o in OUTLETS if o.kind == "aggregator"]
