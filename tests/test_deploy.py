"""deploy/: the example config is valid, the unit is hardened as documented, the container installs the lock."""
from pathlib import Path

from copydesk.config import load

DEPLOY = Path(__file__).resolve().parent.parent / "deploy"


def test_example_config_loads():
    cfg = load(DEPLOY / "copydesk.example.toml")
    assert len(cfg.sources) >= 5 and all(s.feeds for s in cfg.sources)
    assert cfg.crawl.obey_robots and "mailto:" in cfg.crawl.user_agent


def test_unit_hardening():
    unit = (DEPLOY / "copydesk.service").read_text()
    for line in ("User=copydesk", "ProtectSystem=strict", "ReadWritePaths=/var/lib/copydesk", "NoNewPrivileges=yes",
                 "KillSignal=SIGTERM", "CapabilityBoundingSet=", "PrivateTmp=yes"):
        assert line in unit
    assert "serve -c /etc/copydesk/copydesk.toml" in unit


def test_container_file():
    text = (DEPLOY / "Containerfile").read_text()
    assert "--no-deps -r requirements.lock" in text and "USER copydesk" in text and '"serve"' in text


# --- the runtime lock and the test lock (issue 13 item 11) ---------------------------------------------------

import importlib.metadata
import subprocess
import sys

from packaging.markers import default_environment
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

ROOT = DEPLOY.parent
TEST_ONLY = {"pytest", "pytest-timeout", "hypothesis", "duckdb", "pandas", "datasets", "huggingface-hub", "fsspec"}


def _lock(name: str) -> dict[str, str]:
    pins = {}
    for line in (ROOT / name).read_text().splitlines():
        line = line.split("#", 1)[0].strip()
        if line:
            pkg, version = line.split("==")
            pins[canonicalize_name(pkg)] = version
    return pins


def _missing_requirements(pins: dict[str, str]) -> set[str]:
    """Requirements (markers evaluated, no extras) of the pinned packages that the pins do not cover."""
    env = dict(default_environment(), extra="")
    missing = set()
    for pkg in pins:
        for spec in importlib.metadata.distribution(pkg).requires or []:
            req = Requirement(spec)
            if (req.marker is None or req.marker.evaluate(env)) and canonicalize_name(req.name) not in pins:
                missing.add(f"{pkg} -> {req.name}")
    return missing


def test_runtime_lock_is_closed_and_holds_no_test_package():
    runtime = _lock("requirements.lock")
    assert not TEST_ONLY & set(runtime), TEST_ONLY & set(runtime)
    assert {"scrapy", "trafilatura", "pyarrow", "numpy"} <= set(runtime)
    assert runtime["pyarrow"] == "26.0.1"
    assert _missing_requirements(runtime) == set()


def test_test_lock_adds_only_test_packages_and_is_closed():
    runtime, test = _lock("requirements.lock"), _lock("requirements-test.lock")
    assert not set(runtime) & set(test)
    assert {"pytest", "hypothesis", "duckdb", "pandas", "datasets"} <= set(test)
    assert _missing_requirements(runtime | test) == set()
    assert (ROOT / "requirements-test.lock").read_text().startswith("# Test-only packages go here")
    # the locks pin what the environment that ran these tests has installed
    for pkg, version in (runtime | test).items():
        assert importlib.metadata.version(pkg) == version, pkg


def test_pyproject_runtime_dependencies_are_in_the_runtime_lock():
    import tomllib
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    runtime = _lock("requirements.lock")
    for spec in project["dependencies"]:
        req = Requirement(spec)
        assert canonicalize_name(req.name) in runtime, spec
        assert not req.specifier or runtime[canonicalize_name(req.name)] in req.specifier, spec


def test_runtime_code_imports_no_test_package():
    """Every module of copydesk and its stages imports without touching a test-only package."""
    code = (
        "import importlib, pkgutil, sys\n"
        "for pkg in ['copydesk', 'crawler', 'cleaning', 'dedup', 'storage']:\n"
        "    m = importlib.import_module(pkg)\n"
        "    for info in pkgutil.walk_packages(m.__path__, pkg + '.'):\n"
        "        importlib.import_module(info.name)\n"
        "print(sorted({n.split('.')[0] for n in sys.modules}))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True).stdout
    loaded = set(eval(out))
    assert not {"pytest", "hypothesis", "duckdb", "pandas", "datasets", "huggingface_hub"} & loaded


def test_readme_first_line_installs_the_runtime_lock_second_adds_the_test_lock():
    block = (ROOT / "README.md").read_text().split("```sh\n", 1)[1].split("```", 1)[0].splitlines()
    assert "-r requirements.lock " in block[0] and "requirements-test.lock" not in block[0]
    assert block[0].endswith("copydesk demo")
    assert "-r requirements.lock -r requirements-test.lock" in block[1] and block[1].endswith("pytest -q")


# --- the unit and the image (issue 13 item 11) -----------------------------------------------------------------

import json as _json
import re
import shutil
import signal
import socket
import time

import pytest

from copydesk.config import CrawlSettings


def _unit_value(key: str) -> str:
    values = re.findall(rf"^{key}=(.*)$", (DEPLOY / "copydesk.service").read_text(), re.M)
    assert len(values) == 1, key
    return values[0].strip()


def test_unit_does_not_restart_on_a_config_error():
    assert _unit_value("Restart") == "on-failure"
    assert _unit_value("RestartPreventExitStatus") == "2"
    assert "[Service]" in (DEPLOY / "copydesk.service").read_text().split("RestartPreventExitStatus")[0]


def test_stop_timeouts_are_longer_than_the_graceful_stop():
    graceful = CrawlSettings().timeout  # in-flight requests finish, at most one request timeout
    unit = int(_unit_value("TimeoutStopSec"))
    assert unit >= graceful + 30
    readme = (DEPLOY / "README.md").read_text()
    docker = [int(n) for n in re.findall(r"--stop-timeout (\d+)", readme)]
    assert docker and all(n == unit for n in docker)
    assert "--init" in readme and "tini" in readme


@pytest.mark.skipif(shutil.which("systemd-analyze") is None, reason="systemd-analyze not installed")
def test_unit_passes_systemd_analyze(tmp_path):
    """Every key is one systemd knows, in the right section (ExecStart pointed at /bin/true: the venv is not here)."""
    unit = tmp_path / "copydesk.service"
    unit.write_text(re.sub(r"^ExecStart=\S+", "ExecStart=/bin/true", (DEPLOY / "copydesk.service").read_text(),
                           flags=re.M))
    r = subprocess.run(["systemd-analyze", "verify", str(unit)], capture_output=True, text=True, timeout=60)
    complaints = [line for line in (r.stdout + r.stderr).splitlines()
                  if "copydesk.service" in line and ("Unknown" in line or "ignoring" in line or "Invalid" in line)]
    assert complaints == []


def _container() -> str:
    return (DEPLOY / "Containerfile").read_text()


def test_container_has_init_healthcheck_and_stop_signal():
    text = _container()
    assert re.search(r"apt-get install .*\btini\b", text)
    entry = _json.loads(re.search(r"^ENTRYPOINT (\[.*\])$", text, re.M).group(1))
    assert entry[:2] == ["/usr/bin/tini", "--"] and entry[2] == "copydesk"
    assert re.search(r"^STOPSIGNAL SIGTERM$", text, re.M)
    cmd = _json.loads(re.search(r"^CMD (\[.*\])$", text, re.M).group(1))
    port = cmd[cmd.index("--metrics-port") + 1]
    assert f"127.0.0.1:{port}/healthz" in " ".join(_healthcheck())
    assert "requirements-test.lock" not in text


def _healthcheck() -> list[str]:
    text = _container().replace("\\\n", " ")
    return _json.loads(re.search(r"^HEALTHCHECK .*?CMD (\[.*\])$", text, re.M).group(1))


def test_container_healthcheck_command_against_a_real_daemon(tmp_path):
    """The image's HEALTHCHECK command, run here against `copydesk serve` on another port: healthy while the
    daemon serves, unhealthy once it has stopped."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    check = [sys.executable if a == "python" else a.replace("127.0.0.1:9477", f"127.0.0.1:{port}")
             for a in _healthcheck()]
    cfg = tmp_path / "copydesk.toml"
    cfg.write_text('corpus = "corpus"\n[[sources]]\nname = "a"\nfeeds = ["http://127.0.0.1:9/rss.xml"]\n'
                   '[schedule]\ninterval = "1h"\n')
    proc = subprocess.Popen([sys.executable, "-m", "copydesk.cli", "serve", "-c", str(cfg), "--metrics-port",
                             str(port)], stderr=subprocess.PIPE, text=True, cwd=ROOT)
    try:
        end = time.time() + 60
        while time.time() < end and subprocess.run(check, capture_output=True).returncode != 0:
            time.sleep(0.5)
        assert subprocess.run(check, capture_output=True).returncode == 0, "healthy while serving"
    finally:
        proc.send_signal(signal.SIGTERM)
        assert proc.wait(timeout=60) == 0
    assert subprocess.run(check, capture_output=True).returncode != 0, "unhealthy once stopped"
