"""A corpus in format 1 (JSON-lines parts), as copydesk wrote it before format 2, for the upgrade tests.

``V1Writer`` writes what the format-1 CorpusWriter wrote: one `part-<stamp>-<worker>-<seq>.jsonl` per
date, one JSON object per line (``Record.to_json``: the fields in order, times as ISO 8601 strings to
the second), the raw WARC part renamed into place first. ``python tests/v1corpus.py ARGS`` runs the
copydesk command line with that writer and a format-1 manifest.
"""
from __future__ import annotations

import sys

from storage.atomic import atomic_file, write_atomic
from storage.corpus import DOCUMENTS, RAW, CorpusWriter, PartInfo, _write_warc, part_stem


class V1Writer(CorpusWriter):
    def flush(self) -> list[PartInfo]:
        written = []
        for day, items in sorted(self._buffer.items()):
            self._seq += 1
            stem = part_stem(self.worker, self._seq)
            raws = [(r, raw) for r, raw in items if raw is not None]
            if raws:
                with atomic_file(self.root / RAW / f"date={day}" / f"{stem}.warc.gz") as f:
                    _write_warc(f, raws)
            data = "".join(r.to_json() + "\n" for r, _ in items).encode("utf-8")
            rel = f"{DOCUMENTS}/date={day}/{stem}.jsonl"
            write_atomic(self.root / rel, data)
            written.append(PartInfo(rel, len(items), len(data), tuple(r.id for r, _ in items)))
            del self._buffer[day]
        return written


def v1_main(argv: list[str]) -> int:
    import storage.corpus
    import storage.upgrade
    from copydesk import pipeline

    pipeline.CorpusWriter = V1Writer
    storage.corpus.FORMAT_VERSION = 1
    storage.upgrade.v1_parts = lambda root: []  # format-1 copydesk had no upgrade
    from copydesk.cli import main

    return main(argv)


if __name__ == "__main__":
    sys.exit(v1_main(sys.argv[1:]))
