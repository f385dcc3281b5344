"""A corpus in format 1 (JSON-lines parts), as copydesk wrote it before format 2, for the upgrade tests.

``V1Writer`` writes what the format-1 CorpusWriter wrote: one `part-<stamp>-<worker>-<seq>.jsonl` per
date, one JSON object per line (``Record.to_json``: the fields in order, times as ISO 8601 strings to
the second), the raw WARC part (unchanged in format 2) renamed into place first.
``python tests/v1corpus.py ARGS`` runs the copydesk command line with that writer and a format-1
manifest.
"""
from __future__ import annotations

import sys

from copydesk.storage.atomic import write_atomic
from copydesk.storage.corpus import CorpusWriter, PartInfo, Record


class V1Writer(CorpusWriter):
    def _write_documents(self, rel_stem: str, records: list[Record]) -> PartInfo:
        data = "".join(r.to_json() + "\n" for r in records).encode("utf-8")
        rel = f"{rel_stem}.jsonl"
        write_atomic(self.root / rel, data)
        return PartInfo(rel, len(records), len(data), tuple(r.id for r in records))


def v1_main(argv: list[str]) -> int:
    import copydesk.storage.corpus as corpus_mod
    import copydesk.storage.upgrade as upgrade_mod
    from copydesk import pipeline

    pipeline.CorpusWriter = V1Writer
    corpus_mod.FORMAT_VERSION = 1
    upgrade_mod.v1_parts = lambda root: []  # format-1 copydesk had no upgrade
    from copydesk.cli import main

    return main(argv)


if __name__ == "__main__":
    sys.exit(v1_main(sys.argv[1:]))
