"""The extraction workers' process context. Light to import, so a command can start the
forkserver first thing, before it loads the rest of copydesk."""
from __future__ import annotations

import multiprocessing
import threading
from multiprocessing.context import BaseContext

# what the forkserver imports (and loads: the language model) once for every worker forked from it
PRELOAD = ["copydesk.cleaning.preload", "copydesk.pipeline"]


def context() -> BaseContext:
    ctx = multiprocessing.get_context("forkserver")
    ctx.set_forkserver_preload(PRELOAD)
    return ctx


def start_early() -> None:
    """Start the forkserver in a background thread (~1.2 s of imports and model loading), so it
    is ready by the time the command has loaded its config, corpus and crawler."""

    def start() -> None:
        context()
        from multiprocessing import forkserver

        forkserver.ensure_running()

    threading.Thread(target=start, name="copydesk-forkserver", daemon=True).start()
