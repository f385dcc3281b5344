"""`copydesk ingest` (local HTML and WARC files through the pipeline) and `copydesk clean` (one file's text)."""
from __future__ import annotations

import dataclasses
import json
from pathlib import Path

from copydesk.config import Config
from copydesk.errors import UsageError


# `ingest`'s exit status when it ran to its end but an input file could not be read at all (not a WARC
# file) or only in part (a WARC file cut short): what could be read is stored (README, "Exit status").
# Pages that are skipped or fail are counted, as in a crawl, and do not change it.
EXIT_INPUT_UNREADABLE = 3


def ingest(cfg: Config, paths: list[str], source: str) -> int:
    import sys

    from copydesk import report
    from copydesk.config import name_problem
    from copydesk.gc_tuning import settle_gc
    from copydesk.ingest import FileProblem, discover, pages
    from copydesk.pipeline import Pipeline
    from copydesk.stats import FAILED
    from copydesk.storage import CorpusLock

    if problem := name_problem(source):  # the rule of a config source name: `export --source` can name it
        raise UsageError(f"--source: {problem}")
    problems: list[FileProblem] = []
    try:
        files = discover(paths)
    except FileNotFoundError as e:
        raise UsageError(str(e)) from None
    with CorpusLock(cfg.corpus):
        pipe = Pipeline(cfg, kind="ingest")
        settle_gc()
        try:
            with report.progress() as prog:
                task = prog.add_task("ingesting", total=len(files), detail="")
                counter = {"files": 0}

                def counted():
                    for page in pages(files, source, max_bytes=cfg.crawl.max_page_bytes, problems=problems):
                        yield page
                        counter["files"] += 1

                for _doc in pipe.run(counted()):
                    c = pipe.stats[source]
                    prog.update(task, completed=min(counter["files"], len(files)),
                                detail=f"new {c.stored_new} · copies {c.stored_copy} · skipped {sum(c.skipped.values())}")
        except KeyboardInterrupt:
            pipe.close("interrupted")  # Ctrl-C: keep everything complete so far
            raise
        except BaseException:
            pipe.abort()
            raise
        for p in problems:  # counted with the run, before it is recorded
            pipe.stats.outcome(source, FAILED, p.reason)
        pipe.close()
    report.print_summary(pipe.stats, title=f"ingest: {len(files)} file(s)", crawl=False, corpus=cfg.corpus)
    for p in problems:
        print(f"copydesk: {p.path}: {p.message}", file=sys.stderr)
    return EXIT_INPUT_UNREADABLE if problems else 0


def clean(path: Path, *, url: str | None = None, as_json: bool = False) -> int:
    """Print the clean text (or, with ``as_json``, text and metadata) of one HTML or plain-text file.
    A file that is neither (binary: an image, a gzip, ...) or has no article is one line and status 1."""
    import sys

    from copydesk import cleaning
    from copydesk.cleaning.encoding import looks_binary
    from copydesk.cleaning.model import record_words

    if not path.is_file():
        raise UsageError(f"no such file: {path}")
    data = path.read_bytes()
    if looks_binary(data):  # `ingest` and a crawl skip these bytes as `binary` (cleaning.extract)
        print(f"copydesk: {path}: not an article (binary)", file=sys.stderr)
        return 1
    head = data[:2048].lstrip().lower()
    is_html = head.startswith((b"<!doctype", b"<html", b"<?xml", b"<head", b"<body", b"<meta", b"<div", b"<p")) \
        or b"<html" in head or b"<body" in head
    if is_html:
        result = cleaning.analyze(data, url)
        if not result:
            print(f"copydesk: {path}: not an article ({result.reason})", file=sys.stderr)
            return 1
        if as_json:
            out = dataclasses.asdict(result)
            out["word_count"] = record_words(result.text)  # as the record will count it
            print(json.dumps(out, ensure_ascii=False, indent=2))
        else:
            print(result.text)
        return 0
    text = cleaning.clean_text(cleaning.decode_html(data))
    if as_json:
        print(json.dumps({"text": text, "word_count": record_words(text)}, ensure_ascii=False, indent=2))
    else:
        print(text)
    return 0
