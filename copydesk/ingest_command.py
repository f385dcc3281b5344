"""`copydesk ingest` (local HTML and WARC files through the pipeline) and `copydesk clean` (one file's text)."""
from __future__ import annotations

import dataclasses
import json
from pathlib import Path

from copydesk.config import Config
from copydesk.errors import UsageError


def ingest(cfg: Config, paths: list[str], source: str) -> int:
    from copydesk import report
    from copydesk.gc_tuning import settle_gc
    from copydesk.ingest import discover, pages
    from copydesk.pipeline import Pipeline
    from copydesk.storage import CorpusLock

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
                    for page in pages(files, source, max_bytes=cfg.crawl.max_page_bytes):
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
        pipe.close()
    report.print_summary(pipe.stats, title=f"ingest: {len(files)} file(s)", crawl=False, corpus=cfg.corpus)
    return 0


def clean(path: Path, *, url: str | None = None, as_json: bool = False) -> int:
    """Print the clean text (or, with ``as_json``, text and metadata) of one HTML or plain-text file."""
    import sys

    from copydesk import cleaning
    from copydesk.cleaning.model import record_words

    if not path.is_file():
        raise UsageError(f"no such file: {path}")
    data = path.read_bytes()
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
