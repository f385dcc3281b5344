"""Which hosts a source may fetch articles from: the registrable domains of its configured URLs
(public suffix list), plus its ``allowed_domains``.

``feeds.bbci.co.uk`` -> ``bbci.co.uk``, ``rss.dw.com`` -> ``dw.com``: a feed host's registrable
domain is the part a registrant owns, one label under a public suffix (``co.uk``, ``com``, and the
private suffixes such as ``github.io``, so ``alice.github.io`` does not open ``bob.github.io``).
The list is tldextract's snapshot bundled with the package: nothing is fetched from the network.
A host under a suffix the list does not know (``news.example``, ``x.localhost``) follows the list's
default rule (the last label is the suffix); an IP address is its own domain.
"""
from __future__ import annotations

import ipaddress
import re
from collections.abc import Iterable
from functools import lru_cache

import tldextract

# suffix_list_urls=(): never fetch the list; cache_dir=None: no cache file (the snapshot is read once)
_EXTRACT = tldextract.TLDExtract(suffix_list_urls=(), cache_dir=None, include_psl_private_domains=True)
_LABEL = r"[a-z0-9_](?:[a-z0-9_-]{0,61}[a-z0-9_])?"
_DOMAIN = re.compile(rf"^(?:{_LABEL}\.)*{_LABEL}$")


def _ip(host: str) -> bool:
    try:
        ipaddress.ip_address(host.strip("[]"))
        return True
    except ValueError:
        return False


def normalize(host: str) -> str:
    return host.strip().lower().rstrip(".")


@lru_cache(maxsize=65536)
def registrable_domain(host: str) -> str:
    """The registrable domain of a host name (the host itself for an IP address or a bare suffix)."""
    host = normalize(host)
    if not host or _ip(host):
        return host
    r = _EXTRACT.extract_str(host)
    if r.suffix:
        return f"{r.domain}.{r.suffix}" if r.domain else host
    labels = host.split(".")  # a suffix the list does not know: the default rule "*"
    return ".".join(labels[-2:])


def domain_problem(domain: str) -> str | None:
    """Why ``domain`` cannot be an ``allowed_domains`` entry, or None when it can."""
    d = normalize(domain)
    if _ip(d):
        return None
    if "/" in d or ":" in d or not _DOMAIN.fullmatch(d) or len(d) > 253:
        return f"expected a domain name like 'example.org' (no scheme, path or port), got {domain!r}"
    r = _EXTRACT.extract_str(d)
    if r.suffix and not r.domain:
        return f"{domain!r} is a public suffix, which would allow every site under it; name a domain under it"
    if not r.suffix and "." not in d:
        return f"{domain!r} is a top-level domain, which would allow every site under it; name a domain under it"
    return None


class Domains:
    """The hosts one source may fetch: exactly its configured hosts, and any host at or under one
    of its domains (the registrable domains of the configured hosts and ``allowed``)."""

    def __init__(self, hosts: Iterable[str], allowed: Iterable[str] = ()):
        self.hosts = frozenset(normalize(h) for h in hosts)
        self.domains = frozenset({registrable_domain(h) for h in self.hosts} | {normalize(d) for d in allowed})
        self._seen: dict[str, bool] = {}

    def allows(self, host: str) -> bool:
        host = normalize(host)
        ok = self._seen.get(host)
        if ok is None:
            ok = host in self.hosts or (not _ip(host) and any(
                host == d or host.endswith("." + d) for d in self.domains if not _ip(d))) or host in self.domains
            if len(self._seen) < 100_000:
                self._seen[host] = ok
        return ok

    def fingerprint(self) -> str:
        """Stable text naming what ``allows`` depends on (for re-deciding `offsite` skips when it changes)."""
        return ",".join(sorted(self.domains))
