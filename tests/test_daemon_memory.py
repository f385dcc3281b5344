"""Regression: finished crawls must not stay reachable (a handler held in pydispatch's global
registry once kept every Crawler of a long-running daemon alive: +0.14 MB per run), nor wait long
as uncollected garbage (with the crawler's rarer young collections they piled up in the oldest
generation: +14 MB over 900 runs)."""
import subprocess
import sys
import textwrap
from pathlib import Path

SCRIPT = textwrap.dedent("""
    import gc, os, signal, sys, tempfile, pathlib
    sys.path.insert(0, {root!r})

    def main():
        from copydesk.demo import DemoWorld
        from copydesk import config as config_mod, logs
        from copydesk.daemon import Daemon
        from scrapy.crawler import Crawler
        logs.setup("ERROR")
        d = pathlib.Path(tempfile.mkdtemp())
        with DemoWorld() as w:
            cfg = d / "c.toml"
            cfg.write_text(w.config_toml(str(d / "corpus"), interval="1s").replace("[schedule]", "[schedule]\\njitter = 0"))
            dm = Daemon(config_mod.load(cfg))
            orig, count = dm.run_source, [0]
            def run_source(src):
                def after(r):
                    count[0] += 1
                    if count[0] == 25:
                        os.kill(os.getpid(), signal.SIGTERM)
                    return r
                return orig(src).addBoth(after)
            dm.run_source = run_source
            dm.serve([])
        print(sum(isinstance(o, Crawler) for o in gc.get_objects()))  # garbage not yet collected
        gc.collect()
        print(sum(isinstance(o, Crawler) for o in gc.get_objects()))

    if __name__ == "__main__":
        main()
""")


def test_finished_crawls_are_released(tmp_path):
    script = tmp_path / "leak.py"
    script.write_text(SCRIPT.format(root=str(Path(__file__).resolve().parent.parent)))
    r = subprocess.run([sys.executable, str(script)], capture_output=True, text=True, timeout=180)
    assert r.returncode == 0, r.stderr[-2000:]
    waiting, alive = map(int, r.stdout.strip().splitlines()[-2:])
    assert alive <= 5, f"{alive} Crawler objects still reachable after 25+ finished runs"
    # the daemon collects when no crawl runs, and after 10 runs at the latest
    assert waiting <= 10, f"{waiting} Crawler objects waiting for the collector after 25+ finished runs"
