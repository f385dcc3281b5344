"""The steps after extraction, datatrove-like: each a plain object with one ``run`` method over a
stream of documents, and its own counts (``stats``: documents passed, documents dropped by reason).

    Identify -> Templates -> Filter -> Dedup -> Store

A step drops a document by not yielding it, after handing it to its ``drop`` callback with the
reason and that reason's outcome in crawler/reasons.py, skipped or failed (copydesk.ledger.Ledger.drop:
counted, and the URL decided). A step knows nothing of the
executor (the extraction pool, the crawler) or of the Pipeline that composes them; it is given only
the collaborators it needs.
"""
from __future__ import annotations

import datetime as dt
import re
import time
import unicodedata
from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any, Protocol
from urllib.parse import urlsplit

from copydesk import cleaning
from copydesk import consent
from copydesk import dedup
from copydesk.config import FilterSettings
from copydesk.crawler.reasons import known
from copydesk.documents import Doc
from copydesk.cleaning.model import count_words, record_words
from copydesk.storage import RawResponse, Record, doc_id, host, identity_url, url_key


class Drop(Protocol):
    """Count a document that is not stored, and decide its URL (copydesk.ledger.Ledger.drop)."""

    def __call__(self, d: Doc, outcome: str, reason: str, detail: str | None = None) -> None: ...



class Step(Protocol):
    def run(self, docs: Iterable[Doc]) -> Iterator[Doc]: ...


@dataclass
class StepStats:
    passed: int = 0
    dropped: Counter[str] = field(default_factory=Counter)  # reason -> documents

    def as_dict(self) -> dict[str, Any]:
        return {"passed": self.passed, "dropped": dict(sorted(self.dropped.items()))}


# a reason, or a reason and a detail for the errors table
Verdict = str | tuple[str, str]


class _Dropping:
    """A step that lets a document through or drops it for the reason ``check`` gives, skipped or
    failed as crawler/reasons.py says of that reason."""

    def __init__(self, drop: Drop):
        self.drop = drop
        self.stats = StepStats()

    def run(self, docs: Iterable[Doc]) -> Iterator[Doc]:
        for d in docs:
            verdict = self.check(d)
            if verdict:
                reason, detail = verdict if isinstance(verdict, tuple) else (verdict, None)
                entry = known(reason)
                assert entry is not None, f"{reason} is not in crawler/reasons.py"
                self.stats.dropped[reason] += 1
                self.drop(d, entry.outcome, reason, detail)
                continue
            self.stats.passed += 1
            yield d

    def check(self, d: Doc) -> Verdict | None:
        raise NotImplementedError


class Seen(Protocol):
    """What Identify asks about a document's URL (copydesk.ledger.Ledger)."""

    def is_stored(self, key: str, id_: str) -> bool: ...

    def is_deleted(self, key: str, doc_id: str | None = None) -> bool: ...


class Identify(_Dropping):
    """Gives the document its URL, site and stable id (storage.identity_url), and drops consent
    walls (copydesk/consent.py: failed, so the article URL is fetched again by the next runs) and
    URLs already stored or taken down."""

    def __init__(self, seen: Seen, drop: Drop):
        super().__init__(drop)
        self.seen = seen

    def check(self, d: Doc) -> Verdict | None:
        a = d.article
        assert a is not None
        url = d.page.url
        if d.page.status is None and a.canonical_url and a.canonical_url.startswith(("http://", "https://")):
            url = a.canonical_url  # a saved page: its canonical URL is where it came from
        canonical = identity_url(url, a.canonical_url)
        d.url, d.key, d.id, d.site = url, url_key(canonical), doc_id(canonical), host(url) or "local"
        # before `already_stored`: a wall's canonical URL (or a wall an older copydesk stored) is
        # shared by many articles, and must not decide them for good
        if wall := consent.readdressed_wall(d.page):
            d.page, detail = wall
            return "consent_wall", detail
        if consent.is_consent_text(a.text, a.title):
            return "consent_wall"
        if self.seen.is_stored(d.key, d.id):
            return "already_stored"
        if self.seen.is_deleted(d.key, d.id):  # a takedown (storage/delete.py): never stored again
            return "deleted"
        d.text = a.text
        return None


class Templates(_Dropping):
    """Site-level template learning (cleaning.SiteTemplates): strip the lines learned as the site's
    template, then learn from this page."""

    def __init__(self, templates: cleaning.SiteTemplates, min_words: int, drop: Drop):
        super().__init__(drop)
        self.templates, self.min_words = templates, min_words

    def check(self, d: Doc) -> str | None:
        site = urlsplit(d.url).netloc or d.site  # host:port, so local mirrors on one host stay apart
        keys = d.line_keys if d.article is not None and d.text is d.article.text else None
        d.text = self.templates.process(site, d.text, keys=keys)
        return "too_short" if count_words(d.text) < self.min_words else None


def _unspaced(ch: str) -> bool:
    """A character of a script written without spaces between words (Chinese, Japanese, Thai, ...)."""
    return unicodedata.name(ch, "").startswith(("CJK ", "HIRAGANA", "KATAKANA", "THAI", "LAO", "KHMER", "MYANMAR"))


def keyword_pattern(keywords: Iterable[str]) -> re.Pattern[str] | None:
    """One regex for `[filter] keywords`, searched in the casefolded title and text: a keyword
    matches at the start of a word ("ice" in "ice" and "Icebergs", not in "police" or
    "self-service"; "wasser" in "Wasserpreis", not in "Trinkwasser"); the words of a keyword
    match as a phrase, with any whitespace between them. A keyword in a script written without
    spaces matches anywhere. In a cleaned text, whatever this finds the substring rule of earlier
    versions found too, so their skips stand (crawler.reasons.config_fingerprint). None when there
    is no keyword."""
    alts = []
    for k in keywords:
        words = k.casefold().split()
        if words:
            start = "" if _unspaced(words[0][0]) else r"(?<!\w)"
            alts.append(start + r"\s+".join(map(re.escape, words)))
    return re.compile("|".join(alts)) if alts else None


# the earliest publication date believed from a feed or sitemap (htmldate's floor for a page's own)
_EARLIEST = dt.datetime(1995, 1, 1, tzinfo=dt.timezone.utc)


def published(d: Doc) -> str | None:
    """The record's ``published``: the page's own statement (cleaning: its metadata, never dates
    of page furniture or links), else the date its feed or sitemap gave when the crawl discovered
    it (``Page.hints["published"]``: RSS pubDate, Atom published/updated, RDF dc:date, JSON Feed
    date_published, news:publication_date; not a sitemap's lastmod). Where both have one, the page's
    own wins (it is the article's, a feed entry may be a syndication or re-listing date); a page
    date without a time of day takes the feed's time when the feed dates it the same day. A feed
    date that is not ISO 8601, before 1995 or more than a day after the fetch is not used.
    docs/corpus.md, `published`."""
    a = d.article
    assert a is not None
    own = a.published
    hint = d.page.hints.get("published") if d.page.hints else None
    if not isinstance(hint, str) or (own and len(own) > 10):
        return own
    when = _discovery_time(hint, d.page.fetched_at)
    if when is None:
        return own
    if own and own != when.date().isoformat():
        return own
    return when.date().isoformat() if len(hint.strip()) == 10 else when.isoformat()


def _discovery_time(value: str, fetched_at: dt.datetime | None) -> dt.datetime | None:
    """A feed's or sitemap's ISO 8601 date(-time), aware (a time without a zone, or a date alone, as
    UTC); None when unreadable or implausible."""
    s = value.strip()
    try:
        when = dt.datetime.fromisoformat(s[:-1] + "+00:00" if s.endswith(("Z", "z")) else s)
    except ValueError:
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=dt.timezone.utc)
    latest = (fetched_at or dt.datetime.now(dt.timezone.utc)) + dt.timedelta(days=1)
    if latest.tzinfo is None:
        latest = latest.replace(tzinfo=dt.timezone.utc)
    return when if _EARLIEST <= when <= latest else None


class Filter(_Dropping):
    """config [filter]: keywords in title or text (``keyword_pattern``), languages, published since."""

    def __init__(self, settings: FilterSettings, drop: Drop):
        super().__init__(drop)
        self.keywords = keyword_pattern(settings.keywords)
        self.languages = set(settings.languages)
        self.filter = settings

    def check(self, d: Doc) -> str | None:
        a = d.article
        assert a is not None
        if self.keywords is not None:
            hay = f"{a.title or ''}\n{d.text}".casefold()
            if not self.keywords.search(hay):
                return "filter_keywords"
        if self.languages and (a.language or "").lower() not in self.languages:
            return "filter_language"
        if self.filter.too_old(published(d)):
            return "filter_since"
        return None


class Dedup:
    """The cluster index (a dedup.ClusterIndex; dedup.Deduper is the embedded one): join the
    best-matching cluster or start one. The index's window runs on ``clock``, when copydesk stores
    the document: never on a publication or fetch date, so an archive crawl or a re-syndicated old
    story cannot evict recent stories (docs/dedup.md)."""

    def __init__(self, deduper: dedup.ClusterIndex, clock: Callable[[], float] = time.time):
        self.deduper = deduper
        self.clock = clock
        self.stats = StepStats()

    def run(self, docs: Iterable[Doc]) -> Iterator[Doc]:
        for d in docs:
            d.assignment = self.deduper.add(d.id, d.text, timestamp=self.clock(), source=d.page.source,
                                            features=d.features)
            self.stats.passed += 1
            yield d


class Writer(Protocol):
    def add(self, record: Record, raw: RawResponse | bytes | None = None, *,
            stored_at: dt.datetime | None = None) -> None: ...


# (document, the url keys it is stored under): the document is buffered in the writer
Stored = Callable[[Doc, set[str]], None]


class Store:
    """Buffers the record and its raw response in the corpus writer, then reports the document
    stored under its URL keys (made durable by the next checkpoint: copydesk.ledger)."""

    def __init__(self, writer: Writer, stored: Stored, clock: Callable[[], float] = time.time):
        self.writer, self.stored, self.clock = writer, stored, clock
        self.stats = StepStats()

    def run(self, docs: Iterable[Doc]) -> Iterator[Doc]:
        for d in docs:
            self.store(d)
            self.stats.passed += 1
            yield d

    def store(self, d: Doc) -> None:
        a, asg = d.article, d.assignment
        assert a is not None and asg is not None
        rec = Record(
            id=d.id, url=d.url, source=d.page.source, site=d.site, title=a.title, text=d.text,
            published=published(d), fetched_at=d.page.fetched_at, language=a.language,
            word_count=record_words(d.text), cluster_id=asg.cluster_id, duplicate_of=asg.duplicate_of,
            similarity=None if asg.similarity is None else round(float(asg.similarity), 4),
            authors=list(a.authors), canonical_url=a.canonical_url, description=a.description)
        raw = d.warc or RawResponse(d.page.url, d.page.body, d.page.status, d.page.headers, d.page.fetched_at)
        self.writer.add(rec, raw, stored_at=dt.datetime.fromtimestamp(self.clock(), dt.timezone.utc))
        keys = {d.key, url_key(d.page.url), url_key(d.url)}
        if d.page.request_url:
            keys.add(url_key(d.page.request_url))
        self.stored(d, keys)
