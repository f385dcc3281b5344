"""Logging for people (text on stderr) or for collectors (one JSON object per line)."""
from __future__ import annotations

import json
import logging
import re
import sys
import time
from urllib.parse import urlsplit


_CHATTY = ("scrapy", "twisted", "py.warnings", "trafilatura", "htmldate", "readability", "courlan", "asyncio", "apscheduler")


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        out = {
            "ts": time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(record.created)) + f".{int(record.msecs):03d}Z",
            "level": record.levelname.lower(),
            "logger": record.name,
            "msg": record.getMessage(),
        }
        for key in ("source", "url", "reason", "run", "counts"):
            if hasattr(record, key):
                out[key] = getattr(record, key)
        if record.exc_info:
            out["exc"] = self.formatException(record.exc_info)
        return json.dumps(out, ensure_ascii=False, default=str)


# Loggers whose ERROR records carry a whole traceback for what is an ordinary network failure, already
# counted as a failure of the run: they become one WARNING line (the traceback only at DEBUG).
_ONE_LINE = ("scrapy.downloadermiddlewares.robotstxt",)


def one_line(record: logging.LogRecord) -> bool:
    """Handler filter: an unreachable host's robots.txt (Scrapy logs ~60 lines of traceback per host
    and run) becomes one line; at DEBUG the traceback stays."""
    if record.name.startswith(_ONE_LINE) and record.exc_info and logging.getLogger().level > logging.DEBUG:
        msg = " ".join(record.getMessage().split())
        m = re.match(r"Error downloading <\w+ (\S+)>: (.*)", msg)
        if m:  # Scrapy names the request that needed robots.txt, not robots.txt itself
            parts = urlsplit(m.group(1))
            msg = f"could not fetch {parts.scheme}://{parts.netloc}/robots.txt: {m.group(2)}"
        record.msg, record.args = msg, ()
        record.exc_info, record.exc_text, record.stack_info = None, None, None
        if record.levelno > logging.WARNING:
            record.levelno, record.levelname = logging.WARNING, "WARNING"
    return True


def setup(level: str = "WARNING", fmt: str = "text") -> None:
    handler = logging.StreamHandler(sys.stderr)
    if fmt == "json":
        handler.setFormatter(JsonFormatter())
    else:
        handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s", "%H:%M:%S"))
    ours = getattr(logging, level.upper(), logging.WARNING)
    # Scrapy, Twisted and the extraction libraries are chatty (and Scrapy resets logger levels when a
    # crawl starts): the handler itself keeps them at WARNING unless we run at DEBUG.
    floor = logging.DEBUG if ours <= logging.DEBUG else logging.WARNING
    handler.addFilter(one_line)
    handler.addFilter(lambda r: r.levelno >= (floor if r.name.startswith(_CHATTY) else ours))
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(logging.DEBUG if ours <= logging.DEBUG else min(ours, logging.INFO))


def settle_scrapy() -> None:
    """Call after creating a CrawlerProcess: its logging setup puts the ``scrapy`` loggers at DEBUG,
    so every request and every item built a log record ("Crawled", "Scraped from") that the handler
    then dropped, a few percent of the crawler's CPU. They go back to what the handler lets through
    from them: DEBUG when the root logger is at DEBUG (see setup), else WARNING."""
    debug = logging.getLogger().level <= logging.DEBUG
    logging.getLogger("scrapy").setLevel(logging.DEBUG if debug else logging.WARNING)
