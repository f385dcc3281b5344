"""Local input for `copydesk ingest`: HTML files, directories of them, and WARC files (backfill)."""
from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Iterator
from pathlib import Path

from warcio.archiveiterator import ArchiveIterator

from copydesk.pipeline import Page

HTML_SUFFIXES = (".html", ".htm", ".xhtml", ".shtml")
WARC_SUFFIXES = (".warc", ".warc.gz")


def is_warc(path: Path) -> bool:
    return path.name.lower().endswith(WARC_SUFFIXES)


def discover(paths: Iterable[str | Path]) -> list[Path]:
    """Files to ingest, in a stable order: named files as given, directories walked sorted
    (HTML and WARC files only; hidden files and folders are passed over)."""
    out: list[Path] = []
    for raw in paths:
        p = Path(raw)
        if p.is_dir():
            for f in sorted(p.rglob("*")):
                rel = f.relative_to(p).parts
                if f.is_file() and not any(part.startswith(".") for part in rel) and \
                        (f.name.lower().endswith(HTML_SUFFIXES) or is_warc(f)):
                    out.append(f)
        elif p.is_file():
            out.append(p)
        else:
            raise FileNotFoundError(f"no such file or directory: {p}")
    return out


def pages(files: Iterable[Path], source: str, *, max_bytes: int = 10_000_000) -> Iterator[Page]:
    for f in files:
        if is_warc(f):
            yield from warc_pages(f, source, max_bytes=max_bytes)
        else:
            body = f.read_bytes()[:max_bytes]
            mtime = dt.datetime.fromtimestamp(f.stat().st_mtime, dt.timezone.utc)
            yield Page(f.resolve().as_uri(), body, source, mtime, status=None)


def warc_pages(path: Path, source: str, *, max_bytes: int = 10_000_000) -> Iterator[Page]:
    """HTML responses (and resource records) of a WARC file; other records are passed over."""
    with open(path, "rb") as f:
        for rec in ArchiveIterator(f):
            if rec.rec_type not in ("response", "resource"):
                continue
            url = rec.rec_headers.get_header("WARC-Target-URI") or ""
            date = rec.rec_headers.get_header("WARC-Date")
            when = dt.datetime.fromisoformat(date.replace("Z", "+00:00")) if date else dt.datetime.now(dt.timezone.utc)
            if rec.rec_type == "response":
                if rec.http_headers is None:
                    continue
                ctype = rec.http_headers.get_header("Content-Type") or ""
                status = int(rec.http_headers.get_statuscode() or 0)
                if status != 200 or ("html" not in ctype.lower() and ctype):
                    continue
                headers = tuple(rec.http_headers.headers)
            else:
                ctype = rec.rec_headers.get_header("Content-Type") or ""
                if "html" not in ctype.lower():
                    continue
                status, headers = None, ()
            body = rec.content_stream().read(max_bytes)
            yield Page(url, body, source, when, status=200 if status else None, headers=headers,
                       content_type=ctype or None)
