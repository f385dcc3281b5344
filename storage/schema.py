"""The corpus' one typed schema (format version 2), documented field by field in docs/corpus.md.

The writer builds every documents part with ``DOCUMENTS``; the reader casts what it reads (a
version-1 JSON-lines part as well) to it, so every part of a corpus, and every reader, sees the
same column types whatever a part holds: a column that is null throughout one part is still a
string column there.
"""
from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from typing import Any

import pyarrow as pa

FORMAT_VERSION = 2
PARQUET_COMPRESSION = "zstd"
PARQUET_COMPRESSION_LEVEL = 3  # zstd's default; level 1 was not measurably faster on article text

UTC = dt.timezone.utc
TIMESTAMP = pa.timestamp("us", tz="UTC")

DOCUMENTS = pa.schema([
    pa.field("id", pa.string(), nullable=False),
    pa.field("url", pa.string(), nullable=False),
    pa.field("source", pa.string(), nullable=False),
    pa.field("site", pa.string(), nullable=False),
    pa.field("title", pa.string()),
    pa.field("text", pa.string(), nullable=False),
    pa.field("published", TIMESTAMP),
    pa.field("fetched_at", TIMESTAMP, nullable=False),
    pa.field("language", pa.string()),
    pa.field("word_count", pa.int64(), nullable=False),
    pa.field("cluster_id", pa.string(), nullable=False),
    pa.field("duplicate_of", pa.string()),
    pa.field("similarity", pa.float64()),
    pa.field("authors", pa.list_(pa.field("item", pa.string(), nullable=False)), nullable=False),
    pa.field("canonical_url", pa.string()),
    pa.field("description", pa.string()),
], metadata={"copydesk.format_version": str(FORMAT_VERSION)})

FIELDS: tuple[str, ...] = tuple(DOCUMENTS.names)
TIME_FIELDS = ("published", "fetched_at")


def parse_time(value: str | dt.datetime | dt.date | None) -> dt.datetime | None:
    """An ISO 8601 date or date-time (or a datetime) as an aware UTC datetime; None when absent or
    not a date. A date without a time is midnight UTC; a date-time without a zone is taken as UTC."""
    if value is None or value == "":
        return None
    if isinstance(value, dt.datetime):
        t = value
    elif isinstance(value, dt.date):
        t = dt.datetime(value.year, value.month, value.day)
    else:
        s = str(value).strip()
        try:
            t = dt.datetime.fromisoformat(s[:-1] + "+00:00" if s.endswith(("Z", "z")) else s)
        except ValueError:
            return None
    return t.replace(tzinfo=UTC) if t.tzinfo is None else t.astimezone(UTC)


def normalize(rec: Mapping[str, Any]) -> dict[str, Any]:
    """A record (a v1 JSON line, or anything with the fields) with the schema's Python types:
    timestamps as UTC datetimes, ``authors`` a list, missing optional fields None."""
    out = {k: rec.get(k) for k in FIELDS}
    for k in TIME_FIELDS:
        out[k] = parse_time(out[k])
    out["authors"] = [str(a) for a in (out["authors"] or [])]
    if out["word_count"] is None:
        out["word_count"] = len((out["text"] or "").split())
    if out["similarity"] is not None:
        out["similarity"] = float(out["similarity"])
    return out


def table(records: Iterable[Mapping[str, Any]]) -> pa.Table:
    """Records (mappings with the schema's fields) as a table of exactly ``DOCUMENTS``."""
    return pa.Table.from_pylist([normalize(r) for r in records], schema=DOCUMENTS)


def conform(t: pa.Table) -> pa.Table:
    """A table read from any part, cast to ``DOCUMENTS``: missing optional columns added as nulls,
    extra columns (a Hive ``date`` column) dropped, types cast (a null-typed column to its type)."""
    cols = []
    for f in DOCUMENTS:
        if f.name in t.column_names:
            c = t.column(f.name)
            cols.append(c if c.type == f.type else c.cast(f.type))
        elif f.nullable:
            cols.append(pa.nulls(t.num_rows, f.type))
        else:
            raise ValueError(f"part has no {f.name!r} column")
    return pa.Table.from_arrays(cols, schema=DOCUMENTS)
