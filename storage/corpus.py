"""The corpus directory: the writer, the reader and the manifest (the contract in docs/corpus.md).

    corpus/
      manifest.json
      README.md                                                       dataset card (load_dataset(<corpus>)), kept
                                                                      up to date with the files (write_dataset_card)
      documents/date=YYYY-MM-DD/part-<stamp>-<worker>-<seq>.parquet   schema: storage.schema.DOCUMENTS
      raw/date=YYYY-MM-DD/part-<stamp>-<worker>-<seq>.warc.gz         same stem as its documents part
      _state/

Part files appear whole (written under a temporary name, fsynced, renamed). A part is replaced only
whole: by a takedown (``storage.delete``: the same name, atomically) or by compaction of a closed
day (``storage.compact``: the day's directory swapped atomically). A version-1 corpus (JSON-lines
parts) is read the same way, through the same schema, until ``storage.upgrade`` converts it.
"""
from __future__ import annotations

import datetime as dt
import hashlib
import io
import json
import os
import socket
import zlib
from collections.abc import Iterator
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq
from warcio.statusandheaders import StatusAndHeaders
from warcio.warcwriter import WARCWriter

from copydesk.storage import schema
from copydesk.storage.atomic import atomic_file, write_atomic

FORMAT = "copydesk-corpus"
FORMAT_VERSION = schema.FORMAT_VERSION
DOCUMENTS = "documents"
RAW = "raw"
STATE = "_state"
PARQUET = ".parquet"
JSONL = ".jsonl"  # format version 1
ROW_GROUP_ROWS = 10_000


@dataclass
class Record:
    """One document, with the fields of ``storage.schema.DOCUMENTS`` in its order. ``published`` and
    ``fetched_at`` may be ISO 8601 strings or datetimes; the writer stores them as UTC timestamps."""

    id: str
    url: str
    source: str
    site: str
    title: str | None
    text: str
    published: str | dt.datetime | None
    fetched_at: str | dt.datetime
    language: str | None
    word_count: int
    cluster_id: str
    duplicate_of: str | None
    similarity: float | None
    authors: list[str] = field(default_factory=list)
    canonical_url: str | None = None
    description: str | None = None

    def to_json(self) -> str:
        d = asdict(self)
        for k in schema.TIME_FIELDS:
            t = schema.parse_time(d[k]) if not isinstance(d[k], str) else None
            d[k] = iso(t) if t is not None else d[k]
        return json.dumps(d, ensure_ascii=False, separators=(",", ":"))


def records_table(records: list[Record]) -> pa.Table:
    """Records as a table of exactly ``schema.DOCUMENTS`` (column by column: the writer's hot path)."""
    cols: dict[str, list[Any]] = {f: [getattr(r, f) for r in records] for f in schema.FIELDS}
    for k in schema.TIME_FIELDS:
        cols[k] = [schema.parse_time(v) for v in cols[k]]
    return pa.Table.from_pydict(cols, schema=schema.DOCUMENTS)


def write_parquet(f: Any, table: pa.Table) -> None:
    """A documents part: zstd, row groups of ``ROW_GROUP_ROWS``, the schema's metadata kept."""
    pq.write_table(table, f, compression=schema.PARQUET_COMPRESSION,
                   compression_level=schema.PARQUET_COMPRESSION_LEVEL, row_group_size=ROW_GROUP_ROWS)


@dataclass(frozen=True)
class RawResponse:
    """What was fetched, for the WARC file: an HTTP response, or a local file (status None)."""

    url: str
    body: bytes
    status: int | None = 200
    headers: tuple[tuple[str, str], ...] = ()
    fetched_at: dt.datetime | None = None


@dataclass(frozen=True)
class PartInfo:
    name: str  # relative to the corpus root, e.g. documents/date=2026-11-21/part-....parquet
    records: int
    bytes: int
    ids: tuple[str, ...]


def part_stem(worker: str, seq: int) -> str:
    """A part's name without suffix; names sort in write order (docs/corpus.md)."""
    return f"part-{utcnow().strftime('%Y%m%dT%H%M%S%fZ')}-{worker}-{seq:05d}"


def utcnow() -> dt.datetime:
    return dt.datetime.now(dt.timezone.utc)


def iso(t: dt.datetime) -> str:
    return t.astimezone(dt.timezone.utc).isoformat(timespec="seconds").replace("+00:00", "Z")


CARD = "README.md"
CARD_HEAD = "---\npretty_name: copydesk news corpus\n"  # a card that starts otherwise is the user's own
CARD_DOCUMENTS = f"{DOCUMENTS}/*/*{PARQUET}"  # the card's data_files patterns, below
CARD_STORIES = {"stories": "stories/stories.parquet", "story_members": "stories/story_members.parquet"}

DATASET_CARD = CARD_HEAD + """\
# copydesk rewrites this card when it changes the files. `datasets` keys its cache for a folder
# with a card by the folder's name and the card's configurations (not by the path, not by the
# files), so each configuration's description names the state of its files: another corpus in a
# folder of the same name, or this one after it changed, is never answered from another's cache.
configs:
- config_name: documents
  description: "{documents}"
  default: true
  data_files:
  - split: train
    path: "documents/*/*.parquet"
- config_name: stories
  description: "{stories}"
  data_files:
  - split: train
    path: "stories/stories.parquet"
- config_name: story_members
  description: "{story_members}"
  data_files:
  - split: train
    path: "stories/story_members.parquet"
---
# A copydesk news corpus

Articles crawled, cleaned and deduplicated by copydesk: one row per stored article in
`documents/date=YYYY-MM-DD/*.parquet` (corpus format 2, the schema in copydesk's docs/corpus.md:
`id`, `url`, `source`, `site`, `title`, `text`, `published`, `fetched_at`, `language`,
`word_count`, `cluster_id`, `duplicate_of`, `similarity`, `authors`, `canonical_url`,
`description`). Unique stories: `duplicate_of` is null. Who published first: the `stories` and
`story_members` configurations. The raw responses are in `raw/` (WARC); `_state/` is internal.

    from datasets import load_dataset
    ds = load_dataset("path/to/this/corpus", split="train")

That reads the corpus as it is: copydesk rewrites this file whenever it writes or deletes
articles, each configuration's `description` naming the state of its files, and `datasets` keeps
a separate cache for each state. To keep a card of your own here, change its `pretty_name`:
copydesk then leaves the file alone, and keeping `datasets`' cache right is yours to do.
"""


def _file_lines(root: Path, pattern: str) -> list[bytes]:
    """Path, size, mtime and inode of every file matching ``pattern`` under ``root`` (a takedown
    rewrites a part under its own name); hidden files (temporaries) left out, as `datasets` does."""
    out = []
    for p in sorted(root.glob(pattern)):
        rel = p.relative_to(root).as_posix()
        if any(c.startswith((".", "__")) for c in rel.split("/")):
            continue
        try:
            st = p.stat()
        except FileNotFoundError:  # replaced since the listing: the next write lists it again
            continue
        out.append(f"{rel}\0{st.st_size}\0{st.st_mtime_ns}\0{st.st_ino}\n".encode())
    return out


def _state(lines: list[bytes], *, of: list[bytes] | None = None) -> str:
    digest = hashlib.blake2b(b"".join([*lines, b"|", *(of or [])]), digest_size=8).hexdigest()
    return f"{len(lines)} file(s), state {digest}"


def dataset_card(root: Path) -> str:
    """The card copydesk writes for the corpus at ``root``, its files as they are now. The stories
    tables are rebuilt from the documents after the checkpoint that rewrote the card, so their
    state is also that of the documents: two corpora's stories never share one, even before the
    card has seen their latest stories files."""
    docs = _file_lines(root, CARD_DOCUMENTS)
    stories = {name: _state(_file_lines(root, pattern), of=docs) for name, pattern in CARD_STORIES.items()}
    return DATASET_CARD.format(documents=_state(docs), **stories)


def write_dataset_card(root: str | Path) -> bool:
    """README.md, the Hugging Face dataset card (``load_dataset(<corpus>)``): written, or brought up
    to date with the files after they changed. A card that is not copydesk's (see CARD_HEAD) is
    left alone. Returns True when the file was written."""
    root = Path(root)
    p = root / CARD
    try:
        old: str | None = p.read_text(encoding="utf-8")
    except FileNotFoundError:
        old = None
    except (OSError, ValueError):  # unreadable, or not UTF-8: not copydesk's
        return False
    if old is not None and not old.startswith(CARD_HEAD):
        return False
    new = dataset_card(root)
    if new == old:
        return False
    write_atomic(p, new.encode("utf-8"))
    return True


class CorpusWriter:
    """Buffers records (and their raw responses) and writes them as new part files on flush()."""

    def __init__(self, root: str | Path, *, worker: str | None = None):
        self.root = Path(root)
        self.worker = worker or f"{socket.gethostname().split('.')[0][:24]}-{os.getpid()}"
        self._seq = 0
        self._buffer: dict[str, list[tuple[Record, RawResponse | bytes | None]]] = {}
        (self.root / DOCUMENTS).mkdir(parents=True, exist_ok=True)
        write_dataset_card(self.root)

    def add(self, record: Record, raw: RawResponse | bytes | None = None, *,
            stored_at: dt.datetime | None = None) -> None:
        """Buffer a record; ``raw`` is its response, or that response already made into a WARC
        gzip member by ``warc_member`` (in a worker process)."""
        day = (stored_at or utcnow()).astimezone(dt.timezone.utc).date().isoformat()
        self._buffer.setdefault(day, []).append((record, raw))

    @property
    def pending(self) -> int:
        return sum(len(v) for v in self._buffer.values())

    def pending_ids(self) -> set[str]:
        return {r.id for items in self._buffer.values() for r, _ in items}

    def flush(self) -> list[PartInfo]:
        """Write every buffered record; one documents part (and one raw part) per date partition.

        The raw WARC part is renamed into place before its documents part, so a visible document
        always has its raw response. Returns the documents parts written.
        """
        written = []
        for day, items in sorted(self._buffer.items()):
            self._seq += 1
            stem = part_stem(self.worker, self._seq)
            raws = [(r, raw) for r, raw in items if raw is not None]
            if raws:
                with atomic_file(self.root / RAW / f"date={day}" / f"{stem}.warc.gz") as f:
                    _write_warc(f, raws)
            written.append(self._write_documents(f"{DOCUMENTS}/date={day}/{stem}", [r for r, _ in items]))
            del self._buffer[day]
        if written:
            write_dataset_card(self.root)  # after the parts: a card never names files not yet there
        return written

    def _write_documents(self, rel_stem: str, records: list[Record]) -> PartInfo:
        rel = f"{rel_stem}{PARQUET}"
        with atomic_file(self.root / rel) as f:
            write_parquet(f, records_table(records))
            size = f.tell()
        return PartInfo(rel, len(records), size, tuple(r.id for r in records))

    def discard(self) -> int:
        n = self.pending
        self._buffer.clear()
        return n


WARC_GZIP_LEVEL = 3  # measured on 181 news pages: level 3 takes 0.46x the CPU of 6 for 11% more bytes; warcio uses 9


class _Buffer(io.BytesIO):
    def flush(self) -> None:  # warcio flushes after each record; we compress the whole record once
        pass


def warc_member(raw: RawResponse) -> bytes:
    """One WARC 1.1 record (a `response`, or a `resource` for a local file) as one gzip member, the
    standard .warc.gz layout. Pure and picklable, so extraction workers can do the compression."""
    buf = _Buffer()
    writer = WARCWriter(buf, gzip=False, warc_version="1.1")
    # WARC 1.1 allows a fraction of a second: re-extraction from raw/ gives the record's fetched_at back
    headers = {"WARC-Date": (raw.fetched_at or utcnow()).astimezone(dt.timezone.utc).isoformat(
        timespec="microseconds").replace("+00:00", "Z")}
    if raw.status is None:
        rec = writer.create_warc_record(raw.url, "resource", payload=io.BytesIO(raw.body), length=len(raw.body),
                                        warc_content_type="text/html", warc_headers_dict=headers)
    else:
        http = StatusAndHeaders(f"{raw.status} {_reason(raw.status)}", list(raw.headers), protocol="HTTP/1.1")
        rec = writer.create_warc_record(raw.url, "response", payload=io.BytesIO(raw.body), length=len(raw.body),
                                        http_headers=http, warc_headers_dict=headers)
    writer.write_record(rec)
    return _gzip(buf.getvalue())


def _gzip(data: bytes) -> bytes:
    z = zlib.compressobj(WARC_GZIP_LEVEL, zlib.DEFLATED, zlib.MAX_WBITS + 16)
    return z.compress(data) + z.flush()


def _warcinfo() -> bytes:
    buf = _Buffer()
    writer = WARCWriter(buf, gzip=False, warc_version="1.1")
    writer.write_record(writer.create_warcinfo_record(
        "copydesk.warc.gz", {"software": "copydesk", "format": "WARC File Format 1.1"}))
    return _gzip(buf.getvalue())


def _write_warc(f: io.BufferedIOBase, items: list[tuple[Record, RawResponse | bytes]]) -> None:
    f.write(_warcinfo())
    for _, raw in items:
        f.write(raw if isinstance(raw, bytes) else warc_member(raw))


def _reason(status: int) -> str:
    from http import HTTPStatus

    try:
        return HTTPStatus(status).phrase
    except ValueError:
        return "Unknown"


# -- reading ------------------------------------------------------------------------------------
class Corpus:
    """Read a corpus directory: ``Corpus("corpus").documents()``, typed by ``storage.schema``.

    Reads only complete part files (temporary files are invisible to it), so it is safe to use
    while a crawl or the daemon is writing, compacting or deleting. The guarantee (docs/corpus.md,
    "Reading while copydesk writes"): one pass yields every record that is in the corpus for the
    whole pass exactly once, in storage order; a record stored during the pass may or may not be
    yielded, and so may one deleted during it. It reads one date partition at a time; when a part
    it listed is gone (its day was compacted), it lists the day again and skips the ids it has
    already yielded from that day.
    """

    def __init__(self, path: str | Path):
        self.root = Path(path)

    @property
    def manifest(self) -> dict[str, Any]:
        p = self.root / "manifest.json"
        return json.loads(p.read_text(encoding="utf-8")) if p.exists() else {}

    def days(self) -> list[Path]:
        """The date partitions (``documents/date=…``), oldest first."""
        docs = self.root / DOCUMENTS
        if not docs.exists():
            return []
        return sorted(p for p in docs.iterdir() if p.name.startswith("date=") and p.is_dir())

    def part_files(self) -> list[Path]:
        """Every documents part (Parquet, or JSON lines in a version-1 corpus), in storage order."""
        return [p for day in self.days() for p in day_parts(day)]

    def batches(self, columns: list[str] | None = None, *, batch_rows: int = 2048) -> Iterator[pa.RecordBatch]:
        """Every record as Arrow record batches of ``schema.DOCUMENTS`` (or its ``columns``; ``id``
        is always read), with the guarantee above."""
        cols = None if columns is None else list(dict.fromkeys(["id", *columns]))
        for day in self.days():
            yield from _day_batches(day, cols, batch_rows)

    def table(self, columns: list[str] | None = None) -> pa.Table:
        """The whole corpus (or its ``columns``) as one Arrow table of ``schema.DOCUMENTS``."""
        sch = schema.DOCUMENTS if columns is None else pa.schema(
            [schema.DOCUMENTS.field(c) for c in dict.fromkeys(["id", *columns])], metadata=schema.DOCUMENTS.metadata)
        return pa.Table.from_batches(list(self.batches(columns)), schema=sch)

    def documents(self, unique: bool = False) -> Iterator[dict[str, Any]]:
        """Every stored record in storage order, as dicts (timestamps as UTC datetimes);
        ``unique=True``: only the first member of each story's cluster (``duplicate_of is None``)."""
        for batch in self.batches():
            for rec in batch.to_pylist():
                if not unique or rec["duplicate_of"] is None:
                    yield rec

    def clusters(self) -> dict[str, list[str]]:
        """cluster_id -> ids of its members, first stored member first."""
        out: dict[str, list[str]] = {}
        for batch in self.batches(["cluster_id"]):
            for i, c in zip(batch.column("id").to_pylist(), batch.column("cluster_id").to_pylist()):
                out.setdefault(c, []).append(i)
        return out

    def stories(self, members: bool = False) -> pa.Table:
        """Who was first: the stories table (``members=True``: story_members), see storage/stories.py
        and docs/corpus.md. Computed in memory when the corpus has no stories files yet."""
        from copydesk.storage import stories

        return stories.read(self.root, members=members)

    def __len__(self) -> int:
        return sum(b.num_rows for b in self.batches(["id"]))


def day_parts(day: Path) -> list[Path]:
    """The documents parts of one date partition in name (storage) order. A stem with both a
    Parquet and a JSON-lines part (an upgrade stopped between the two) counts once, as Parquet."""
    parts = [p for p in day.iterdir() if p.name.startswith("part-") and p.suffix in (PARQUET, JSONL)]
    stems = {p.stem for p in parts if p.suffix == PARQUET}
    return sorted((p for p in parts if p.suffix == PARQUET or p.stem not in stems), key=lambda p: p.name)


def _day_batches(day: Path, columns: list[str] | None, batch_rows: int) -> Iterator[pa.RecordBatch]:
    seen: set[str] = set()
    done: set[str] = set()
    while True:
        if not day.is_dir():
            return
        try:
            for part in day_parts(day):
                if part.name in done:
                    continue
                for batch in part_batches(part, columns, batch_rows=batch_rows):
                    ids = batch.column("id").to_pylist()
                    fresh = [i not in seen for i in ids]
                    seen.update(ids)
                    if not all(fresh):
                        batch = batch.filter(pa.array(fresh))
                    if batch.num_rows:
                        yield batch
                done.add(part.name)
            return
        except FileNotFoundError:
            continue  # listed, then replaced by a compaction of the day: list the day again


def part_batches(path: Path, columns: list[str] | None = None, *, batch_rows: int = 2048) -> Iterator[pa.RecordBatch]:
    """One part's records as batches of ``schema.DOCUMENTS`` (or its ``columns``). The file is
    opened before the first batch is yielded, and read through that open file to its end."""
    if path.suffix == JSONL:
        with open(path, encoding="utf-8") as f:
            t = schema.table(json.loads(line) for line in f if line.strip())
        t = t if columns is None else t.select(columns)
        yield from t.to_batches(max_chunksize=batch_rows)
        return
    pf = pq.ParquetFile(path)
    try:
        for b in pf.iter_batches(batch_size=batch_rows, columns=columns):
            yield _conform_batch(b, columns)
    finally:
        pf.close()


def _conform_batch(b: pa.RecordBatch, columns: list[str] | None) -> pa.RecordBatch:
    want = schema.DOCUMENTS if columns is None else pa.schema([schema.DOCUMENTS.field(c) for c in columns])
    if b.schema.equals(want):
        return b
    t = schema.conform(pa.Table.from_batches([b]))
    t = t if columns is None else t.select(columns)
    return t.combine_chunks().to_batches()[0] if t.num_rows else pa.RecordBatch.from_pylist([], schema=t.schema)


def read_part(path: Path) -> Iterator[dict[str, Any]]:
    """One part's records as dicts of the schema's Python types (Parquet or version-1 JSON lines)."""
    for batch in part_batches(path):
        yield from batch.to_pylist()


def write_manifest(root: Path, *, counts: dict[str, Any], dedup: dict[str, Any] | None = None,
                   created_at: str | None = None) -> None:
    """Rewrite manifest.json atomically (``dedup``: the index settings; None keeps the previous ones)."""
    p = root / "manifest.json"
    previous: dict[str, Any] = {}
    if p.exists():
        try:
            previous = json.loads(p.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            previous = {}
    manifest = {
        "format": FORMAT,
        "format_version": FORMAT_VERSION,
        "created_at": previous.get("created_at") or created_at or iso(utcnow()),
        "updated_at": iso(utcnow()),
        **counts,
        "dedup": previous.get("dedup", {}) if dedup is None else dedup,
    }
    write_atomic(p, (json.dumps(manifest, indent=2, sort_keys=False) + "\n").encode("utf-8"))
    write_dataset_card(root)  # after a checkpoint, a takedown, `copydesk compact`, a repair: the files changed
