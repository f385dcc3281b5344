"""Local input for `copydesk ingest`: HTML files, directories of them, and WARC files (backfill).

A WARC file that cannot be read in full is reported, never passed over in silence: one that is not
a WARC file at all (``not_a_warc``: nothing is read from it) or one that breaks off in the middle of
a record (``truncated_warc``: a download cut short; the complete records before the cut are
ingested). Each is a ``FileProblem`` appended to the ``problems`` list the caller gives.
"""
from __future__ import annotations

import datetime as dt
import gzip
import os
import zlib
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
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


@dataclass(frozen=True)
class FileProblem:
    """An input file not read in full: ``reason`` as counted (crawler/reasons.py), ``message`` one line."""
    path: Path
    reason: str
    message: str


class _Archive(ArchiveIterator):
    INC_RECORD = ""  # warcio writes this three-line warning to stderr itself: a damaged file is reported by us


def pages(files: Iterable[Path], source: str, *, max_bytes: int = 10_000_000,
          problems: list[FileProblem] | None = None) -> Iterator[Page]:
    problems = [] if problems is None else problems
    for f in files:
        if is_warc(f):
            yield from warc_pages(f, source, max_bytes=max_bytes, problems=problems)
        else:
            body = f.read_bytes()[:max_bytes]
            mtime = dt.datetime.fromtimestamp(f.stat().st_mtime, dt.timezone.utc)
            yield Page(f.resolve().as_uri(), body, source, mtime, status=None)


def not_a_warc(path: Path) -> str | None:
    """Why ``path`` is not a WARC file (one that starts with ``WARC/``, gzipped or not), or None."""
    try:
        with open(path, "rb") as f:
            head = f.read(8)
        if head.startswith(b"\x1f\x8b"):
            with gzip.open(path, "rb") as g:
                head = g.read(8)
    except (OSError, EOFError, zlib.error):  # gzip.BadGzipFile is an OSError
        return "a damaged gzip file"
    if not head:
        return "an empty file"
    if not head.startswith(b"WARC/"):
        return "it does not start with 'WARC/'"
    return None


def warc_pages(path: Path, source: str, *, max_bytes: int = 10_000_000,
               problems: list[FileProblem] | None = None) -> Iterator[Page]:
    """HTML responses (and resource records) of a WARC file; other records are passed over. A file
    that is not a WARC file, or that breaks off in a record, is appended to ``problems``."""
    problems = [] if problems is None else problems
    why = not_a_warc(path)
    if why is not None:
        problems.append(FileProblem(path, "not_a_warc", f"not a WARC file ({why}): nothing read from it"))
        return
    complete = 0
    with open(path, "rb") as f:
        archive = _Archive(f)
        records = iter(archive)
        while True:
            try:  # only warcio's reading here: what the pipeline raises is not a damaged file
                rec = next(records, None)
                if rec is None:
                    cut = os.fstat(f.fileno()).st_size > archive.offset  # bytes after the last whole record
                    page = None
                else:
                    page = _page(rec, source, max_bytes)
                    # a header block cut before its Content-Length, or a block that ends before it
                    cut = rec.length is None or getattr(rec.raw_stream, "limit", 0) > 0
            except Exception:  # noqa: BLE001 - warcio raises what it meets (TypeError, ValueError, ...) on a cut header
                cut = True
            if cut:
                problems.append(FileProblem(path, "truncated_warc", f"truncated after {complete} complete record(s) "
                                            "(those are ingested; the rest of the file cannot be read)"))
                return
            if rec is None:
                return
            complete += 1
            if page is not None:
                yield page


def _page(rec, source: str, max_bytes: int) -> Page | None:
    """The page of one WARC record, or None; the record's block is read to its end."""
    try:
        return _record_page(rec, source, max_bytes)
    finally:
        while rec.raw_stream.read(1 << 16):
            pass


def _record_page(rec, source: str, max_bytes: int) -> Page | None:
    if rec.rec_type not in ("response", "resource"):
        return None
    url = rec.rec_headers.get_header("WARC-Target-URI") or ""
    date = rec.rec_headers.get_header("WARC-Date")
    try:
        when = dt.datetime.fromisoformat(date.replace("Z", "+00:00")) if date else None
    except ValueError:
        when = None  # a WARC-Date that is no date: the record is still read
    when = when or dt.datetime.now(dt.timezone.utc)
    if rec.rec_type == "response":
        if rec.http_headers is None:
            return None
        ctype = rec.http_headers.get_header("Content-Type") or ""
        status = int(rec.http_headers.get_statuscode() or 0)
        if status != 200 or ("html" not in ctype.lower() and ctype):
            return None
        headers = tuple(rec.http_headers.headers)
    else:
        ctype = rec.rec_headers.get_header("Content-Type") or ""
        if "html" not in ctype.lower():
            return None
        status, headers = None, ()
    body = rec.content_stream().read(max_bytes)
    return Page(url, body, source, when, status=200 if status else None, headers=headers,
                content_type=ctype or None)
