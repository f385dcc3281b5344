"""One writer per corpus: an exclusive flock on corpus/_state/writer.lock.

The kernel drops a flock when its process dies, so a lock left by a dead process is taken over
automatically; the file's content (pid, command, start time) names the holder in the refusal and
tells the next holder that it took over from a dead one.
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
        info = {"pid": os.getpid(), "host": socket.gethostname(), "command": self.command, "since": time.time()}
        os.ftruncate(fd, 0)
        os.pwrite(fd, json.dumps(info).encode(), 0)
        self.fd = fd
        return self

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


def _read(fd: int) -> dict[str, Any]:
    try:
        data = os.pread(fd, 4096, 0)
        return json.loads(data) if data.strip() else {}
    except (OSError, ValueError):
        return {}
