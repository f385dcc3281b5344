"""Regression: finished crawls must not stay reachable (a handler held in pydispatch's global
registry once kept every Crawler of a long-running daemon alive: +0.14 MB per run)."""
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
    alive = int(r.stdout.strip().splitlines()[-1])
    assert alive <= 5, f"{alive} Crawler objects still reachable after 25+ finished runs"
