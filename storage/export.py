"""`copydesk export`: the corpus, or a selection of it, as one file (docs/corpus.md, "Export").

Reads through ``storage.Corpus`` (so a daemon may be writing, compacting or deleting meanwhile:
each record is exported once) and writes the file atomically (temporary name, fsync, rename).

- ``parquet``: ``storage.schema.DOCUMENTS``, zstd;
- ``jsonl``: one JSON object per line, the schema's fields in order, timestamps ISO 8601 UTC
  (``2026-11-21T08:15:00Z``, microseconds when there are any), ``authors`` a JSON array;
- ``csv``: a header row, then one row per record, every string quoted (``id`` stays text for tools
  that look at quotes); ``authors`` as a JSON array; timestamps as in ``jsonl``; null as an empty field.

Selection: ``since`` <= ``fetched_at`` < ``until`` (UTC), ``source`` in ``sources``, and
``duplicate_of`` null with ``unique_only``. A name in ``sources`` that no record has is an error
(ExportError naming it and listing the corpus's sources), not an empty file.
"""
from __future__ import annotations

import csv
import datetime as dt
import io
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from copydesk.storage import schema
from copydesk.storage.atomic import atomic_file
from copydesk.storage.corpus import Corpus

FORMATS = ("parquet", "jsonl", "csv")


class ExportError(ValueError):
    """Bad arguments (format, output path): one line for the user."""


def selected(root: Path, *, since: dt.datetime | None = None, until: dt.datetime | None = None,
             sources: list[str] | None = None, unique_only: bool = False) -> Iterator[pa.RecordBatch]:
    for b in Corpus(root).batches():
        mask = None
        conds = []
        if since is not None:
            conds.append(pc.greater_equal(b.column("fetched_at"), pa.scalar(since, schema.TIMESTAMP)))
        if until is not None:
            conds.append(pc.less(b.column("fetched_at"), pa.scalar(until, schema.TIMESTAMP)))
        if sources:
            conds.append(pc.is_in(b.column("source"), value_set=pa.array(sources, pa.string())))
        if unique_only:
            conds.append(pc.is_null(b.column("duplicate_of")))
        for c in conds:
            mask = c if mask is None else pc.and_(mask, c)
        if mask is not None:
            b = b.filter(mask)
        if b.num_rows:
            yield b


def export(root: Path, out: Path, *, fmt: str = "parquet", since: dt.datetime | None = None,
           until: dt.datetime | None = None, sources: list[str] | None = None, unique_only: bool = False) -> int:
    """Write the selection to ``out``; returns the number of records written."""
    if fmt not in FORMATS:
        raise ExportError(f"unknown format {fmt!r} (use {', '.join(FORMATS)})")
    out = Path(out)
    if out.is_dir():
        raise ExportError(f"{out} is a directory: give the file to write")
    if not out.parent.is_dir():
        raise ExportError(f"{out.parent} does not exist: no directory to write {out.name} in")
    if since is not None and until is not None and since >= until:
        raise ExportError("--since must be before --until")
    if sources:
        unknown_sources(Path(root), sources)
    batches = selected(Path(root), since=since, until=until, sources=sources, unique_only=unique_only)
    n = 0
    with atomic_file(out) as f:
        if fmt == "parquet":
            w = pq.ParquetWriter(f, schema.DOCUMENTS, compression=schema.PARQUET_COMPRESSION,
                                 compression_level=schema.PARQUET_COMPRESSION_LEVEL)
            for b in batches:
                w.write_batch(b)
                n += b.num_rows
            w.close()
        else:
            text = io.TextIOWrapper(f, encoding="utf-8", newline="")
            writer = csv.writer(text, quoting=csv.QUOTE_NONNUMERIC) if fmt == "csv" else None
            if writer is not None:
                writer.writerow(schema.FIELDS)
            for b in batches:
                for rec in b.to_pylist():
                    if writer is not None:
                        writer.writerow([_csv_value(rec[k]) for k in schema.FIELDS])
                    else:
                        text.write(json.dumps({k: _json_value(rec[k]) for k in schema.FIELDS}, ensure_ascii=False,
                                              separators=(",", ":")) + "\n")
                n += b.num_rows
            text.flush()
            text.detach()
    return n


def unknown_sources(root: Path, sources: list[str]) -> None:
    """ExportError naming the first of ``sources`` that no record of the corpus has (a typo would
    otherwise export an empty file), with the corpus's sources; one pass over the `source` column."""
    known: set[str] = set()
    for b in Corpus(root).batches(columns=["source"]):
        known.update(pc.unique(b.column("source")).to_pylist())
    missing = [s for s in sources if s not in known]
    if missing:
        names = sorted(n for n in known if n is not None)
        shown = ", ".join(names[:20]) + (f", ... ({len(names)} in all)" if len(names) > 20 else "")
        raise ExportError(f"--source {missing[0]}: no document of the corpus has this source "
                          f"(its sources: {shown or 'none, the corpus is empty'})")


def iso(t: dt.datetime) -> str:
    t = t.astimezone(dt.timezone.utc)
    return t.isoformat(timespec="microseconds" if t.microsecond else "seconds").replace("+00:00", "Z")


def _json_value(v: Any) -> Any:
    return iso(v) if isinstance(v, dt.datetime) else v


def _csv_value(v: Any) -> Any:
    if v is None:
        return ""
    if isinstance(v, dt.datetime):
        return iso(v)
    if isinstance(v, list):
        return json.dumps(v, ensure_ascii=False)
    return v
