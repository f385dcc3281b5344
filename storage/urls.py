"""URL identity: one canonical key per article URL, and the stable record id derived from it."""
from __future__ import annotations

import functools
import hashlib
from urllib.parse import urlsplit

import courlan
from w3lib.url import canonicalize_url


@functools.lru_cache(maxsize=16384)  # a URL is keyed when discovered, before and after its fetch, when stored
def url_key(url: str) -> str:
    """The canonical form used to decide "same URL": scheme and host lower-cased, default port,
    fragment and tracking parameters (utm_*, fbclid, ...) removed, query arguments sorted.

    courlan knows the tracking parameters; w3lib sorts the query and normalises percent-escapes.
    """
    url = url.strip()
    try:
        normalized = courlan.normalize_url(url, strict=False)
    except Exception:  # courlan raises on some malformed URLs; fall back to w3lib alone
        normalized = url
    return canonicalize_url(normalized, keep_fragments=False)


def identity_url(url: str, canonical_url: str | None) -> str:
    """The URL a record's identity comes from: the page's own rel=canonical when it points to the
    same site (a cross-site canonical is how syndicated copies name their original: they keep
    their own URL and dedup groups them), else the URL itself. A canonical that is the site's home
    page, on a page that is not, is a template's mistake (every article would be one record) and
    is not followed."""
    if not canonical_url or not same_site(canonical_url, url):
        return url
    if _is_home(canonical_url) and not _is_home(url):
        return url
    return canonical_url


def _is_home(url: str) -> bool:
    parts = urlsplit(url)
    return parts.path in ("", "/") and not parts.query


def doc_id(url: str) -> str:
    """Stable record id: 16 hex digits of SHA-256 over the canonical URL key."""
    return hashlib.sha256(url_key(url).encode("utf-8")).hexdigest()[:16]


def host(url: str) -> str:
    return (urlsplit(url).hostname or "").lower()


def same_site(a: str, b: str) -> bool:
    """True when two URLs share a host (ignoring a leading 'www.')."""
    ha, hb = host(a).removeprefix("www."), host(b).removeprefix("www.")
    return bool(ha) and ha == hb
