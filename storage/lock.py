"""One writer per corpus: an exclusive flock on corpus/_state/writer.lock.

The kernel drops a flock when its process dies, so a lock left by a dead process is taken over
automatically; the file's content (pid, command, start time) names the holder in the refusal and
tells the next holder that it took over from a dead one. `holder()` reads it without locking, for
`copydesk status`; the daemon adds its schedule and last error to it (`CorpusLock.update`).
"""
from __future__ import annotations

import fcntl
import json
import os
import socket
import sys
import time
from pathlib import Path
from typing import Any


class LockedError(RuntimeError):
    def __init__(self, path: Path, holder: dict[str, Any]):
        self.path, self.holder = path, holder
        who = holder.get("command") or "another copydesk process"
        since = time.strftime("%Y-%m-%d %H:%M:%S UTC", time.gmtime(holder["since"])) if holder.get("since") else "?"
        super().__init__(
            f"corpus {path.parent.parent} is in use by `{who}` (pid {holder.get('pid', '?')} on "
            f"{holder.get('host', '?')}, since {since}); stop it first, or point this command at another corpus")


class CorpusNotWritable(RuntimeError):
    def __init__(self, corpus: Path, error: OSError):
        super().__init__(f"corpus {corpus} is not writable: {error.strerror or error}"
                         f"{f' ({error.filename})' if error.filename else ''}")


class CorpusLock:
    def __init__(self, corpus: str | Path, command: str | None = None):
        self.path = Path(corpus) / "_state" / "writer.lock"
        self.command = command or " ".join(["copydesk", *sys.argv[1:]])[:200]
        self.fd: int | None = None
        self.previous: dict[str, Any] = {}
        self.info: dict[str, Any] = {}

    def acquire(self) -> CorpusLock:
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o644)
        except OSError as e:
            raise CorpusNotWritable(self.path.parent.parent, e) from None
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            holder = _read(fd)
            os.close(fd)
            raise LockedError(self.path, holder) from None
        self.previous = _read(fd)
        self.info = {"pid": os.getpid(), "host": socket.gethostname(), "command": self.command, "since": time.time()}
        os.ftruncate(fd, 0)
        os.pwrite(fd, json.dumps(self.info).encode(), 0)
        self.fd = fd
        return self

    def update(self, **extra: Any) -> None:
        """Add to what the lock file tells readers about its holder. The new content is written over
        the old in one write and the file cut to its length after; a reader in between sees the new
        object followed by a stale tail, which `_parse` ignores."""
        if self.fd is None:
            return
        self.info.update(extra)
        data = json.dumps(self.info, default=str).encode()
        os.pwrite(self.fd, data, 0)
        os.ftruncate(self.fd, len(data))

    @property
    def took_over(self) -> dict[str, Any] | None:
        """The holder recorded by a process that died without releasing the lock, if any."""
        return self.previous if self.previous.get("pid") else None

    def release(self) -> None:
        if self.fd is not None:
            os.ftruncate(self.fd, 0)
            fcntl.flock(self.fd, fcntl.LOCK_UN)
            os.close(self.fd)
            self.fd = None

    def __enter__(self) -> CorpusLock:
        return self.acquire()

    def __exit__(self, *_: Any) -> None:
        self.release()


def holder(corpus: str | Path) -> dict[str, Any] | None:
    """Who holds (or last held) the corpus's writer lock, read without taking it: the lock file's
    content plus ``running``: True when that process is alive on this host, False when it died
    without releasing the lock, None when it ran on another host (cannot tell). None when no
    process holds the lock (a clean release empties the file) or there is no lock file."""
    try:
        with open(Path(corpus) / "_state" / "writer.lock", "rb") as f:
            info = _parse(f.read(1 << 16))
    except OSError:
        return None
    if not info.get("pid"):
        return None
    info["running"] = _alive(info) if info.get("host") == socket.gethostname() else None
    return info


def _alive(info: dict[str, Any]) -> bool:
    """The pid is alive and is the same process (started no later than it took the lock): a pid
    reused by another process after a crash does not count."""
    import psutil

    try:
        started = psutil.Process(int(info["pid"])).create_time()
    except (psutil.Error, ValueError, TypeError):
        return False
    return started <= float(info.get("since") or 0) + 1.0


def _parse(data: bytes) -> dict[str, Any]:
    try:
        text = data.decode()
        if not text.strip():
            return {}
        obj, _ = json.JSONDecoder().raw_decode(text.lstrip())
        return obj if isinstance(obj, dict) else {}
    except ValueError:
        return {}


def _read(fd: int) -> dict[str, Any]:
    try:
        return _parse(os.pread(fd, 1 << 16, 0))
    except OSError:
        return {}
