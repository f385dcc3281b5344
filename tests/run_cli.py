"""The `copydesk` command as a user runs it, in a subprocess of this interpreter."""
from __future__ import annotations

import subprocess
import sys
from pathlib import Path


def copydesk(*args: object, timeout: float = 300, cwd: Path | None = None) -> subprocess.CompletedProcess:
    """``copydesk ARGS...``: output captured as text; ``timeout`` seconds at most."""
    return subprocess.run([sys.executable, "-m", "copydesk.cli", *map(str, args)], capture_output=True, text=True,
                          cwd=cwd, timeout=timeout)
