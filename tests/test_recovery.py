"""Bad state: a corrupt state database or a lost index is detected, and repaired from the corpus."""
from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from copydesk.demo import DemoWorld
from copydesk.storage import Corpus
from tests.run_cli import copydesk


@pytest.fixture()
def corpus_and_pages(tmp_path) -> tuple[Path, Path, dict]:
    pages = DemoWorld().write_static(tmp_path / "pages")
    originals, copies = tmp_path / "originals", tmp_path / "copies"
    originals.mkdir()
    copies.mkdir()
    for name, page in pages.items():
        shutil.copy(tmp_path / "pages" / name, (originals if page.role == "original" else copies) / name)
    corpus = tmp_path / "corpus"
    assert copydesk("ingest", "--corpus", corpus, originals).returncode == 0
    return corpus, copies, pages


def test_corrupt_state_detected_and_repaired(corpus_and_pages):
    corpus, copies, pages = corpus_and_pages
    n = len(list(Corpus(corpus).documents()))
    (corpus / "_state" / "state.sqlite3").write_bytes(b"garbage" * 1000)
    for extra in ("state.sqlite3-wal", "state.sqlite3-shm"):
        (corpus / "_state" / extra).unlink(missing_ok=True)
    r = copydesk("ingest", "--corpus", corpus, copies)
    assert r.returncode == 1 and "corrupt" in r.stderr and "copydesk repair" in r.stderr
    r = copydesk("repair", "--corpus", corpus)
    assert r.returncode == 0, r.stderr
    assert f"{n} document(s) re-indexed" in r.stdout
    st = json.loads(copydesk("status", "--corpus", corpus, "--json").stdout)
    assert st["corpus_stats"]["documents"] == n
    r = copydesk("ingest", "--corpus", corpus, copies)
    assert r.returncode == 0, r.stderr
    docs = list(Corpus(corpus).documents())
    originals = {d["id"] for d in docs[:n]}
    assert all(d["cluster_id"] in originals for d in docs[n:]), "the rebuilt index groups copies with originals"


def test_lost_index_is_rebuilt_at_start_and_said(corpus_and_pages):
    corpus, copies, _ = corpus_and_pages
    n = len(list(Corpus(corpus).documents()))
    shutil.rmtree(corpus / "_state" / "dedup")
    r = copydesk("ingest", "--corpus", corpus, copies)
    assert r.returncode == 0, r.stderr
    assert "repaired" in r.stderr and f"'documents_reindexed': {n}" in r.stderr
    docs = list(Corpus(corpus).documents())
    originals = {d["id"] for d in docs[:n]}
    assert all(d["cluster_id"] in originals for d in docs[n:])


def test_repair_without_corpus_is_a_usage_error(tmp_path):
    r = copydesk("repair", "--corpus", tmp_path / "nothing")
    assert r.returncode == 2 and "nothing to repair" in r.stderr


# -- start-up reads only what the last checkpoint does not cover (issue 13, item 5) ---------------------
START = """
import json, os, sys
from pathlib import Path

root = Path(sys.argv[1])
opened = []


def hook(event, args):
    if event == "open" and args and isinstance(args[0], (str, bytes, os.PathLike)):
        p = os.fsdecode(args[0])
        if "/documents/" in p or "/raw/" in p:
            opened.append(os.path.relpath(p, root))


sys.addaudithook(hook)
from copydesk.config import Config
from copydesk.pipeline import Pipeline

p = Pipeline(Config(corpus=root), workers=0)
print(json.dumps({"repaired": p.repaired, "opened": sorted(set(opened))}))
"""


def start(corpus: Path) -> tuple[dict, str]:
    """A Pipeline start in a fresh process: what it repaired, its log, and which corpus files it
    opened through Python (an audit hook; pyarrow opens Parquet files in C++, unseen: spoiled part
    files catch those, as reading one fails)."""
    r = subprocess.run([sys.executable, "-c", START, str(corpus)], capture_output=True, text=True, timeout=300)
    assert r.returncode == 0, r.stderr
    return json.loads(r.stdout.strip().splitlines()[-1]), r.stderr


def spoil(paths) -> None:
    """Make part files unreadable by content: a start that reads one fails."""
    for p in paths:
        p.write_bytes(b"\x00 not a part file \x00" * 64)


def parts(corpus: Path) -> set[Path]:
    return set(Corpus(corpus).part_files())


def feed(p, stories: list[tuple[str, str, str]]) -> list:
    """Stories (url, text, published) through the pipeline's steps after extraction; their Docs."""
    import datetime as dt

    from copydesk import cleaning
    from copydesk.pipeline import Extracted, Page

    out = []
    for url, text, published in stories:
        art = cleaning.Article(text=text, title=url, published=published, language="en", url=url)
        out += p.finish(Page(url, text.encode(), "wire", dt.datetime.now(dt.timezone.utc), content_type="text/html"),
                        Extracted(art))
    return out


def pipeline(corpus: Path):
    from copydesk.config import Config
    from copydesk.pipeline import Pipeline

    return Pipeline(Config(corpus=corpus), workers=0)


def archive_then_news() -> tuple[list, list]:
    """Pages of a site's archive (2014-2016) and of today: under a publication-date window the
    archive pages would leave the index at once, and every start would go looking for them."""
    import datetime as dt

    from tests.fixtures.dedup import stories as S

    today = dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds")
    archive = [(f"https://wire.example/{2014 + k}/a{k}.html", S.filler_story(k), f"{2014 + k}-05-01") for k in range(3)]
    news = [("https://wire.example/today/harbour.html", S.text(S.HARBOUR), today),
            ("https://wire.example/today/orchard.html", S.text(S.ORCHARD), today)]
    return archive, news


def test_a_clean_start_opens_no_part_file(tmp_path):
    corpus = tmp_path / "c"
    archive, news = archive_then_news()
    p = pipeline(corpus)
    feed(p, archive)
    p.checkpoint()
    feed(p, news)
    p.close()
    spoil(parts(corpus))
    for _ in range(2):
        got, log = start(corpus)
        assert got["opened"] == [], "a clean start reads no part file"
        assert not any(got["repaired"].values()) and "repaired" not in log


def die_after_writing_the_part(p) -> None:
    p.writer.flush()  # the documents part is written ... and the process dies before its state transaction


def die_after_the_state_transaction(p) -> None:
    def killed(*a, **kw):
        raise KeyboardInterrupt  # the process dies after the state transaction, before the index commit

    p.deduper.flush = killed
    with pytest.raises(KeyboardInterrupt):
        p.checkpoint()


@pytest.mark.parametrize("die, registered", [(die_after_writing_the_part, 1), (die_after_the_state_transaction, 0)])
def test_a_kill_before_the_checkpoint_ends_reads_only_the_uncovered_part(tmp_path, die, registered):
    from tests.fixtures.dedup import stories as S

    corpus = tmp_path / "c"
    archive, news = archive_then_news()
    p = pipeline(corpus)
    feed(p, archive)
    p.close()
    covered = parts(corpus)
    p = pipeline(corpus)
    feed(p, news)
    die(p)
    p.state.close()
    uncovered = parts(corpus) - covered
    assert len(uncovered) == 1
    spoil(covered)
    got, log = start(corpus)  # it would fail on reading a spoiled part
    assert set(got["opened"]) <= {str(u.relative_to(corpus)) for u in uncovered}
    assert got["repaired"]["parts_registered"] == registered and got["repaired"]["documents_reindexed"] == 2
    assert "repaired the corpus state after an unclean stop" in log
    got, log = start(corpus)  # repaired once: the next start reads nothing
    assert got["opened"] == [] and not any(got["repaired"].values())
    p = pipeline(corpus)  # the re-indexed stories are matchable
    doc = feed(p, [("https://courier.example/h.html", S.reprint(S.HARBOUR), "2026-01-01")])[0]
    assert doc.assignment is not None and doc.assignment.duplicate_of is not None
    p.abort()
