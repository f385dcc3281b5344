import json
import os
import subprocess
import sys
import textwrap
import time

import pytest

from copydesk.storage import Corpus, CorpusLock, CorpusWriter, LockedError, RawResponse, Record, StateStore, StoredDoc
from copydesk.storage.atomic import atomic_file, remove_leftovers
from copydesk.storage.urls import doc_id, url_key


def rec(i: str, cluster: str | None = None, dup: str | None = None) -> Record:
    return Record(id=i, url=f"https://ex.org/{i}", source="s", site="ex.org", title=f"T {i}", text=f"text of {i}",
                  published=None, fetched_at="2026-11-21T00:00:00Z", language="en", word_count=3,
                  cluster_id=cluster or i, duplicate_of=dup, similarity=0.9 if dup else None)


def test_url_key_canonicalises():
    assert url_key("https://Ex.org:443/a?utm_source=x&b=2&a=1#top") == "https://ex.org/a?a=1&b=2"
    assert doc_id("http://ex.org/a?fbclid=zz") == doc_id("http://ex.org/a")
    assert doc_id("http://ex.org/a") != doc_id("http://ex.org/b")


def test_writer_parts_and_reader(tmp_path):
    w = CorpusWriter(tmp_path, worker="w1")
    w.add(rec("a"), RawResponse("https://ex.org/a", b"<html>a</html>", 200, (("Content-Type", "text/html"),)))
    w.add(rec("b", "a", "a"), RawResponse("file:///tmp/b.html", b"<html>b</html>", None))
    assert w.pending == 2
    parts = w.flush()
    assert len(parts) == 1 and parts[0].records == 2 and parts[0].name.startswith("documents/date=")
    assert w.pending == 0 and w.flush() == []
    c = Corpus(tmp_path)
    docs = list(c.documents())
    assert [d["id"] for d in docs] == ["a", "b"]
    assert [d["id"] for d in c.documents(unique=True)] == ["a"]
    assert c.clusters() == {"a": ["a", "b"]}
    raw = list((tmp_path / "raw").rglob("*.warc.gz"))
    assert len(raw) == 1 and raw[0].name.replace(".warc.gz", "") == (tmp_path / parts[0].name).stem
    from warcio.archiveiterator import ArchiveIterator
    with open(raw[0], "rb") as f:
        recs = [(r.rec_type, r.rec_headers.get_header("WARC-Target-URI")) for r in ArchiveIterator(f)]
    assert recs == [("warcinfo", None), ("response", "https://ex.org/a"), ("resource", "file:///tmp/b.html")]


def test_parts_are_typed_parquet_even_when_a_column_is_null_throughout(tmp_path):
    import datetime as dt

    import pyarrow.parquet as pq

    from copydesk.storage.schema import DOCUMENTS

    w = CorpusWriter(tmp_path, worker="w1")
    r = rec("0123456789012345")  # all digits: must stay a string
    r.title, r.language = None, None
    w.add(r, b"")
    w.add(rec("1234e56789012345"), b"")  # a float literal for a naive reader
    (part,) = w.flush()
    assert part.name.endswith(".parquet")
    t = pq.read_table(tmp_path / part.name)
    assert t.schema.equals(DOCUMENTS) and t.schema.metadata[b"copydesk.format_version"] == b"2"
    assert str(t.schema.field("title").type) == "string" and str(t.schema.field("authors").type).startswith("list<")
    assert t.column("id").to_pylist() == ["0123456789012345", "1234e56789012345"]
    docs = list(Corpus(tmp_path).documents())
    assert docs[0]["fetched_at"] == dt.datetime(2026, 11, 21, tzinfo=dt.timezone.utc) and docs[0]["title"] is None


def test_parse_time_forms():
    import datetime as dt

    from copydesk.storage.schema import parse_time

    utc = dt.timezone.utc
    assert parse_time("2026-11-20") == dt.datetime(2026, 11, 20, tzinfo=utc)
    assert parse_time("2026-11-20T10:00:00+02:00") == dt.datetime(2026, 11, 20, 8, tzinfo=utc)
    assert parse_time("2026-11-20T10:00:00Z") == parse_time("2026-11-20T10:00:00") == dt.datetime(2026, 11, 20, 10, tzinfo=utc)
    assert parse_time("yesterday") is None and parse_time(None) is None


def test_atomic_file_leaves_nothing_on_error(tmp_path):
    target = tmp_path / "d" / "part-x.jsonl"
    with pytest.raises(RuntimeError):
        with atomic_file(target) as f:
            f.write(b"half a line")
            raise RuntimeError("disk on fire")
    assert not target.exists() and list((tmp_path / "d").iterdir()) == []


def test_leftover_temp_files_are_invisible_and_removed(tmp_path):
    d = tmp_path / "documents" / "date=2026-11-21"
    d.mkdir(parents=True)
    (d / ".tmp-part-1.jsonl.123.partial").write_text('{"id": "half')
    assert list(Corpus(tmp_path).documents()) == []
    assert len(remove_leftovers(tmp_path)) == 1


def test_state_store_checkpoint_and_counts(tmp_path):
    s = StateStore(tmp_path / "state.sqlite3")
    s.commit_checkpoint(
        parts=[("documents/date=2026-11-21/part-1.jsonl", 2, 100)],
        docs=[(StoredDoc("a", "https://ex.org/a", "s", "ex.org", "a", None, "p"), ["k-a"]),
              (StoredDoc("b", "https://ex.org/b", "s", "ex.org", "a", "a", "p"), ["k-b", "k-b2"])],
        skipped=[("k-c", "https://ex.org/c", "not_article", "s")],
        failed=[("k-d", "https://ex.org/d", "timeout", "s")],
        validators=[("https://ex.org/rss", '"e1"', None)])
    assert s.decision("k-b2").status == "stored" and s.decision("k-c").reason == "not_article"
    assert s.retry_urls("s", 3) == ["https://ex.org/d"]
    s.commit_checkpoint(failed=[("k-d", "https://ex.org/d", "timeout", "s")] * 2)
    assert s.retry_urls("s", 3) == []
    c = s.counts()
    assert (c["documents"], c["unique_documents"], c["copies"], c["clusters_with_copies"]) == (2, 1, 1, 1)
    etag, lm, checked_at = s.validators("https://ex.org/rss")
    assert (etag, lm) == ('"e1"', None) and abs(checked_at - time.time()) < 60  # the checkpoint's time
    assert s.largest_clusters() == [("a", 2)]
    s.close()


def test_a_new_state_database_appears_with_its_tables(tmp_path):
    """A reader (`copydesk status`, a test polling a starting daemon) that opens the state database
    the moment its file appears finds its tables: the schema is written with the file, not after
    it (a CI run failed with "no such table: runs" when the file was created first)."""
    import threading

    paths = [tmp_path / str(i) / "_state" / "state.sqlite3" for i in range(150)]
    errors: list[str] = []
    done = threading.Event()

    def poll() -> None:
        pending = list(paths)
        while pending and not (done.is_set() and not any(p.exists() for p in pending)):
            for p in [p for p in pending if p.exists()]:
                try:
                    StateStore(p, readonly=True).close()
                except Exception as e:  # noqa: BLE001 - what a reader would show
                    errors.append(str(e))
                pending.remove(p)

    reader = threading.Thread(target=poll)
    reader.start()
    for p in paths:
        StateStore(p).close()
    done.set()
    reader.join(30)
    assert errors == []


def test_corrupt_state_is_a_clear_error(tmp_path):
    from copydesk.storage import StateError
    p = tmp_path / "state.sqlite3"
    p.write_bytes(b"this is not a database" * 100)
    with pytest.raises(StateError, match="copydesk repair"):
        StateStore(p)


def test_lock_refuses_second_writer_and_takes_over_from_dead(tmp_path):
    holder = subprocess.Popen([sys.executable, "-c", textwrap.dedent(f"""
        import sys, time
        sys.path.insert(0, {os.getcwd()!r})
        from copydesk.storage import CorpusLock
        CorpusLock({str(tmp_path)!r}, command="copydesk serve").acquire()
        print("locked", flush=True)
        time.sleep(60)
    """)], stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout.readline().strip() == "locked"
        with pytest.raises(LockedError) as e:
            CorpusLock(tmp_path).acquire()
        assert "copydesk serve" in str(e.value) and str(holder.pid) in str(e.value)
    finally:
        holder.kill()
        holder.wait()
    with CorpusLock(tmp_path) as lock:  # the dead holder's lock is taken over
        assert lock.took_over["pid"] == holder.pid
    assert json.loads((tmp_path / "_state" / "writer.lock").read_text() or "{}") == {}
