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
