"""The `copydesk` command line.

Exit status (README.md, "Exit status"): 0 done; 1 anything else fatal; 2 bad config or arguments (the
message names the key), a corpus in use by another copydesk process, or a corpus or port that cannot
be used; 3 a crawl whose source's discovery failed, or an ingest with an input file it could not read
in full; 130 stopped by Ctrl-C; 141 output closed early (`copydesk status | head`).

Subcommands are rows of ``SUBCOMMANDS``: a name, a help line, a function adding its arguments and a
function running it. Keep the logic in the command's own module; a `cmd_x` here only parses and calls.
Shared arguments have one spelling everywhere: `-c/--config FILE`, `--corpus DIR`, `--source NAME`,
`--json`; the global options (`--log-level`, `--log-format`) are accepted before or after the subcommand.
"""
from __future__ import annotations

import argparse
import errno
import json
import logging
import os
import sqlite3
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import NoReturn

from copydesk import config as config_mod
from copydesk import workers
from copydesk.config import Config, ConfigError
from copydesk.errors import UsageError

EXIT_OK, EXIT_FATAL, EXIT_USAGE, EXIT_INTERRUPTED, EXIT_BROKEN_PIPE = 0, 1, 2, 130, 141
LOG_LEVELS = ("DEBUG", "INFO", "WARNING", "ERROR")


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> NoReturn:
        self.print_usage(sys.stderr)
        print(f"copydesk: error: {message}", file=sys.stderr)
        raise SystemExit(EXIT_USAGE)


def version() -> str:
    from importlib.metadata import PackageNotFoundError
    from importlib.metadata import version as dist_version

    try:
        return dist_version("copydesk")
    except PackageNotFoundError:
        return "unknown (not installed)"


def log_level(value: str) -> str:
    level = value.upper()
    if level not in LOG_LEVELS:
        raise argparse.ArgumentTypeError(f"invalid level {value!r} (choose from {', '.join(LOG_LEVELS)})")
    return level


def port(value: str) -> int:
    try:
        n = int(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a port number: {value!r}") from None
    if not 1 <= n <= 65535:
        raise argparse.ArgumentTypeError(f"port {n} is out of range (1-65535)")
    return n


def add_global_options(p: argparse.ArgumentParser, *, defaults: bool) -> None:
    """The global options, on the main parser (with defaults) and on every subcommand (without:
    given after the subcommand, they override what came before it)."""
    def default(value: str | None) -> str | None:
        return value if defaults else argparse.SUPPRESS

    p.add_argument("--log-level", type=log_level, metavar="LEVEL", default=default(None),
                   help="DEBUG, INFO, WARNING or ERROR (default: INFO for serve, WARNING otherwise)")
    p.add_argument("--log-format", choices=("text", "json"), default=default("text"),
                   help="text for people, json lines for journald and log collectors")


# -- arguments shared by several subcommands ------------------------------------------------------
def config_args(sp: argparse.ArgumentParser) -> None:
    sp.add_argument("-c", "--config", metavar="FILE", help=f"config file (default ./{config_mod.DEFAULT_CONFIG})")
    sp.add_argument("--corpus", metavar="DIR", help="corpus directory (overrides the config's `corpus`)")


def json_arg(sp: argparse.ArgumentParser) -> None:
    sp.add_argument("--json", action="store_true", help="JSON for scripts instead of tables")


# -- each subcommand's arguments ----------------------------------------------------------------
def args_crawl(sp: argparse.ArgumentParser) -> None:
    config_args(sp)
    sp.add_argument("--source", action="append", default=[], metavar="NAME", help="crawl only this source (repeatable)")


def args_serve(sp: argparse.ArgumentParser) -> None:
    config_args(sp)
    sp.add_argument("--metrics-port", type=port, metavar="PORT",
                    help="serve Prometheus metrics at /metrics and a health check at /healthz")
    sp.add_argument("--metrics-host", default="127.0.0.1", metavar="ADDRESS",
                    help="address for --metrics-port (default 127.0.0.1)")
    sp.add_argument("--worker", metavar="ID",
                    help="with [cluster]: this daemon's worker id (overrides [cluster] worker; default host-pid)")
    sp.add_argument("--no-writer", action="store_true",
                    help="with [cluster]: never take the writer role, i.e. fetch and extract only (overrides "
                         "[cluster] writer; for hosts without the corpus)")


def args_ingest(sp: argparse.ArgumentParser) -> None:
    config_args(sp)
    sp.add_argument("--source", default="ingest", metavar="NAME",
                    help="the `source` recorded on the documents (default: ingest)")
    sp.add_argument("paths", nargs="+", metavar="PATH")


def args_clean(sp: argparse.ArgumentParser) -> None:
    sp.add_argument("file", metavar="FILE")
    sp.add_argument("--json", action="store_true", help="print the text and metadata as JSON")
    sp.add_argument("--url", metavar="URL", help="the page's URL (helps metadata extraction)")


def args_status(sp: argparse.ArgumentParser) -> None:
    config_args(sp)
    json_arg(sp)


def args_cluster(sp: argparse.ArgumentParser) -> None:
    actions = sp.add_subparsers(dest="cluster_action", required=True, metavar="ACTION", parser_class=_Parser)
    m = actions.add_parser("migrate", help="seed Redis from this single-machine corpus (URL decisions, "
                           "validators, runs): grow to several machines without re-crawling",
                           description="Seed the [cluster] Redis from the config's corpus (stop its daemon first); "
                           "the corpus becomes the cluster writer's. Idempotent.")
    config_args(m)
    add_global_options(m, defaults=False)


def args_demo(sp: argparse.ArgumentParser) -> None:
    sp.add_argument("--corpus", metavar="DIR", default="demo-corpus",
                    help="where to write the demo corpus (default ./demo-corpus)")
    sp.add_argument("--serve", action="store_true",
                    help="keep the demo sites up after the crawl, publishing new stories, until Ctrl-C or SIGTERM")
    sp.add_argument("--publish-every", type=float, default=60.0, metavar="SECONDS",
                    help="with --serve: seconds between two batches of new stories (default 60)")


def args_repair(sp: argparse.ArgumentParser) -> None:
    config_args(sp)
    sp.add_argument("--force", action="store_true",
                    help="rebuild from the part files even when the state is healthy (drops run history, "
                         "skip decisions and feed validators)")
    sp.add_argument("--upgrade", action="store_true",
                    help="convert a corpus in format 1 (JSON-lines parts) to format 2 (Parquet); state kept")


def args_compact(sp: argparse.ArgumentParser) -> None:
    config_args(sp)
    sp.add_argument("--day", metavar="YYYY-MM-DD", help="compact only this (closed) day")


def args_export(sp: argparse.ArgumentParser) -> None:
    config_args(sp)
    sp.add_argument("--format", choices=("parquet", "jsonl", "csv"), default="parquet", help="default: parquet")
    sp.add_argument("--since", metavar="DATE", help="documents fetched at or after this date (or date-time, UTC)")
    sp.add_argument("--until", metavar="DATE", help="documents fetched before this date (or date-time, UTC)")
    sp.add_argument("--source", action="append", default=[], metavar="NAME", help="only this source (repeatable)")
    sp.add_argument("--unique-only", action="store_true", help="only first members of stories (duplicate_of is null)")
    sp.add_argument("out", metavar="OUT", help="the file to write")


def args_delete(sp: argparse.ArgumentParser) -> None:
    config_args(sp)
    which = sp.add_mutually_exclusive_group(required=True)
    which.add_argument("--url", metavar="URL", help="the document stored for this URL")
    which.add_argument("--id", metavar="ID", help="the document with this id")
    sp.add_argument("--reason", metavar="TEXT", help="recorded with the tombstone (e.g. 'publisher request')")


def args_stories(sp: argparse.ArgumentParser) -> None:
    config_args(sp)
    sp.add_argument("--since", metavar="DATE", help="stories first published on or after DATE (ISO date or date-time, UTC)")
    sp.add_argument("--source", metavar="NAME", help="only stories that source NAME published or copied")
    sp.add_argument("--min-copies", type=int, default=1, metavar="N",
                    help="at least N copies (default 1; 0 lists every story)")
    sp.add_argument("--limit", type=int, metavar="N", help="at most N stories (default: 50 in the table, all with --json; 0: all)")
    json_arg(sp)


def args_report(sp: argparse.ArgumentParser) -> None:
    config_args(sp)
    sp.add_argument("--since", metavar="DATE", help="stories first published on or after DATE, and runs since then")
    sp.add_argument("--by", choices=("source", "site"), default="source",
                    help="name outlets by config source (default) or by site (host)")
    sp.add_argument("-o", "--output", required=True, metavar="FILE", help="the HTML file to write")


@dataclass(frozen=True)
class Subcommand:
    name: str
    help: str
    arguments: Callable[[argparse.ArgumentParser], None]
    run: Callable[[argparse.Namespace], int]


def build_parser() -> argparse.ArgumentParser:
    p = _Parser(prog="copydesk", description="News ingestion: crawl, clean, dedup, store.")
    p.add_argument("--version", action="version", version=f"copydesk {version()}")
    add_global_options(p, defaults=True)
    sub = p.add_subparsers(dest="command", required=True, metavar="COMMAND", parser_class=_Parser)
    for cmd in SUBCOMMANDS:
        sp = sub.add_parser(cmd.name, help=cmd.help, description=cmd.help)
        cmd.arguments(sp)
        add_global_options(sp, defaults=False)
        sp.set_defaults(run=cmd.run)
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


def refuse_cluster(cfg: Config, command: str) -> None:
    """`crawl` and `ingest` store into the corpus alone: with a [cluster] config the cluster's Redis
    would never learn what they stored, and its daemons would fetch all of it again (and a worker
    host would start a corpus of its own). They refuse, exit 2, naming what to do instead
    (docs/scale-out.md, "One-off commands")."""
    if cfg.cluster is None:
        return
    where = cfg.path or "the config"
    if command == "crawl":
        instead = ("run `copydesk serve` with this config instead (a source that has never completed a run is "
                   "crawled at once); to crawl into a single-machine corpus, use a config without [cluster] "
                   "(`copydesk cluster migrate` seeds Redis from it later)")
    else:
        instead = ("ingest into the corpus before it joins the cluster, with a config without [cluster], then seed "
                   "Redis from it with `copydesk cluster migrate` (docs/scale-out.md, \"One-off commands\")")
    raise UsageError(f"`copydesk {command}` does not take part in a cluster ({where} has a [cluster] section): "
                     f"Redis would not learn what it stored and the cluster would fetch it again; {instead}")


# OSErrors that mean "this path cannot be used as given" (a read-only or foreign corpus, a file where a
# directory belongs): one line naming the path, exit status 2, like any other bad argument.
_PATH_ERRORS = (errno.EACCES, errno.EPERM, errno.EROFS, errno.ENOTDIR, errno.EISDIR, errno.EEXIST)


def main(argv: list[str] | None = None) -> int:
    try:
        code = _run(argv)
        sys.stdout.flush()  # inside the try: a reader that went away shows here at the latest
        return code
    except BrokenPipeError:
        return _stdout_gone()


def _stdout_gone() -> int:
    """The reader of our output went away (`copydesk status | head`): nothing to say, exit 141 (what
    a shell reports for a command ended by SIGPIPE). stdout goes to /dev/null so that Python's flush
    at exit does not print a second error."""
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
    except (OSError, ValueError):
        pass
    return EXIT_BROKEN_PIPE


def _run(argv: list[str] | None) -> int:
    args = build_parser().parse_args(argv)
    from copydesk import logs

    logs.setup(args.log_level or ("INFO" if args.command == "serve" else "WARNING"), args.log_format)
    try:
        return args.run(args)
    except ConfigError as e:
        print(f"copydesk: config error: {e}", file=sys.stderr)
        return EXIT_USAGE
    except UsageError as e:
        print(f"copydesk: {e}", file=sys.stderr)
        return EXIT_USAGE
    except KeyboardInterrupt:
        print("copydesk: interrupted", file=sys.stderr)
        return EXIT_INTERRUPTED
    except BrokenPipeError:
        raise
    except SystemExit as e:
        # rich's Console ends the process with SystemExit(1) when its output pipe breaks
        if e.code == 1 and _stdout_broken():
            return _stdout_gone()
        raise
    except Exception as e:  # noqa: BLE001 - the last line of defence: one clear line, status 1
        from copydesk.storage import CorpusNotWritable, LockedError, StateError

        if isinstance(e, (LockedError, CorpusNotWritable)):
            print(f"copydesk: {e}", file=sys.stderr)
            return EXIT_USAGE
        if isinstance(e, StateError):
            print(f"copydesk: {e}", file=sys.stderr)
            return EXIT_FATAL
        if isinstance(e, sqlite3.OperationalError) and getattr(e, "sqlite_errorcode", None) == sqlite3.SQLITE_FULL:
            e = OSError(errno.ENOSPC, str(e), "the state database")  # a write outside a transaction
        if isinstance(e, OSError) and e.errno in (errno.ENOSPC, errno.EDQUOT):
            print(f"copydesk: no space left on device writing {e.filename}; what was reported stored before "
                  "is intact and the rest will be fetched again: free space and run again", file=sys.stderr)
            return EXIT_FATAL
        if isinstance(e, OSError) and e.errno in _PATH_ERRORS:
            hint = " (a file where copydesk needs a directory)" if e.errno in (errno.EEXIST, errno.ENOTDIR) else ""
            print(f"copydesk: {e.filename or 'a path'}: {e.strerror or e}{hint}", file=sys.stderr)
            return EXIT_USAGE
        logging.getLogger("copydesk").exception("fatal error")
        print(f"copydesk: fatal: {type(e).__name__}: {e}", file=sys.stderr)
        return EXIT_FATAL


def _stdout_broken() -> bool:
    try:
        os.fstat(sys.stdout.fileno())
        return os.path.samefile(f"/proc/self/fd/{sys.stdout.fileno()}", os.devnull)
    except (OSError, ValueError):
        return False


# -- commands: parse, then call into the command's own module ---------------------------------------
def cmd_ingest(args: argparse.Namespace) -> int:
    workers.start_early()
    from copydesk import ingest_command

    cfg = load_config(args)
    refuse_cluster(cfg, "ingest")
    return ingest_command.ingest(cfg, args.paths, args.source)


def cmd_clean(args: argparse.Namespace) -> int:
    from copydesk import ingest_command

    return ingest_command.clean(Path(args.file), url=args.url, as_json=args.json)


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
    refuse_cluster(cfg, "crawl")
    names = args.source or [s.name for s in cfg.sources]
    for n in names:
        cfg.source(n)
    return runner.crawl_command(cfg, names)


def cmd_serve(args: argparse.Namespace) -> int:
    import signal

    early: list[int] = []  # a stop asked for while the daemon is still importing and opening the corpus
    for sig in (signal.SIGTERM, signal.SIGINT):
        signal.signal(sig, lambda signum, _: early.append(signum))
    workers.start_early(long_lived=True)  # dateparser's locales too: they pay off only in a daemon
    from copydesk import daemon

    cfg = load_config(args, need_sources=True)
    if args.worker or args.no_writer:
        cfg = daemon.with_worker(cfg, args.worker, writer=False if args.no_writer else None)
    return daemon.serve(cfg, metrics_port=args.metrics_port, metrics_host=args.metrics_host, early_signals=early)


def cmd_cluster(args: argparse.Namespace) -> int:
    from copydesk.cluster import migrate

    return migrate.command(load_config(args))


def cmd_demo(args: argparse.Namespace) -> int:
    workers.start_early()
    from copydesk import demo_command

    return demo_command.run(Path(args.corpus), keep_serving=args.serve, publish_every=args.publish_every)


def cmd_repair(args: argparse.Namespace) -> int:
    from copydesk import repair

    if args.upgrade:
        from copydesk import corpus_commands

        return corpus_commands.upgrade(load_config(args))
    return repair.run(load_config(args), force=args.force)


def cmd_compact(args: argparse.Namespace) -> int:
    from copydesk import corpus_commands

    return corpus_commands.compact(load_config(args), day=args.day)


def cmd_export(args: argparse.Namespace) -> int:
    from copydesk import corpus_commands

    return corpus_commands.export(load_config(args), Path(args.out), fmt=args.format, since=args.since,
                                  until=args.until, sources=args.source, unique_only=args.unique_only)


def cmd_delete(args: argparse.Namespace) -> int:
    from copydesk import corpus_commands

    return corpus_commands.delete(load_config(args), url=args.url, doc_id=args.id, reason=args.reason)


def cmd_stories(args: argparse.Namespace) -> int:
    from copydesk import newsroom

    cfg = load_config(args)
    limit = args.limit if args.limit is not None else (None if args.json else 50)
    return newsroom.stories_command(cfg.corpus, since=args.since, source=args.source, min_copies=args.min_copies,
                                    as_json=args.json, limit=limit)


def cmd_report(args: argparse.Namespace) -> int:
    from copydesk import newsroom

    cfg = load_config(args)
    return newsroom.report_command(cfg, cfg.corpus, since=args.since, out=Path(args.output).resolve(), by=args.by)


# The subcommands, in the order `copydesk --help` lists them. To add one: a row here, an `args_x`
# above (reuse config_args/json_arg, and `--source NAME` for a source) and a `cmd_x` calling your module.
SUBCOMMANDS: list[Subcommand] = [
    Subcommand("crawl", "one-off crawl of every (or the named) source, then exit", args_crawl, cmd_crawl),
    Subcommand("serve", "the daemon: every source on its schedule until SIGTERM/SIGINT", args_serve, cmd_serve),
    Subcommand("ingest", "clean, dedup and store local HTML files, directories or WARC files", args_ingest, cmd_ingest),
    Subcommand("clean", "print the clean text of one HTML (or plain-text) file", args_clean, cmd_clean),
    Subcommand("status", "sources, daemon, corpus size, clusters, recent errors; with [cluster]: workers, "
               "frontier, docs waiting, writer", args_status, cmd_status),
    Subcommand("cluster", "several machines on one Redis: `cluster migrate` seeds it from this corpus", args_cluster,
               cmd_cluster),
    Subcommand("demo", "serve the bundled demo news sites, crawl them into ./demo-corpus", args_demo, cmd_demo),
    Subcommand("repair", "check the state store and dedup index against the corpus directory, rebuild what is "
               "broken", args_repair, cmd_repair),
    Subcommand("compact", "merge the small part files of closed days into a few large ones", args_compact, cmd_compact),
    Subcommand("export", "the corpus (or a selection) as one Parquet, JSON-lines or CSV file", args_export, cmd_export),
    Subcommand("delete", "remove a document (a takedown); its URL is never fetched again", args_delete, cmd_delete),
    Subcommand("stories", "one line per story: first publisher, copies, outlets, median lag", args_stories,
               cmd_stories),
    Subcommand("report", "one self-contained HTML page: stories, who copies whom, lags, crawl health", args_report,
               cmd_report),
]


if __name__ == "__main__":
    sys.exit(main())
