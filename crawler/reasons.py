"""Every reason a URL is skipped or fails, in one list: the spider, the pipeline, the summary,
`copydesk status`, the Prometheus `reason` label and docs/crawling.md all use these names
(`tests/test_reasons.py` checks the docs table against this list and provokes each download failure).

A reason is ``skipped`` (decided for good: the URL is never fetched again, unless the reason is
caused by configuration and that configuration changes) or ``failed`` (retried by the next runs,
three attempts in all, for an article URL). Names ending in ``_NNN`` or ``:Name`` are families.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

SKIPPED, FAILED = "skipped", "failed"


@dataclass(frozen=True)
class Reason:
    name: str          # as counted; a family is written with a placeholder: http_NNN, parse_error:Name
    outcome: str       # SKIPPED | FAILED
    meaning: str       # one line, for the docs
    config: bool = False   # caused by configuration: re-decided when that configuration changes


REASONS: tuple[Reason, ...] = (
    # -- skipped: decided for good --------------------------------------------------------------
    Reason("robots_disallowed", SKIPPED, "robots.txt disallows the URL for copydesk's user agent"),
    Reason("offsite", SKIPPED, "on a host outside the source's domains (its configured URLs' registrable domains "
           "and `allowed_domains`)", config=True),
    Reason("not_html", SKIPPED, "the response is not HTML (an image, a PDF, ...; under a generic type such as "
                                "application/octet-stream or none, a body whose first KB does not start like HTML)"),
    Reason("binary", SKIPPED, "served as HTML but holds binary data"),
    Reason("empty", SKIPPED, "an empty page (an empty feed or sitemap is counted as failed)"),
    Reason("not_article", SKIPPED, "a page with no article text (an index, a gallery, ...)"),
    Reason("too_short", SKIPPED, "fewer words of clean text than an article has"),
    Reason("filter_keywords", SKIPPED, "none of `filter.keywords` occurs at the start of a word of its title or text",
           config=True),
    Reason("filter_language", SKIPPED, "its language is not among `filter.languages`", config=True),
    Reason("filter_since", SKIPPED, "published before `filter.since`", config=True),
    Reason("already_stored", SKIPPED, "its same-site canonical URL is already stored"),
    Reason("amp_page", SKIPPED, "an AMP page: the full page its rel=canonical names on the same host is fetched "
           "instead; the AMP page is stored when that page is refused by robots.txt or fails"),
    Reason("bad_url", SKIPPED, "a link in a feed, sitemap or section page that is no valid URL (a port out of range "
           "or not a number, an unterminated IPv6 address): counted for the run, the other links are read"),
    Reason("deleted", SKIPPED, "taken down with `copydesk delete`: never fetched or stored again"),
    Reason("redirect_known", SKIPPED, "redirects to an article URL already decided (stored, taken down, skipped for "
           "good): the redirect is not followed"),
    # -- failed: retried by later runs ----------------------------------------------------------
    Reason("consent_wall", FAILED, "a cookie-consent wall instead of the article: redirected to a consent page, or a "
           "short text that is a consent notice (copydesk/consent.py)"),
    Reason("robots_unavailable", FAILED, "the host's robots.txt answered 5xx or timed out: nothing is fetched from the "
           "host that run (RFC 9309), and its URLs are tried again by the next runs"),
    Reason("http_NNN", FAILED, "the server answered with this HTTP status (404, 500 after retries, 403, ...)"),
    Reason("timeout", FAILED, "no complete answer within `crawl.timeout` (after retries)"),
    Reason("connection_refused", FAILED, "nothing listens at the host's address and port"),
    Reason("dns_error", FAILED, "the host name does not resolve"),
    Reason("connection_lost", FAILED, "the connection broke before the answer was complete"),
    Reason("tls_error", FAILED, "the TLS handshake failed (certificate, protocol)"),
    Reason("too_large", FAILED, "the body (or its decompressed size) exceeds `crawl.max_page_bytes`"),
    Reason("redirect_loop", FAILED, "more than 10 redirects"),
    Reason("address_refused", FAILED, "a redirect or host resolving to an internal address (loopback, private, "
           "link-local, cloud metadata)"),
    Reason("unsafe_scheme", FAILED, "a URL that is not http(s)"),
    Reason("cancelled", FAILED, "the download was cancelled (the crawl was stopping)"),
    Reason("ignored", FAILED, "refused by a Scrapy component for another reason"),
    Reason("extraction_timeout", FAILED, "cleaning the page took longer than `crawl.extract_timeout`"),
    Reason("extraction_crashed", FAILED, "the extraction worker died on the page (memory limit, crash)"),
    Reason("extraction_failed", FAILED, "the extractor could not parse the page"),
    Reason("extraction_error:Name", FAILED, "the extractor raised this exception"),
    # feeds, sitemaps, section pages (discovery)
    Reason("bad_feed", FAILED, "a feed that cannot be parsed"),
    Reason("not_a_feed", FAILED, "a feed URL that returns something else (an HTML page, ...)"),
    Reason("bad_sitemap", FAILED, "a sitemap that cannot be parsed"),
    Reason("not_a_sitemap", FAILED, "a sitemap URL whose XML is neither an urlset nor a sitemap index"),
    Reason("bad_gzip", FAILED, "a .gz sitemap that does not decompress"),
    Reason("decompressed_too_large", FAILED, "a .gz sitemap larger than `crawl.max_page_bytes` once decompressed"),
    Reason("xml_entities_refused", FAILED, "a feed or sitemap that declares XML entities (never expanded)"),
    Reason("sitemap_too_deep", FAILED, "a sitemap index nested more than 3 deep"),
    Reason("parse_timeout", FAILED, "parsing a feed or sitemap took longer than `crawl.extract_timeout`"),
    Reason("parse_error:Name", FAILED, "the feed or sitemap parser raised this exception"),
    # local input (`copydesk ingest`): a file, not a URL
    Reason("not_a_warc", FAILED, "`ingest`: a .warc/.warc.gz file that is not a WARC file: nothing is read from it"),
    Reason("truncated_warc", FAILED, "`ingest`: a WARC file that breaks off inside a record (a download cut short): "
           "the complete records before the cut are ingested"),
    Reason("error", FAILED, "a failure of no known kind (the log has its details)"),
)

BY_NAME = {r.name: r for r in REASONS}
CONFIG_REASONS = frozenset(r.name for r in REASONS if r.config)
_FAMILIES = [(re.compile("^" + re.escape(r.name).replace("NNN", r"\d{3}").replace("Name", r"[A-Za-z_][\w.]*") + "$"), r)
             for r in REASONS if r.name.endswith(("NNN", ":Name"))]


def known(name: str) -> Reason | None:
    """The list's entry for a counted reason (a family's entry for ``http_404``), or None."""
    r = BY_NAME.get(name)
    if r is not None:
        return r
    return next((r for pattern, r in _FAMILIES if pattern.match(name)), None)


def _chain(exc: BaseException) -> list[BaseException]:
    """An exception and what it wraps (Scrapy 2.19 raises its own DownloadConnectionRefusedError,
    CannotResolveHostError, ... ``from`` Twisted's): outermost first."""
    out: list[BaseException] = []
    e: BaseException | None = exc
    while e is not None and e not in out and len(out) < 10:
        out.append(e)
        e = e.__cause__ or e.__context__
        # Twisted's ResponseFailed / ResponseNeverReceived carry their causes as a list of Failures
    for e in list(out):
        for f in getattr(e, "reasons", None) or []:
            v = getattr(f, "value", None)
            if isinstance(v, BaseException) and v not in out:
                out.append(v)
    return out


# (exception class name anywhere in the chain, text the message must hold or None, reason)
_RULES: list[tuple[str, str | None, str]] = [
    ("IgnoreRequest", "robots.txt unavailable", "robots_unavailable"),
    ("IgnoreRequest", "robots.txt", "robots_disallowed"),
    ("IgnoreRequest", "internal address", "address_refused"),
    ("IgnoreRequest", "max redirections", "redirect_loop"),
    ("IgnoreRequest", "unsafe scheme", "unsafe_scheme"),
    ("IgnoreRequest", "offsite", "offsite"),
    ("IgnoreRequest", "max size", "too_large"),
    ("IgnoreRequest", "larger than", "too_large"),
    ("IgnoreRequest", None, "ignored"),
    ("DownloadCancelledError", "size", "too_large"),
    ("CancelledError", "size", "too_large"),
    ("DownloadTimeoutError", None, "timeout"),
    ("TCPTimedOutError", None, "timeout"),
    ("TimeoutError", None, "timeout"),
    ("CannotResolveHostError", None, "dns_error"),
    ("DNSLookupError", None, "dns_error"),
    ("DownloadConnectionRefusedError", None, "connection_refused"),
    ("ConnectionRefusedError", None, "connection_refused"),
    ("SSLError", None, "tls_error"),
    ("Error", "ssl", "tls_error"),  # OpenSSL.SSL.Error inside ResponseNeverReceived
    ("DownloadCancelledError", None, "cancelled"),
    ("CancelledError", None, "cancelled"),
    ("ResponseDataLossError", None, "connection_lost"),
    ("ConnectionLost", None, "connection_lost"),
    ("ConnectionDone", None, "connection_lost"),
    ("ResponseNeverReceived", None, "connection_lost"),
    ("ResponseFailed", None, "connection_lost"),
    ("DownloadFailedError", None, "connection_lost"),
]


def failure_reason(failure: Any) -> str:
    """The reason of a failed request (a Twisted Failure from a Scrapy errback): always a name in
    REASONS (``error`` when nothing matches; the log and `status` keep the message)."""
    value = failure.value
    response = getattr(value, "response", None)
    if type(value).__name__ == "HttpError" and response is not None:
        return f"http_{response.status}"
    chain = _chain(value)
    names = {c.__name__ for e in chain for c in type(e).__mro__}
    text = " ".join(str(e) for e in chain).lower()
    for name, needle, reason in _RULES:
        if name in names and (needle is None or needle in text):
            return reason
    if "max size" in text or "maxsize" in text:
        return "too_large"
    return "error"


def config_fingerprint(reason: str, config: Any, source: str | None) -> str | None:
    """What a skip for ``reason`` depended on, as a short hash: the source's domains for `offsite`,
    `[filter]`'s keywords, languages or since date for the filters. None for other reasons (and for
    `offsite` of a source no longer configured). ``config`` is a copydesk Config."""
    if reason not in CONFIG_REASONS:
        return None
    f = config.filter
    if reason == "offsite":
        src = next((s for s in config.sources if s.name == source), None)
        if src is None:
            return None
        from copydesk.crawler.domains import Domains

        what = Domains(src.hosts, src.allowed_domains).fingerprint()
    elif reason == "filter_keywords":
        # Keywords matched substrings before they matched at word starts (copydesk.steps.keyword_pattern),
        # with any whitespace between a keyword's words. In a cleaned text (one space between words) the
        # new rule finds a subset of what the old one found, so a URL skipped then is skipped now and its
        # fingerprint stays (tests/test_filters.py), except for a keyword written with other whitespace
        # ("city  council" found nothing): whitespace is normalised here, which changes the fingerprint
        # of just those. A rule that finds more must add a marker here, so that its skips are decided anew.
        what = "\n".join(sorted({" ".join(k.casefold().split()) for k in f.keywords}))
    elif reason == "filter_language":
        what = ",".join(sorted(set(f.languages)))
    else:
        what = str(f.since or "")
    import hashlib

    return hashlib.sha256(f"{reason}\0{what}".encode()).hexdigest()[:16]


def markdown_table() -> str:
    """The reasons table of docs/crawling.md (`python -m crawler.reasons` prints it;
    tests/test_reasons.py checks the docs hold exactly this)."""
    rows = ["| reason | outcome | meaning |", "|---|---|---|"]
    for r in REASONS:
        note = "; decided again when that configuration changes" if r.config else ""
        rows.append(f"| `{r.name}` | {r.outcome} | {r.meaning}{note} |")
    return "\n".join(rows) + "\n"


if __name__ == "__main__":
    print(markdown_table(), end="")
