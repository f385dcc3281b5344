"""The state's part registry kept in line with the part files when a rewrite of parts (upgrade,
compaction) stopped between the files and the state transaction that records it.

A rewrite renames or replaces part files first and records that in the state second; after a
crash in between, registered parts are missing from disk and their documents sit in parts the
state does not know. ``reconcile`` moves those documents' registry rows to the parts that hold
them now. (Parts holding documents the state does not know at all are recovery's business:
copydesk/recovery.py registers them.)
"""
from __future__ import annotations

from pathlib import Path

from copydesk.storage.corpus import Corpus, part_batches
from copydesk.storage.state import StateStore


def on_disk(root: Path) -> dict[str, Path]:
    """Relative name -> path of every documents part."""
    return {p.relative_to(root).as_posix(): p for p in Corpus(root).part_files()}


def reconcile(root: Path, state: StateStore) -> int:
    """Returns how many registered parts were found gone and their documents moved."""
    disk = on_disk(root)
    registered = state.parts()
    gone = [n for n in registered if n not in disk]
    if not gone:
        return 0
    where: dict[str, str] = {}
    new: list[tuple[str, int, int]] = []
    for rel in sorted(set(disk) - set(registered)):
        n = 0
        for b in part_batches(disk[rel], ["id"]):
            for i in b.column("id").to_pylist():
                where[i] = rel
            n += b.num_rows
        new.append((rel, n, disk[rel].stat().st_size))
    with state._tx():
        for name in gone:
            rows = state.db.execute("SELECT id FROM docs WHERE part=?", (name,)).fetchall()
            state.db.executemany("UPDATE docs SET part=? WHERE id=?", [(where[i], i) for (i,) in rows if i in where])
            state.db.execute("DELETE FROM parts WHERE name=?", (name,))
        used = {rel for rel in where.values()}
        state.db.executemany("INSERT OR REPLACE INTO parts(name, records, bytes, registered_at) VALUES (?,?,?,strftime('%s','now'))",
                             [t for t in new if t[0] in used])
    return len(gone)
