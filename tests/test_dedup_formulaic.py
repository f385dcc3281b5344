"""Formulaic reports (one outlet's template filled with another event's figures, times and names)
are different stories; copies of one such report (other outlets, trimmed, updated) are one story."""
from __future__ import annotations

import numpy as np
import pytest

from copydesk.dedup import Deduper
from copydesk.storage import Corpus
from tests.fixtures.dedup import formulaic as F
from tests.run_cli import copydesk

KINDS = {
    "quake-reports": lambda: [F.quake(e) for e in F.QUAKES],
    "quake-bulletins": lambda: [F.quake_bulletin(e) for e in F.QUAKES],  # similarity 0.73-0.81 between events
    "market-closes": lambda: [F.market(e) for e in F.MARKETS],
}

OUTLETS = {
    "Lowmoor Post": (["Lowmoor Post · Home · Region · Business · Sport", "Tuesday edition"],
                     ["Lowmoor Post, 4 Quay Street. All rights reserved.", "Sign up for the Lowmoor Post morning email"]),
    "Ferrand Daily": (["FERRAND DAILY — breaking news from the coast"],
                      ["Have a story? Call the Ferrand Daily news desk", "Ferrand Daily is part of Coastline Media"]),
    "Vellum Aggregator": (["Vellum: the day's reports in one place", "Source: agencies"],
                          ["Read more reports on Vellum", "Vellum does not edit agency copy"]),
}


def add_reports(d: Deduper, reports: list[list[str]]) -> list:
    return [d.add(f"r{k}", "\n\n".join(paras), source="Survey Wire", timestamp=1.7e9 + 600 * k)
            for k, paras in enumerate(reports)]


@pytest.mark.parametrize("kind", sorted(KINDS))
def test_formulaic_reports_of_one_outlet_are_different_stories(kind):
    reports = KINDS[kind]()
    assert len(reports) >= 5
    d = Deduper(window_days=None)
    got = add_reports(d, reports)
    assert [a.cluster_id for a in got] == [f"r{k}" for k in range(len(reports))]
    assert all(a.duplicate_of is None for a in got)


@pytest.mark.parametrize("kind", sorted(KINDS))
def test_copies_of_one_report_in_three_outlets_share_its_cluster(kind):
    reports = KINDS[kind]()
    d = Deduper(window_days=None)
    add_reports(d, reports)
    original = reports[2]
    for n, (outlet, (top, bottom)) in enumerate(OUTLETS.items()):
        keep = 0.6 if n == 1 else 1.0  # the second outlet trims the report
        a = d.add(f"copy-{n}", F.reprint(original, outlet, top, bottom, keep), source=outlet,
                  timestamp=1.7e9 + 86400 + n)
        assert a.cluster_id == "r2", (outlet, a)
        assert a.duplicate_of is not None and a.similarity >= d.threshold


def test_copy_arriving_before_its_original_and_the_other_reports():
    # order reversed: a reprint in another outlet's template first, then the wire's own reports
    # (by then the wire's template sentences are learned and left out of its reports)
    d = Deduper(window_days=None)
    top, bottom = OUTLETS["Ferrand Daily"]
    first = d.add("copy", F.reprint(F.quake_bulletin(F.QUAKES[3]), "Ferrand Daily", top, bottom),
                  source="Ferrand Daily")
    assert first.duplicate_of is None
    got = add_reports(d, [F.quake_bulletin(e) for e in F.QUAKES])
    assert [a.cluster_id for a in got] == ["r0", "r1", "r2", "copy", "r4", "r5"]


def test_an_update_that_revises_one_figure_stays_with_its_report():
    """A documented choice: an update of a report (the magnitude revised, a sentence added) keeps most
    of its facts and stays in the report's story; a report of another event does not."""
    d = Deduper(window_days=None)
    add_reports(d, [F.quake(e) for e in F.QUAKES])
    revised = dict(F.QUAKES[0], mag="4.9")
    paras = F.quake(revised)
    paras.insert(2, "The survey revised the magnitude from 4.6 to 4.9 after analysing more readings.")
    a = d.add("update", "\n\n".join(paras), source="Survey Wire")
    assert a.cluster_id == "r0"


def test_the_fact_check_can_be_switched_off():
    d = Deduper(window_days=None, fact_agree=0)
    got = add_reports(d, [F.quake_bulletin(e) for e in F.QUAKES])
    assert {a.cluster_id for a in got} == {"r0"}  # what copydesk did before the check


def test_ingest_stores_formulaic_reports_as_five_stories(tmp_path):
    """End to end: five pages of one outlet's formulaic reports and two reprints of one of them through `copydesk
    ingest` (cleaning, dedup, storage); the corpus read back with pyarrow has five cluster ids."""
    import pyarrow.dataset as pads

    pages = tmp_path / "pages"
    pages.mkdir()
    for k, e in enumerate(F.QUAKES[:5]):
        (pages / f"report-{k}.html").write_text(F.html(F.quake_bulletin(e), "Survey Wire"), encoding="utf-8")
    corpus = tmp_path / "corpus"
    r = copydesk("ingest", "--corpus", corpus, "--source", "survey-wire", pages)
    assert r.returncode == 0, r.stderr
    reprints = tmp_path / "reprints"
    reprints.mkdir()
    for n, outlet in enumerate(("Lowmoor Post", "Ferrand Daily")):
        paras = F.quake_bulletin(F.QUAKES[1])
        if n:  # the second paper adds a line of its own
            paras.insert(4, "Our reporter in Port Averin said shops on the harbour front opened as usual.")
        (reprints / f"copy-{n}.html").write_text(F.html(paras, outlet), encoding="utf-8")
    r = copydesk("ingest", "--corpus", corpus, "--source", "reprints", reprints)
    assert r.returncode == 0, r.stderr

    table = pads.dataset(str(corpus / "documents"), format="parquet", partitioning="hive").to_table(
        columns=["id", "url", "cluster_id", "duplicate_of"]).to_pylist()
    assert len(table) == 7
    by_file = {row["url"].rsplit("/", 1)[-1]: row for row in table}
    assert len({by_file[f"report-{k}.html"]["cluster_id"] for k in range(5)}) == 5
    assert all(by_file[f"report-{k}.html"]["duplicate_of"] is None for k in range(5))
    assert len({row["cluster_id"] for row in table}) == 5
    assert by_file["copy-0.html"]["cluster_id"] == by_file["copy-1.html"]["cluster_id"] \
        == by_file["report-1.html"]["cluster_id"]
    assert len(list(Corpus(corpus).documents())) == 7


def test_after_a_restart_copies_still_find_their_report(tmp_path):
    # the template lines learned from the wire's reports come back with the index
    reports = [F.quake_bulletin(e) for e in F.QUAKES]
    with Deduper(tmp_path / "idx", window_days=None) as d:
        add_reports(d, reports)
    top, bottom = OUTLETS["Lowmoor Post"]
    with Deduper(tmp_path / "idx", window_days=None) as d:
        a = d.add("copy", F.reprint(reports[4], "Lowmoor Post", top, bottom, 0.8), source="Lowmoor Post")
        b = d.add("r6", "\n\n".join(F.quake_bulletin(dict(F.QUAKES[4], mag="2.8", town="Oldwater", km=3))),
                  source="Survey Wire")
    assert a.cluster_id == "r4"
    assert b.duplicate_of is None


def test_what_counts_as_a_fact():
    from copydesk.dedup.facts import _line_words

    words, flags = _line_words("Crews closed the A40 near Dunmore Vale at 3pm after a 4.6 tremor 12km away. "
                               "Officials said the c0mpany's medica1 supplies were safe")
    facts = {w for w, f in zip(words, flags) if f}
    # numbers with their units, road numbers, names inside a sentence; not a sentence's first word,
    # nor OCR noise (a digit inside a word; "t0" would count, as "F1" does)
    assert facts == {"a40", "dunmore", "vale", "3pm", "4", "6", "12km"}
    # a title-case headline's capitals are style, its figures still facts
    words, flags = _line_words("Magnitude 4.6 Earthquake Hits Near Dunmore Vale")
    assert {w for w, f in zip(words, flags) if f} == {"4", "6"}


def test_vectorised_fact_shingles_equal_the_word_by_word_reading():
    from copydesk.dedup.facts import fact_shingles
    from copydesk.dedup.shingles import Shingling
    from tests.fixtures.dedup import stories as S

    sh = Shingling("char", 4, False)
    texts = ["\n\n".join(F.quake(e)) for e in F.QUAKES] + ["\n\n".join(F.market(e)) for e in F.MARKETS]
    texts += [S.text(S.HARBOUR), S.ocr_noise(S.text(S.ORCHARD)), S.in_template(S.HARBOUR),
              "Prices rose 3% to £4.20 \u2014 \u201cA record\u201d, said Ms Okafor.\nB2B sales at AB12 and X_1 ab3c fell.",
              "Z\u00fcrich and S\u00e3o Paulo: 12 \u00b0C on Monday.\n\nStra\u00dfe 5 closed; \u0130stanbul next"]
    for text in texts:
        a, b = fact_shingles(text, sh), fact_shingles(text, sh, vectorised=False)
        assert a is not None and a.size and np.array_equal(a, b), text[:60]
