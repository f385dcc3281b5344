"""`copydesk demo`: serve the bundled demo news world on loopback, crawl it into ./demo-corpus."""
from __future__ import annotations

import shutil
import time
from pathlib import Path

from copydesk import config as config_mod
from copydesk import report, runner
from copydesk.errors import UsageError

MARKER = "_state/demo-corpus"


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


def run(corpus: Path, *, keep_serving: bool = False) -> int:
    from copydesk.demo import DemoWorld

    corpus = corpus.resolve()
    prepare(corpus)
    with DemoWorld() as world:
        cfg_path = corpus / "_state" / "demo.toml"
        cfg_path.write_text(world.config_toml(str(corpus)))
        cfg = config_mod.load(cfg_path)
        report.console.print(f"[bold]demo[/bold]: {len(world.urls)} news sites on 127.0.0.1 "
                             + ", ".join(f"{k} {v}" for k, v in world.urls.items()))
        status = runner.crawl_command(cfg, [s.name for s in cfg.sources], kind="demo",
                                      title="demo crawl")
        report.console.print(
            f"\nThe corpus is in {corpus}. Read it, for example:\n"
            f"  copydesk status --corpus {corpus}\n"
            f"  python -c \"import duckdb; print(duckdb.sql(\\\"select site, title, cluster_id, duplicate_of "
            f"from read_json('{corpus}/documents/**/*.jsonl', hive_partitioning=true) order by cluster_id\\\"))\"")
        if keep_serving:
            report.console.print("demo sites are up until Ctrl-C")
            try:
                while True:
                    time.sleep(3600)
            except KeyboardInterrupt:
                pass
    return status
