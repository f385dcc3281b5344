"""The storage seams: today's embedded implementation satisfies each Protocol, method by method."""
from __future__ import annotations

import inspect

from copydesk.storage.seen import Decision, SeenStore, StoredDoc
from copydesk.storage.state import StateStore


def _protocol_methods(proto: type) -> list[str]:
    return sorted(n for n, v in vars(proto).items() if inspect.isfunction(v) and not n.startswith("_"))


def test_state_store_is_a_seen_store(tmp_path):
    state = StateStore(tmp_path / "_state" / "state.sqlite3")
    try:
        assert isinstance(state, SeenStore)
        for name in _protocol_methods(SeenStore):  # the same parameters, by name and kind
            want = inspect.signature(getattr(SeenStore, name))
            got = inspect.signature(getattr(StateStore, name))
            assert [(p.name, p.kind) for p in got.parameters.values()] == \
                   [(p.name, p.kind) for p in want.parameters.values()], name
    finally:
        state.close()


def test_seen_store_methods_on_a_real_state(tmp_path):
    seen: SeenStore = StateStore(tmp_path / "_state" / "state.sqlite3")
    called = set()

    def use(name: str):  # noqa: ANN202
        called.add(name)
        return getattr(seen, name)

    run = use("start_run")("wire", "crawl")
    assert isinstance(run, int)
    assert use("decision")("k-stored") is None and not use("has_doc")("doc-1")
    doc = StoredDoc("doc-1", "https://wire.example/a", "wire", "wire.example", "doc-1", None, "documents/p.parquet")
    use("commit_checkpoint")(
        parts=[("documents/p.parquet", 1, 100)], docs=[(doc, ["k-stored"])],
        skipped=[("k-skip", "https://wire.example/s", "filter_language", "wire", "fp1"),
                 ("k-stored", "https://wire.example/a", "not_html", "wire")],
        failed=[("k-fail", "https://wire.example/f", "http_500", "wire")],
        errors=[(run, "wire", "https://wire.example/f", "failed", "http_500", None)],
        validators=[("https://wire.example/feed", '"e1"', None, "fp-discovery", 1234.5)], templates=[])
    assert seen.decision("k-stored") == Decision("stored", None, "doc-1", 0, None, "wire")  # a stored decision is final
    assert seen.decision("k-skip") == Decision("skipped", "filter_language", None, 0, "fp1", "wire")
    assert seen.decision("k-fail") == Decision("failed", "http_500", None, 1, None, "wire")
    assert seen.has_doc("doc-1")
    assert use("retry_urls")("wire", 3) == ["https://wire.example/f"] and seen.retry_urls("wire", 1) == []
    seen.commit_checkpoint(failed=[("k-fail", "https://wire.example/f", "http_500", "wire")])
    assert seen.decision("k-fail").attempts == 2
    assert not use("is_deleted")("k-stored", "doc-1")
    assert use("validators")("https://wire.example/feed", "fp-discovery") == ('"e1"', None, 1234.5)
    assert seen.validators("https://wire.example/feed", "another-config") == (None, None, None)
    assert seen.validators("https://wire.example/other") == (None, None, None)
    assert use("last_completed")("wire") is None
    use("finish_run")(run, "completed", {"pages": 1})
    assert seen.last_completed("wire") is not None
    dangling = seen.start_run("wire", "crawl")
    assert use("close_dangling_runs")() == 1 and seen.close_dangling_runs() == 0
    assert dangling != run
    use("close")()
    assert called == set(_protocol_methods(SeenStore)), "every method of the Protocol is exercised"
