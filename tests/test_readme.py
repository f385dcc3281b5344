"""The README's promises: its first block holds the set-up/demo and test commands, and every Python
example runs (against a demo corpus made here by ingesting the demo world's pages)."""
from __future__ import annotations

import re
import shlex
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from copydesk.demo import DemoWorld
from copydesk.storage import Corpus, read_part

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
    """The demo world's pages ingested in three runs (the wire's first: that part holds no copies),
    so the examples read a corpus of several parts, as `serve` leaves it."""
    d = tmp_path_factory.mktemp("readme")
    files = DemoWorld().write_static(d / "pages")
    runs = [[n for n in files if n.startswith("wire__")], [n for n in files if n.startswith(("gazette__", "ledger__"))],
            [n for n in files if not n.startswith(("wire__", "gazette__", "ledger__"))]]
    for names in runs:
        r = subprocess.run([sys.executable, "-m", "copydesk.cli", "ingest", "--corpus", str(d / "demo-corpus"),
                            *[str(d / "pages" / n) for n in names]], capture_output=True, text=True, timeout=300)
        assert r.returncode == 0, r.stderr
    parts = Corpus(d / "demo-corpus").part_files()
    assert len(parts) >= 3
    assert all(r["duplicate_of"] is None for r in read_part(parts[0]))
    return d


@pytest.mark.parametrize("code", EXAMPLES, ids=[f"example{i}" for i in range(len(EXAMPLES))])
def test_python_example_runs(code, demo_corpus_dir):
    # no PYTHONPATH: the examples import the installed package, as a user's script does
    r = subprocess.run([sys.executable, "-c", code], cwd=demo_corpus_dir, capture_output=True, text=True,
                       timeout=300, env={"HF_DATASETS_OFFLINE": "1", "HF_HUB_OFFLINE": "1",
                                         "HF_HOME": str(demo_corpus_dir / "hf"), "PATH": "/usr/bin:/bin"})
    assert r.returncode == 0, r.stderr[-3000:]
    assert r.stdout.strip()
    if "Ferry terminal to open" in code:
        # the stages example: its article is long enough for analyze's 50-word policy, so the title
        # is printed (not `too_short`), as its comment says
        expected = re.search(r"result.reason\)\s+# (.+)", code).group(1).strip()
        assert r.stdout.splitlines()[0] == expected == "Ferry terminal to open, 80 words"


def test_export_and_delete_examples_run(demo_corpus_dir, tmp_path):
    block = next(b for b in re.findall(r"```sh\n(.*?)```", README, re.S) if "copydesk export" in b)
    export, delete = [shlex.split(line) for line in block.strip().splitlines()]
    corpus = demo_corpus_dir / "demo-corpus"
    work = tmp_path / "demo-corpus"
    shutil.copytree(corpus, work)  # the other examples keep the whole corpus
    r = subprocess.run([sys.executable, "-m", "copydesk.cli", *export[1:]], cwd=tmp_path, capture_output=True, text=True,
                       timeout=300)
    assert r.returncode == 0, r.stderr
    assert (tmp_path / export[-1]).read_text(encoding="utf-8").startswith('"id","url"')
    victim = next(Corpus(work).documents())["url"]
    delete[delete.index("--url") + 1] = victim
    r = subprocess.run([sys.executable, "-m", "copydesk.cli", *delete[1:]], cwd=tmp_path, capture_output=True, text=True,
                       timeout=300)
    assert r.returncode == 0, r.stderr
    assert victim not in {d["url"] for d in Corpus(work).documents()}
