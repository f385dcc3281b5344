"""`copydesk demo`: serve the bundled demo news world on loopback, crawl it into ./demo-corpus.

With ``--serve`` the sites stay up after the crawl, the world publishes its held-back stories
one batch at a time (every ``--publish-every`` seconds), and the config the crawl used is printed
so that ``copydesk serve -c`` can be pointed at it and be seen picking the new stories up. SIGTERM
or Ctrl-C stops it (status 0; 130 when the crawl itself was interrupted).
"""
from __future__ import annotations

import shutil
import signal
import sys
import threading
from pathlib import Path
from types import FrameType
from typing import TYPE_CHECKING

from copydesk import config as config_mod
from copydesk import report, runner
from copydesk.errors import UsageError

if TYPE_CHECKING:
    from copydesk.demo import DemoWorld

MARKER = "_state/demo-corpus"
CONFIG = "_state/demo.toml"


def prepare(corpus: Path) -> None:
    """Start from an empty corpus: the demo sites get new ports (so new URLs) on every start, and a
    demo corpus from an earlier run would only collect copies of itself. Refuse to touch a
    directory that is not an earlier demo corpus."""
    if corpus.exists() and any(corpus.iterdir()):
        if not (corpus / MARKER).exists():
            raise UsageError(f"{corpus} exists and is not a demo corpus; choose another --corpus")
        shutil.rmtree(corpus)
    (corpus / "_state").mkdir(parents=True, exist_ok=True)
    (corpus / MARKER).write_text("made by `copydesk demo`; the next demo run replaces this directory\n")


def run(corpus: Path, *, keep_serving: bool = False, publish_every: float = 60.0) -> int:
    from copydesk.demo import DemoWorld

    if publish_every <= 0:
        raise UsageError(f"--publish-every must be more than 0 seconds, not {publish_every:g}")
    corpus = corpus.resolve()
    prepare(corpus)
    with DemoWorld() as world:
        cfg_path = corpus / CONFIG
        cfg_path.write_text(world.config_toml(str(corpus)))
        cfg = config_mod.load(cfg_path)
        hosts = {v.split("//", 1)[1].rsplit(":", 1)[0] for v in world.urls.values()}
        where = "loopback" if len(hosts) > 1 else next(iter(hosts))
        report.console.print(f"[bold]demo[/bold]: {len(world.urls)} news sites on {where}: "
                             + ", ".join(f"{k} {v}" for k, v in world.urls.items()), soft_wrap=True)
        status = runner.crawl_command(cfg, [s.name for s in cfg.sources], kind="demo",
                                      title="demo crawl")
        report.console.print(
            f"\nThe corpus is in {corpus}. Read it, for example:\n"
            f"  copydesk status --corpus {corpus}\n"
            f"  copydesk stories --corpus {corpus}\n"
            f"  copydesk report --corpus {corpus} -o report.html\n"
            # pyarrow is in the runtime lock (README line 1); DuckDB, pandas, polars and datasets are the
            # user's own tools (the README's examples)
            f"  {sys.executable} -c \"import pyarrow.dataset as ds; "
            f"t = ds.dataset('{corpus}/documents', format='parquet', partitioning='hive').to_table(); "
            f"print(t.group_by('site').aggregate([('id', 'count')]).sort_by('site').to_pylist())\"\n"
            f"  (DuckDB, pandas, polars and HuggingFace datasets read it as it is: README, \"Reading it\")", soft_wrap=True)
        if keep_serving and status != 130:   # interrupted; a degraded crawl (3) still serves
            serve_on(world, cfg_path, publish_every)
    return status


def serve_on(world: DemoWorld, cfg_path: Path, publish_every: float) -> None:
    """Keep the sites up, publishing the next held-back batch every ``publish_every`` seconds,
    until SIGTERM or SIGINT. The crawl left Scrapy's signal handlers installed (they only ask a
    reactor that has stopped to stop, so neither signal did anything), so this installs its own.
    After the first signal both are ignored: the sites close and the process ends within a second
    or two, and a second Ctrl-C then would only kill it during Python's finalisation (which puts
    back the default handlers, but leaves ignored signals ignored)."""
    stop = threading.Event()

    def on_signal(signum: int, frame: FrameType | None) -> None:
        for sig in (signal.SIGTERM, signal.SIGINT):
            signal.signal(sig, signal.SIG_IGN)
        stop.set()

    for sig in (signal.SIGTERM, signal.SIGINT):
        signal.signal(sig, on_signal)
    report.console.print(
        f"\nThe demo sites stay up until Ctrl-C (or SIGTERM). The config is {cfg_path}; run the daemon on it\n"
        f"in another terminal to see it pick up the stories published from now on:\n"
        f"  copydesk serve -c {cfg_path}\n"
        f"{world.max_batch - world.batch} more batch(es) of stories, one every {publish_every:g} s.", soft_wrap=True)
    sys.stdout.flush()
    while not stop.wait(publish_every):
        new = world.publish_more()
        if not new:
            continue
        report.console.print(f"published batch {world.batch} of {world.max_batch}: {len(new)} pages, "
                             + "; ".join(f"{p.outlet}: {p.title}" for p in new), soft_wrap=True)
        if world.batch == world.max_batch:
            report.console.print("every demo story is out now")
        sys.stdout.flush()
    report.console.print("stopping the demo sites")
