"""URL identity: one canonical key per article URL, and the stable record id derived from it."""
from __future__ import annotations

import functools
import hashlib
from urllib.parse import parse_qs, urlencode, urlsplit, urlunsplit

import courlan
from w3lib.url import canonicalize_url


# Query parameters that only say how a reader arrived (campaign, click and session ids), removed
# from the URL key: by exact name, or by prefix. Every one is a name courlan's tracker pattern also
# removes (tests/test_url_keys.py), so a v2 key never merges two URLs that a v1 key kept apart; what
# v2 keeps is the names that pattern took by a prefix match although sites use them as content ids
# (``cid``, ``gallery``, ``gameId``, ``global``, ``reference``, ``source``, ``uid``, ...).
TRACKING_NAMES = frozenset({
    "fbclid", "gclid", "dclid", "gbraid", "wbraid", "msclkid", "twclid", "yclid", "ysclid", "igshid", "clickid",
    "_ga", "_gl", "xtor", "ref", "ref_src", "ref_url", "referrer", "referer", "fb_source", "fb_ref",
    "at_medium", "at_campaign", "partnerid", "sessionid",
})
TRACKING_PREFIXES = ("utm_", "mtm_", "pk_", "itm_", "oly_", "vero_", "mc_", "mkt_")
_V1_TRACKERS = courlan.clean.TRACKERS_RE
URL_KEY_VERSION = 2  # 1: courlan's tracker pattern (storage.state and cluster re-key decisions made under it)


def is_tracking(name: str) -> bool:
    n = name.lower()
    return n in TRACKING_NAMES or n.startswith(TRACKING_PREFIXES)


@functools.lru_cache(maxsize=16384)  # a URL is keyed when discovered, before and after its fetch, when stored
def url_key(url: str) -> str:
    """The canonical form used to decide "same URL": scheme and host lower-cased, default port,
    fragment and tracking parameters (``is_tracking``: utm_*, fbclid, ...) removed, query arguments
    sorted, empty ones dropped.

    courlan normalises scheme, host, port and path; the query is cleaned here (courlan's own
    tracker pattern also takes real ids such as ``?cid=``); w3lib sorts the query and normalises
    percent-escapes.
    """
    url = url.strip()
    try:
        parts = urlsplit(url)
        base = courlan.normalize_url(parts._replace(query=""), strict=False)
        query = urlencode({k: v for k, v in sorted(parse_qs(parts.query).items()) if not is_tracking(k)}, doseq=True)
        if query:
            b = urlsplit(base)
            base = urlunsplit(b._replace(path=b.path or "/", query=query))
    except Exception:  # courlan raises on some malformed URLs; fall back to w3lib alone
        base = url
    try:
        return canonicalize_url(base, keep_fragments=False)
    except (ValueError, UnicodeError):  # a port out of range, "http://[::1": keyed as written (never fetched)
        return url


def rekeyed_by_v2(url: str) -> bool:
    """Whether ``url``'s key differs between version 1 and today (a parameter version 1 took for
    tracking and today's list does not): a cheap test, without computing either key."""
    try:
        names = parse_qs(urlsplit(url.strip()).query)
    except ValueError:
        return False
    return any(_V1_TRACKERS.search(n.lower()) and not is_tracking(n) for n in names)


def url_key_v1(url: str) -> str:
    """The URL key of copydesk before URL_KEY_VERSION 2, for re-keying decisions made with it."""
    url = url.strip()
    try:
        normalized = courlan.normalize_url(url, strict=False)
    except Exception:
        normalized = url
    return canonicalize_url(normalized, keep_fragments=False)


def identity_url(url: str, canonical_url: str | None) -> str:
    """The URL a record's identity comes from: the page's own rel=canonical when it points to the
    same site (a cross-site canonical is how syndicated copies name their original: they keep
    their own URL and dedup groups them), else the URL itself. A canonical that is a section above
    the page (the home page, or a path ending in "/" that the page's path continues) is a
    template's mistake (every article of the section would be one record) and is not followed."""
    if not canonical_url or not same_site(canonical_url, url):
        return url
    if _is_section_of(canonical_url, url):
        return url
    return canonical_url


def _is_section_of(canonical: str, url: str) -> bool:
    """The home page for any other page; a path ending in "/" for a page whose path continues it."""
    c, u = urlsplit(canonical), urlsplit(url)
    if c.query:
        return False
    section, page = c.path or "/", u.path or "/"
    if section == "/":
        return page != "/" or bool(u.query)
    return section.endswith("/") and page.startswith(section) and page != section


def doc_id(url: str) -> str:
    """Stable record id: 16 hex digits of SHA-256 over the canonical URL key."""
    return hashlib.sha256(url_key(url).encode("utf-8")).hexdigest()[:16]


def host(url: str) -> str:
    return (urlsplit(url).hostname or "").lower()


def same_site(a: str, b: str) -> bool:
    """True when two URLs share a host (ignoring a leading 'www.')."""
    ha, hb = host(a).removeprefix("www."), host(b).removeprefix("www.")
    return bool(ha) and ha == hb
