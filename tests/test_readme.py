"""The README's promises: its first block holds the set-up/demo and test commands, and every Python
example runs (against a demo corpus made here by ingesting the demo world's pages)."""
from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest

from copydesk.demo import DemoWorld

ROOT = Path(__file__).resolve().parent.parent
README = (ROOT / "README.md").read_text(encoding="utf-8")
EXAMPLES = re.findall(r"```python\n(.*?)```", README, re.S)


def test_first_block_has_the_two_commands():
    first = re.search(r"```sh\n(.*?)```", README, re.S).group(1).strip().splitlines()
    assert first[0].startswith("python3.11 -m venv .venv") and first[0].endswith("copydesk demo")
    assert first[1].startswith("python3.11 -m venv .venv") and "pytest" in first[1]
    assert "README.md" in (ROOT / ".ci" / "run").read_text()


@pytest.fixture(scope="module")
def demo_corpus_dir(tmp_path_factory) -> Path:
    d = tmp_path_factory.mktemp("readme")
    DemoWorld().write_static(d / "pages")
    r = subprocess.run([sys.executable, "-m", "copydesk.cli", "ingest", "--corpus", str(d / "demo-corpus"),
                        str(d / "pages")], capture_output=True, text=True, timeout=300)
    assert r.returncode == 0, r.stderr
    return d


@pytest.mark.parametrize("code", EXAMPLES, ids=[f"example{i}" for i in range(len(EXAMPLES))])
def test_python_example_runs(code, demo_corpus_dir):
    r = subprocess.run([sys.executable, "-c", code], cwd=demo_corpus_dir, capture_output=True, text=True,
                       timeout=300, env={"PYTHONPATH": str(ROOT), "HF_DATASETS_OFFLINE": "1", "HF_HUB_OFFLINE": "1",
                                         "HF_HOME": str(demo_corpus_dir / "hf"), "PATH": "/usr/bin:/bin"})
    assert r.returncode == 0, r.stderr[-3000:]
    assert r.stdout.strip()
