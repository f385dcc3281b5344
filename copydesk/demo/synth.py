"""Synthetic, deterministic, distinct news articles (tests and benchmarks): every seed gives a different story."""
from __future__ import annotations

import random

_PLACES = ["Port Alder", "Grenmouth", "Valdris", "Kestrel Bay", "Orinoco Flats", "Lake Tamsin", "Brightwater",
           "Caldera Heights", "Ashford Vale", "Marrow Point", "Silvergate", "Tolland", "Quarry Hill", "Estuary Row"]
_WHO = ["the harbour authority", "a coalition of farmers", "the regional council", "striking dock workers",
        "the national weather office", "a consortium of shipping firms", "local fishermen", "the transport ministry",
        "a teachers' union", "hospital administrators", "the central bank", "a group of volunteer firefighters",
        "the opposition party", "researchers at the polytechnic", "residents of the old quarter"]
_DID = ["announced plans for", "voted against", "warned about", "demanded an inquiry into", "celebrated",
        "postponed a decision on", "published a report on", "filed a complaint over", "raised concerns about",
        "secured funding for", "reached an agreement on", "began inspections of"]
_WHAT = ["the new ferry terminal", "rising grain prices", "a contested water permit", "the flood barrier upgrade",
         "night shifts at the container yard", "a shortage of rural doctors", "the tram line extension",
         "emergency housing for displaced families", "the fishing quota for next season", "wind farm licences",
         "repairs to the coastal road", "the closure of two village schools", "a bridge weight limit"]
_WHY = ["after weeks of negotiation", "despite objections from neighbours", "following a sharp rise in costs",
        "as the winter season approaches", "citing safety inspections", "in response to a petition",
        "after a storm damaged several buildings", "amid uncertainty over the budget", "to meet a legal deadline"]
_QUOTE = ["We cannot wait another year", "The numbers simply do not add up", "This is a fair compromise",
          "Families deserve a clear answer", "Nobody expected the response to be this strong",
          "We will keep pressing until the work is done", "The decision was not taken lightly"]
_NAMES = ["Ilse Marden", "Tomas Okafor", "Rhea Castell", "Ben Aldous", "Yara Finch", "Piotr Lindqvist",
          "Amara Velez", "Conor Hale", "Sunita Rao", "Felix Brandt"]


def paragraphs(seed: int, n: int = 6) -> list[str]:
    r = random.Random(seed)
    place = r.choice(_PLACES)
    out = []
    for i in range(n):
        who, did, what, why = r.choice(_WHO), r.choice(_DID), r.choice(_WHAT), r.choice(_WHY)
        num = r.randint(3, 950)
        if i % 3 == 2:
            out.append(f'"{r.choice(_QUOTE)}," said {r.choice(_NAMES)}, who has followed the issue in {place} for '
                       f"{r.randint(2, 30)} years. The figure of {num} cited on day {seed} was disputed by "
                       f"{r.choice(_WHO)}, which said {r.choice(_WHAT)} would need another {r.randint(2, 40)} weeks.")
        else:
            out.append(f"In {place}, {who} {did} {what} {why}. Officials said {num} people were affected in "
                       f"case {seed}-{i}, and that {r.choice(_WHO)} had {r.choice(_DID)} {r.choice(_WHAT)} "
                       f"{r.choice(_WHY)}.")
    return out


def title(seed: int) -> str:
    r = random.Random(seed * 7 + 1)
    return f"{r.choice(_WHO).capitalize()} {r.choice(_DID)} {r.choice(_WHAT)} in {r.choice(_PLACES)} ({seed})"


def article_html(seed: int, *, title_text: str | None = None, lang: str = "en", extra_head: str = "",
                 canonical: str | None = None, published: str = "2026-11-02") -> str:
    t = title_text or title(seed)
    body = "\n".join(f"<p>{p}</p>" for p in paragraphs(seed))
    canon = f'<link rel="canonical" href="{canonical}">' if canonical else ""
    return (f'<!DOCTYPE html><html lang="{lang}"><head><meta charset="utf-8"><title>{t}</title>{canon}'
            f'<meta property="article:published_time" content="{published}T08:00:00Z">{extra_head}</head>'
            f'<body><header><nav><a href="/">Home</a> <a href="/world/">World</a></nav></header>'
            f"<main><article><h1>{t}</h1><p class=\"byline\">By Staff Reporter</p>{body}</article></main>"
            f"<footer><p>Test Site footer</p></footer></body></html>")


_TEMPLATES = [
    ("<header><div class='logo'>The {site} Courier</div><nav>{nav}</nav></header>",
     "<footer><p>© 2026 The {site} Courier. All rights reserved.</p><p>Subscribe to our newsletter</p></footer>"),
    ("<div id='top'><ul class='menu'>{nav}</ul></div><div class='share'>Share this article</div>",
     "<div class='related'><h3>Related stories</h3><ul><li><a href='/x'>More news from {site}</a></li></ul></div>"
     "<div class='comments'><h3>Leave a Reply</h3><form><textarea></textarea></form></div>"),
    ("<div class='cookie'>We use cookies to improve your experience. Accept</div><nav>{nav}</nav>",
     "<aside><h4>Most read</h4><p>Weather warning for {site}</p></aside><footer>Contact us · Privacy</footer>"),
]


def page(seed: int, *, site: str = "bench", url: str | None = None, copy_of: int | None = None) -> str:
    """A full article page in one of a few site templates; ``copy_of`` makes it a syndicated copy of
    another seed's story (other template, new headline, a dateline, the last paragraph cut)."""
    story = copy_of if copy_of is not None else seed
    paras = paragraphs(story)
    head_html, foot_html = _TEMPLATES[seed % len(_TEMPLATES)]
    t = title(story)
    if copy_of is not None:
        paras = [f"GRENMOUTH (Wire) - {paras[0]}", *paras[1:-1]]
        t = f"Update: {t}"
    nav = "".join(f"<a href='/section/{n}/'>{n.title()}</a> " for n in ("world", "business", "sport", "opinion"))
    body = "".join(f"<p>{p}</p>" for p in paras)
    canon = f'<link rel="canonical" href="{url}">' if url else ""
    return (f'<!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><title>{t} | {site}</title>{canon}'
            f'<meta property="article:published_time" content="2026-11-02T08:00:00Z"></head><body>'
            f"{head_html.format(site=site, nav=nav)}<main><article><h1>{t}</h1><p class='byline'>By Staff Writer</p>"
            f"{body}</article></main>{foot_html.format(site=site)}</body></html>")


# --------------------------------------------------------------------------- distinct stories at scale
# paragraphs() above draws from a few dozen phrases: hundreds of its stories share most character
# 4-grams, and the dedup index (rightly) groups some of them. The field test's news world needs
# thousands of stories that are distinct the way real ones are: each gets invented names, places and
# things of its own (drawn from syllables), which make its shingles its own.
_ON = ["b", "br", "c", "ch", "d", "dr", "f", "g", "gr", "h", "j", "k", "kl", "l", "m", "n", "p", "pr", "r", "s",
       "sh", "st", "t", "tr", "v", "w", "z"]
_NU = ["a", "e", "i", "o", "u", "ai", "ea", "ou", "ie", "y"]
_CO = ["", "n", "r", "l", "s", "th", "nd", "rk", "st", "m", "x", "ck"]
_SENTENCES = [
    "{p1} said on {day} that the {org} would {verb} the {thing} in {place} before {month}.",
    "About {n} people {verb2} outside the offices of the {org} in {place}, according to {p2}.",
    "\"{quote},\" said {p1}, who {role} the {org}.",
    "The {thing} had cost {place} {n} million {cur} since {year}, officials at the {org} said.",
    "{p2}, a spokesperson for the {org}, declined to say whether the {thing} would reopen.",
    "Residents of {place} and {place2} have waited {n2} years for a decision on the {thing}.",
    "Critics of the plan, led by {p2}, argued that the {org} had ignored {n} written objections.",
    "A report by the {org} found that {n2} of the {n} sites inspected in {place2} failed basic checks.",
]
_QUOTES = ["we will not be moved on this", "nobody told us the {thing} was at risk", "the figures speak for themselves",
           "this was never about money", "{place} deserves better than this", "we expect an answer by {month}"]
_VERBS = ["close", "rebuild", "sell", "inspect", "expand", "suspend", "privatise", "relocate", "audit", "replace"]
_VERBS2 = ["gathered", "marched", "queued", "protested", "waited", "rallied", "camped"]
_ROLES = ["has advised", "used to chair", "sits on the board of", "has long criticised", "works for", "once ran"]
_ORGS = ["Council", "Authority", "Holdings", "Trust", "Union", "Institute", "Board"]
_THINGS = ["bridge", "terminal", "mill", "hospital", "quarry", "depot", "reservoir", "school"]
_DAYS = ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"]
_MONTHS = ["January", "February", "March", "April", "May", "June", "July", "August", "September", "October",
           "November", "December"]


def _word(r: random.Random, syllables: int) -> str:
    return "".join(r.choice(_ON) + r.choice(_NU) + r.choice(_CO) for _ in range(syllables))


def story(seed: int, n: int = 6) -> tuple[str, str, list[str]]:
    """(headline, dateline city, paragraphs) of a distinct invented news story, about 350 words."""
    r = random.Random(f"story-{seed}")
    people = [f"{_word(r, 2).capitalize()} {_word(r, 2).capitalize()}" for _ in range(2)]
    ctx = {"p1": people[0], "p2": people[1], "org": f"{_word(r, 2).capitalize()} {r.choice(_ORGS)}",
           "place": _word(r, 2).capitalize(), "place2": _word(r, 2).capitalize(),
           "thing": f"{_word(r, 2)} {r.choice(_THINGS)}", "cur": r.choice(["crowns", "marks", "florins"])}
    paras = []
    for _ in range(n):
        sentences = []
        for _ in range(r.randint(3, 4)):
            month = r.choice(_MONTHS)
            quote = r.choice(_QUOTES).format(**ctx, month=month)
            sentences.append(r.choice(_SENTENCES).format(
                **ctx, quote=quote[0].upper() + quote[1:], verb=r.choice(_VERBS), verb2=r.choice(_VERBS2),
                role=r.choice(_ROLES), day=r.choice(_DAYS), month=month, n=r.randint(12, 990),
                n2=r.randint(2, 40), year=r.randint(1990, 2020)))
        paras.append(" ".join(sentences))
    headline = f"{ctx['org']} to {r.choice(_VERBS)} the {ctx['thing']} in {ctx['place']} ({seed})"
    return headline, ctx["place"].upper(), paras
