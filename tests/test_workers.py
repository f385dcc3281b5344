"""The extraction pool's forkserver preload (copydesk.workers): the daemon's (`serve`, cluster workers
included) loads dateparser's ~200 locales once; the short commands' (crawl, ingest, demo) does not
(~2 s at every pool start); extraction is the same either way. copydesk.cleaning.warm does
what cleaning.preload does, but the locales (preload imports it)."""
from __future__ import annotations

import ast
import json
import os
import re
import signal
import subprocess
import sys
import time
from pathlib import Path

import psutil

from copydesk import workers
from sites import Route, Site, rss

ROOT = Path(__file__).resolve().parent.parent


def forkserver_preload(proc: subprocess.Popen, timeout: float = 60) -> list[str]:
    """The preload list of ``proc``'s forkserver, read from its command line
    (``python -c 'from multiprocessing.forkserver import main; main(fd, fd, [modules], ...)'``)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline and proc.poll() is None:
        try:
            children = psutil.Process(proc.pid).children(recursive=True)
        except psutil.NoSuchProcess:
            break
        for child in children:
            try:
                cmd = " ".join(child.cmdline())
            except psutil.Error:
                continue
            m = re.search(r"multiprocessing\.forkserver import main; main\(\d+, \d+, (\[[^\]]*\])", cmd)
            if m:
                return ast.literal_eval(m.group(1))
        time.sleep(0.05)
    raise AssertionError(f"no forkserver seen under pid {proc.pid} (exit status {proc.poll()})")


def preload_of(*command: str) -> list[str]:
    """The forkserver preload of a real copydesk command, which is then killed with its forkserver (its
    process group): only its start matters."""
    proc = subprocess.Popen([sys.executable, "-m", "copydesk.cli", *command], cwd=ROOT, stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL, start_new_session=True)
    try:
        return forkserver_preload(proc)
    finally:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait()


def test_serve_preloads_dateparser_and_a_one_off_crawl_does_not(tmp_path):
    with Site() as site:   # a feed that never answers in time: the commands are killed while they wait
        site.routes["/rss.xml"] = Route(rss([]), content_type="application/rss+xml", delay=30)
        cfg = tmp_path / "copydesk.toml"
        cfg.write_text(f'corpus = "corpus"\n[schedule]\ninterval = "1h"\n'
                       f'[[sources]]\nname = "pre"\nfeeds = ["{site.url("/rss.xml")}"]\n')
        crawl, serve = preload_of("crawl", "-c", str(cfg)), preload_of("serve", "-c", str(cfg))
    assert crawl == workers.PRELOAD and "copydesk.cleaning.preload" not in crawl
    assert serve == workers.DAEMON_PRELOAD and "copydesk.cleaning.preload" in serve


# a page whose date, in Spanish words, htmldate hands to dateparser (which then loads every locale)
DATED = ("<html><head><title>Harbour notice</title></head><body><article><h1>Harbour notice</h1>"
         "<p class='byline'>Publicado el martes 12 de marzo de 2024</p><p>"
         + "The northern ferry pier closes on Saturday from six until noon for repairs to its gangway. " * 8
         + "</p></article></body></html>")
POOL = """
import json, sys
from copydesk import workers
workers.start_early(long_lived=sys.argv[1] == "daemon")
from copydesk.cleaning import analyze
from copydesk.extraction import Extractor
ex = Extractor(1)
locales = "len(__import__('dateparser.languages.loader', fromlist=['_']).LocaleDataLoader._loaded_locales)"
langid = "__import__('py3langid.langid', fromlist=['_']).IDENTIFIER is not None"
before, model = ex.call(eval, locales).result(), ex.call(eval, langid).result()
frozen = ex.call(eval, "__import__('gc').get_freeze_count()").result()
union = ex.call(eval, "__import__('trafilatura.external', fromlist=['_']).JT_STOPLIST is not None").result()
article = ex.call(analyze, sys.argv[2], "https://harbour.test/notice").result()
after = ex.call(eval, locales).result()
ex.close()
print(json.dumps({"before": before, "model": model, "after": after, "article": repr(article), "frozen": frozen,
                  "union": union}))
"""


def test_a_daemons_workers_start_with_dateparsers_locales_and_extract_the_same():
    procs = {mode: subprocess.Popen([sys.executable, "-c", POOL, mode, DATED], cwd=ROOT, stdout=subprocess.PIPE,
                                    stderr=subprocess.PIPE, text=True) for mode in ("daemon", "short")}
    reports = {}
    for mode, proc in procs.items():
        out, err = proc.communicate(timeout=120)
        assert proc.returncode == 0, err[-3000:]
        reports[mode] = json.loads(out)
    daemon, short = reports["daemon"], reports["short"]
    assert daemon["before"] >= 100 and short["before"] == 0
    assert daemon["model"] and short["model"]       # the language model: preloaded for both
    assert short["after"] >= 100                      # the page needed dateparser: that worker loaded it
    assert "published='2024-" in daemon["article"] and daemon["article"] == short["article"]
    # before its first page, a worker has trafilatura's union of jusText's stoplists (built in the
    # forkserver, not on the first short page of every worker) and the forkserver's heap frozen
    # (copydesk.preloaded: its collections do not walk it)
    assert daemon["union"] and short["union"]
    assert daemon["frozen"] > 50_000 and short["frozen"] > 50_000


def test_the_daemons_preload_is_the_warm_up_plus_dateparser():
    code = (
        "import sys; import copydesk.cleaning.preload; "
        "print('copydesk.cleaning.warm' in sys.modules, 'dateparser' in sys.modules)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120, check=True)
    assert out.stdout.split() == ["True", "True"]
    code = "import sys; import copydesk.cleaning.warm; print('copydesk.cleaning.preload' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120, check=True)
    assert out.stdout.split() == ["False"]
