"""The `copydesk` command line. Exit status: 0 run completed (page failures are counted, not fatal),
2 bad config or arguments (the message names the key), 1 anything else fatal."""
from __future__ import annotations

import argparse
import json
import logging
import sys
from pathlib import Path
from typing import Any, NoReturn

from copydesk import config as config_mod
from copydesk import workers
from copydesk.config import Config, ConfigError
from copydesk.errors import UsageError

EXIT_OK, EXIT_FATAL, EXIT_USAGE = 0, 1, 2


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> NoReturn:
        self.print_usage(sys.stderr)
        print(f"copydesk: error: {message}", file=sys.stderr)
        raise SystemExit(EXIT_USAGE)


def build_parser() -> argparse.ArgumentParser:
    p = _Parser(prog="copydesk", description="News ingestion: crawl, clean, dedup, store.")
    p.add_argument("--log-level", help="DEBUG, INFO, WARNING, ERROR (default: INFO for serve, WARNING otherwise)")
    p.add_argument("--log-format", choices=("text", "json"), default="text",
                   help="text for people, json lines for journald and log collectors")
    sub = p.add_subparsers(dest="command", required=True, metavar="COMMAND", parser_class=_Parser)

    def with_config(sp: argparse.ArgumentParser) -> None:
        sp.add_argument("-c", "--config", help=f"config file (default ./{config_mod.DEFAULT_CONFIG})")
        sp.add_argument("--corpus", help="corpus directory (overrides the config's `corpus`)")

    sp = sub.add_parser("crawl", help="one-off crawl of every (or the named) source, then exit")
    with_config(sp)
    sp.add_argument("--source", action="append", default=[], metavar="NAME", help="crawl only this source (repeatable)")

    sp = sub.add_parser("serve", help="the daemon: every source on its schedule until SIGTERM/SIGINT")
    with_config(sp)
    sp.add_argument("--metrics-port", type=int, help="serve Prometheus metrics at /metrics and a health check at /healthz")
    sp.add_argument("--metrics-host", default="127.0.0.1", help="address for --metrics-port (default 127.0.0.1)")

    sp = sub.add_parser("ingest", help="clean, dedup and store local HTML files, directories or WARC files")
    with_config(sp)
    sp.add_argument("--source", default="ingest", help="the `source` recorded on the documents (default: ingest)")
    sp.add_argument("paths", nargs="+", metavar="PATH")

    sp = sub.add_parser("clean", help="print the clean text of one HTML (or plain-text) file")
    sp.add_argument("file", metavar="FILE")
    sp.add_argument("--json", action="store_true", help="print the text and metadata as JSON")
    sp.add_argument("--url", help="the page's URL (helps metadata extraction)")

    sp = sub.add_parser("status", help="sources, corpus size, clusters, recent errors")
    with_config(sp)
    sp.add_argument("--json", action="store_true")

    sp = sub.add_parser("demo", help="serve the bundled demo news sites, crawl them into ./demo-corpus")
    sp.add_argument("--corpus", default="demo-corpus", help="where to write the demo corpus (default ./demo-corpus)")
    sp.add_argument("--serve", action="store_true", help="keep the demo sites up after the crawl, until Ctrl-C")

    sp = sub.add_parser("repair", help="rebuild the state store and dedup index from the corpus directory")
    with_config(sp)
    return p


def load_config(args: argparse.Namespace, *, need_sources: bool = False) -> Config:
    cfg = config_mod.load(getattr(args, "config", None))
    corpus = getattr(args, "corpus", None)
    if corpus:
        import dataclasses

        cfg = dataclasses.replace(cfg, corpus=Path(corpus).resolve())
    if need_sources and not cfg.sources:
        where = cfg.path or f"./{config_mod.DEFAULT_CONFIG} (not found)"
        raise ConfigError("sources", f"no [[sources]] configured in {where}; `crawl` and `serve` need at least one")
    return cfg


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    from copydesk import logs

    logs.setup(args.log_level or ("INFO" if args.command == "serve" else "WARNING"), args.log_format)
    try:
        return COMMANDS[args.command](args)
    except ConfigError as e:
        print(f"copydesk: config error: {e}", file=sys.stderr)
        return EXIT_USAGE
    except UsageError as e:
        print(f"copydesk: {e}", file=sys.stderr)
        return EXIT_USAGE
    except KeyboardInterrupt:
        print("copydesk: interrupted", file=sys.stderr)
        return 130
    except Exception as e:  # noqa: BLE001 - the last line of defence: one clear line, status 1
        from storage import CorpusNotWritable, LockedError, StateError

        if isinstance(e, (LockedError, CorpusNotWritable)):
            print(f"copydesk: {e}", file=sys.stderr)
            return EXIT_USAGE
        if isinstance(e, StateError):
            print(f"copydesk: {e}", file=sys.stderr)
            return EXIT_FATAL
        import errno

        if isinstance(e, OSError) and e.errno in (errno.ENOSPC, errno.EDQUOT):
            print(f"copydesk: no space left on device writing {e.filename}; what was reported stored before "
                  "is intact and the rest will be fetched again: free space and run again", file=sys.stderr)
            return EXIT_FATAL
        logging.getLogger("copydesk").exception("fatal error")
        print(f"copydesk: fatal: {type(e).__name__}: {e}", file=sys.stderr)
        return EXIT_FATAL


# -- commands -----------------------------------------------------------------------------------
def cmd_ingest(args: argparse.Namespace) -> int:
    workers.start_early()
    from copydesk import report
    from copydesk.gc_tuning import settle_gc
    from copydesk.ingest import discover, pages
    from copydesk.pipeline import Pipeline
    from storage import CorpusLock

    cfg = load_config(args)
    try:
        files = discover(args.paths)
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
                    for page in pages(files, args.source, max_bytes=cfg.crawl.max_page_bytes):
                        yield page
                        counter["files"] += 1

                for doc in pipe.run(counted()):
                    c = pipe.stats[args.source]
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
    return EXIT_OK


def cmd_clean(args: argparse.Namespace) -> int:
    import dataclasses

    import cleaning

    path = Path(args.file)
    if not path.is_file():
        raise UsageError(f"no such file: {path}")
    data = path.read_bytes()
    head = data[:2048].lstrip().lower()
    is_html = head.startswith((b"<!doctype", b"<html", b"<?xml", b"<head", b"<body", b"<meta", b"<div", b"<p")) \
        or b"<html" in head or b"<body" in head
    if is_html:
        result = cleaning.analyze(data, args.url)
        if not result:
            print(f"copydesk: {path}: not an article ({result.reason})", file=sys.stderr)
            return EXIT_FATAL
        if args.json:
            out = dataclasses.asdict(result)
            out["word_count"] = result.word_count
            print(json.dumps(out, ensure_ascii=False, indent=2))
        else:
            print(result.text)
        return EXIT_OK
    text = cleaning.clean_text(cleaning.decode_html(data))
    if args.json:
        print(json.dumps({"text": text, "word_count": len(text.split())}, ensure_ascii=False, indent=2))
    else:
        print(text)
    return EXIT_OK


def cmd_status(args: argparse.Namespace) -> int:
    from copydesk import status

    cfg = load_config(args)
    info = status.collect(cfg)
    if args.json:
        print(json.dumps(info, indent=2, default=str))
    else:
        status.render(info)
    return EXIT_OK


def cmd_crawl(args: argparse.Namespace) -> int:
    workers.start_early()
    from copydesk import runner

    cfg = load_config(args, need_sources=True)
    names = args.source or [s.name for s in cfg.sources]
    for n in names:
        cfg.source(n)
    return runner.crawl_command(cfg, names)


def cmd_serve(args: argparse.Namespace) -> int:
    import signal

    early: list[int] = []  # a stop asked for while the daemon is still importing and opening the corpus
    for sig in (signal.SIGTERM, signal.SIGINT):
        signal.signal(sig, lambda signum, _: early.append(signum))
    workers.start_early()
    from copydesk import daemon

    cfg = load_config(args, need_sources=True)
    return daemon.serve(cfg, metrics_port=args.metrics_port, metrics_host=args.metrics_host, early_signals=early)


def cmd_demo(args: argparse.Namespace) -> int:
    workers.start_early()
    from copydesk import demo_command

    return demo_command.run(Path(args.corpus), keep_serving=args.serve)


def cmd_repair(args: argparse.Namespace) -> int:
    from copydesk import repair

    cfg = load_config(args)
    return repair.run(cfg)


COMMANDS: dict[str, Any] = {
    "crawl": cmd_crawl, "serve": cmd_serve, "ingest": cmd_ingest, "clean": cmd_clean,
    "status": cmd_status, "demo": cmd_demo, "repair": cmd_repair,
}


if __name__ == "__main__":
    sys.exit(main())
