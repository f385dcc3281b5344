"""Compaction of closed days: records, order, raw parts and the state registry kept; readers that
read in a loop while it runs see every record exactly once."""
from __future__ import annotations

import datetime as dt
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
from warcio.archiveiterator import ArchiveIterator

from copydesk.storage import Corpus, CorpusWriter, RawResponse, Record, StateStore, StoredDoc
from copydesk.storage import compact as compact_mod
from copydesk.storage.corpus import day_parts
from copydesk.storage.registry import reconcile

UTC = dt.timezone.utc
DAYS = ["2026-11-18", "2026-11-19", "2026-11-20"]


def build(root: Path, *, days=DAYS, parts=12, per_part=15, today: bool = True) -> list[str]:
    """A corpus of ``parts`` small parts per day (and one part stored today), registered in a state
    store as the pipeline does. Returns the ids in storage order."""
    w = CorpusWriter(root, worker="t")
    state = StateStore(root / "_state" / "state.sqlite3")
    ids = []
    n = 0
    for day in days + ([dt.datetime.now(UTC).date().isoformat()] if today else []):
        at = dt.datetime.fromisoformat(day).replace(hour=12, tzinfo=UTC)
        for _ in range(parts if day in days else 1):
            for _ in range(per_part):
                i = f"{n:016d}"  # all digits: ids must stay strings
                n += 1
                w.add(Record(id=i, url=f"https://ex.org/{i}", source="s", site="ex.org", title=None, text=f"text {i} " * 20,
                             published=None, fetched_at=at, language=None, word_count=40, cluster_id=i,
                             duplicate_of=None, similarity=None),
                      RawResponse(f"https://ex.org/{i}", f"<html>{i}</html>".encode(), 200, (), at), stored_at=at)
                ids.append(i)
            for p in w.flush():
                state.commit_checkpoint(parts=[(p.name, p.records, p.bytes)],
                                        docs=[(StoredDoc(i, f"https://ex.org/{i}", "s", "ex.org", i, None, p.name), [i])
                                              for i in p.ids])
    state.close()
    return ids


def check_consistent(root: Path) -> None:
    """Every documents part has its raw part holding exactly its documents' responses, in order;
    the state's registry names exactly the parts on disk and each document's part."""
    state = StateStore(root / "_state" / "state.sqlite3")
    try:
        on_disk = {p.relative_to(root).as_posix(): p for p in Corpus(root).part_files()}
        assert set(state.parts()) == set(on_disk)
        for rel, p in on_disk.items():
            urls = [r["url"] for r in Corpus(root).documents() if state.doc(r["id"]).part == rel]
            raw = root / "raw" / p.parent.name / f"{p.stem}.warc.gz"
            with open(raw, "rb") as f:
                warc = [r.rec_headers.get_header("WARC-Target-URI") for r in ArchiveIterator(f) if r.rec_type == "response"]
            assert warc == urls and len(urls) == state.parts()[rel][0]
        raws = {p.name[: -len(".warc.gz")] for p in (root / "raw").rglob("*.warc.gz")}
        assert raws == {p.stem for p in on_disk.values()}, "no raw part without its documents part"
    finally:
        state.close()


def test_compact_merges_closed_days_only(tmp_path):
    ids = build(tmp_path)
    before = {d.name: len(day_parts(d)) for d in Corpus(tmp_path).days()}
    state = StateStore(tmp_path / "_state" / "state.sqlite3")
    top = state.db.execute("SELECT max(rowid) FROM parts").fetchone()[0]
    done = compact_mod.compact(tmp_path, state, min_parts=8)
    # merged parts take over old registry rows: what the dedup index's note covered stays covered
    assert state.db.execute("SELECT max(rowid) FROM parts").fetchone()[0] <= top
    state.close()
    assert [d.day for d in done] == DAYS and all(d.parts_before == 12 and d.parts_after == 1 for d in done)
    after = {d.name: len(day_parts(d)) for d in Corpus(tmp_path).days()}
    today = f"date={dt.datetime.now(UTC).date().isoformat()}"
    assert after == {**{f"date={d}": 1 for d in DAYS}, today: before[today]}, "today is not closed: untouched"
    assert [d["id"] for d in Corpus(tmp_path).documents()] == ids, "same records, same order"
    check_consistent(tmp_path)
    assert not (tmp_path / "_state" / "compact").exists()


def test_target_size_splits_a_day_and_small_days_are_left(tmp_path):
    ids = build(tmp_path, days=DAYS[:1], parts=12, today=False)
    size = sum(p.stat().st_size for p in Corpus(tmp_path).part_files())
    state = StateStore(tmp_path / "_state" / "state.sqlite3")
    assert compact_mod.compact(tmp_path, state, min_parts=13) == []  # fewer parts than min_parts: left alone
    (done,) = compact_mod.compact(tmp_path, state, min_parts=2, target_bytes=size // 3 + 1)
    state.close()
    assert 3 <= done.parts_after <= 4
    assert [d["id"] for d in Corpus(tmp_path).documents()] == ids
    check_consistent(tmp_path)


def test_a_day_that_is_not_closed_is_refused(tmp_path):
    build(tmp_path, days=[], today=True)
    state = StateStore(tmp_path / "_state" / "state.sqlite3")
    with pytest.raises(ValueError, match="not a closed day"):
        compact_mod.compact(tmp_path, state, days=[dt.datetime.now(UTC).date().isoformat()])
    state.close()


@pytest.mark.parametrize("exchange", [True, False], ids=["exchange", "one-by-one"])
def test_readers_in_a_loop_during_compaction(tmp_path, monkeypatch, exchange):
    if not exchange:
        monkeypatch.setattr(compact_mod, "_swap", lambda a, b: False)
    ids = build(tmp_path, parts=40, per_part=10)
    want = sorted(ids)
    passes: list[tuple[float, float, list[str]]] = []
    glob_results: list[tuple[float, float, object]] = []
    stop = threading.Event()

    def corpus_reader() -> None:
        while not stop.is_set():
            t = time.monotonic()
            got = [r["id"] for r in Corpus(tmp_path).documents()]
            passes.append((t, time.monotonic(), got))

    def duckdb_reader() -> None:
        import duckdb

        con = duckdb.connect()
        glob = str(tmp_path / "documents" / "**" / "*.parquet")
        while not stop.is_set():
            t = time.monotonic()
            try:
                res: object = con.sql(f"select count(*), count(distinct id) from read_parquet('{glob}')").fetchall()[0]
            except duckdb.Error as e:  # a part listed, then swapped away: an error, never a wrong answer
                res = e
            glob_results.append((t, time.monotonic(), res))

    threads = [threading.Thread(target=corpus_reader), threading.Thread(target=duckdb_reader)]
    for th in threads:
        th.start()
    time.sleep(0.3)
    state = StateStore(tmp_path / "_state" / "state.sqlite3")
    t0 = time.monotonic()
    done = compact_mod.compact(tmp_path, state, min_parts=8)
    t1 = time.monotonic()
    state.close()
    time.sleep(0.3)
    stop.set()
    for th in threads:
        th.join()
    assert len(done) == 3
    overlapping = [p for p in passes if p[0] < t1 and p[1] > t0]
    assert overlapping, "some reads ran while compaction did"
    for _, _, got in passes:
        assert sorted(got) == want and len(got) == len(set(got)), "every pass: every record exactly once"
    answers = [r for _, _, r in glob_results if not isinstance(r, Exception)]
    assert answers
    if exchange:
        assert all(r == (len(ids), len(ids)) for r in answers), "a glob reader: never a record twice or missing"
    check_consistent(tmp_path)


def test_a_compaction_stopped_before_its_state_transaction_is_reconciled(tmp_path, monkeypatch):
    ids = build(tmp_path, today=False)

    def crash(*a, **k):
        raise KeyboardInterrupt("killed")

    state = StateStore(tmp_path / "_state" / "state.sqlite3")
    monkeypatch.setattr(StateStore, "replace_parts", crash)
    with pytest.raises(KeyboardInterrupt):
        compact_mod.compact(tmp_path, state, min_parts=8)
    monkeypatch.undo()
    assert [d["id"] for d in Corpus(tmp_path).documents()] == ids, "readable at once"
    assert reconcile(tmp_path, state) > 0
    state.close()
    state = StateStore(tmp_path / "_state" / "state.sqlite3")
    compact_mod.compact(tmp_path, state, min_parts=2)  # removes the stopped one's leftovers, merges the rest
    state.close()
    assert [d["id"] for d in Corpus(tmp_path).documents()] == ids
    check_consistent(tmp_path)


def test_copydesk_compact_command(tmp_path):
    ids = build(tmp_path / "corpus")
    r = subprocess.run([sys.executable, "-m", "copydesk.cli", "compact", "--corpus", str(tmp_path / "corpus")],
                       capture_output=True, text=True, timeout=120)
    assert r.returncode == 0, r.stderr
    assert "3 day(s), 36 part(s) -> 3" in " ".join(r.stdout.split())
    assert [d["id"] for d in Corpus(tmp_path / "corpus").documents()] == ids
    today = dt.datetime.now(UTC).date().isoformat()
    r = subprocess.run([sys.executable, "-m", "copydesk.cli", "compact", "--corpus", str(tmp_path / "corpus"),
                        "--day", today], capture_output=True, text=True, timeout=120)
    assert r.returncode == 2 and "not a closed day" in r.stderr and "Traceback" not in r.stderr


@pytest.mark.parametrize("day", ["06/12/2026", "2026-6-12", "2026-02-30", "yesterday", "2026-06-12T00:00:00Z"])
def test_compact_day_that_is_no_date_says_so(tmp_path, day):
    """A malformed --day is named as malformed (not as "not a closed day"), before the corpus is touched."""
    build(tmp_path / "corpus")
    r = subprocess.run([sys.executable, "-m", "copydesk.cli", "compact", "--corpus", str(tmp_path / "corpus"),
                        "--day", day], capture_output=True, text=True, timeout=120)
    assert r.returncode == 2
    assert r.stderr.strip() == f"copydesk: --day: expected a date like 2026-11-20 (YYYY-MM-DD), got {day!r}"


def test_serve_compacts_closed_days_after_a_run(tmp_path):
    from copydesk.demo import DemoWorld
    from copydesk.verify import verify

    corpus = tmp_path / "corpus"
    ids = build(corpus, today=False)
    with DemoWorld() as world:
        cfg = tmp_path / "copydesk.toml"
        cfg.write_text(world.config_toml(str(corpus), interval="1h") + "\n[compaction]\nmin_parts = 4\n")
        proc = subprocess.Popen([sys.executable, "-m", "copydesk.cli", "serve", "-c", str(cfg)],
                                stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        try:
            end = time.time() + 120
            while time.time() < end and any(len(day_parts(d)) > 1 for d in Corpus(corpus).days()
                                            if d.name[5:] in DAYS):
                time.sleep(0.5)
        finally:
            proc.terminate()
            _, err = proc.communicate(timeout=60)
    assert proc.returncode == 0, err[-3000:]
    assert all(len(day_parts(corpus / "documents" / f"date={d}")) == 1 for d in DAYS), err[-3000:]
    assert "compaction: 3 day(s), 36 parts -> 3" in err
    got = [d["id"] for d in Corpus(corpus).documents()]
    assert got[: len(ids)] == ids and len(got) > len(ids), "the old days merged, the run's articles stored"
    assert verify(corpus) == []
