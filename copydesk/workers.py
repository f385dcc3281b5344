"""The extraction workers' process context. Light to import, so a command can start the
forkserver first thing, before it loads the rest of copydesk."""
from __future__ import annotations

import multiprocessing
import threading
from multiprocessing.context import BaseContext

# what the forkserver imports (and loads: the language model) once for every worker forked from it;
# copydesk.preloaded, last, freezes what the others loaded
PRELOAD = ["copydesk.cleaning.warm", "copydesk.pipeline", "copydesk.preloaded"]
# the long-lived daemon's forkserver loads dateparser's locales too (~2 s at every pool start: in a
# one-off crawl, ingest or demo that is paid for nothing unless a page has a date in words)
DAEMON_PRELOAD = ["copydesk.cleaning.preload", "copydesk.pipeline", "copydesk.preloaded"]  # preload imports cleaning.warm

_long_lived = False


def preload() -> list[str]:
    return list(DAEMON_PRELOAD if _long_lived else PRELOAD)


def context() -> BaseContext:
    ctx = multiprocessing.get_context("forkserver")
    ctx.set_forkserver_preload(preload())
    return ctx


def start_early(*, long_lived: bool = False) -> None:
    """Start the forkserver in a background thread (~1 s of imports and model loading; ~3 s with
    ``long_lived``, for ``serve``), so it is ready by the time the command has loaded its config,
    corpus and crawler. ``long_lived`` holds for every pool the process starts after it (the
    forkserver is one per process)."""
    global _long_lived
    _long_lived = _long_lived or long_lived

    def start() -> None:
        context()
        from multiprocessing import forkserver

        forkserver.ensure_running()

    threading.Thread(target=start, name="copydesk-forkserver", daemon=True).start()
