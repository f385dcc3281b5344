"""The ClusterIndex seam: dedup's public API as copydesk's pipeline, recovery and verify use it.

``Deduper`` (clusters.py, files under one directory, one process) is the embedded implementation;
a shared backend (several daemons, one index) is a second class that satisfies this protocol, in a
module of its own. The contract below is what the pipeline relies on; an implementation that keeps
it needs no change elsewhere.

Atomicity, the part a shared backend has to get right:

* ``add`` is query-then-insert as ONE step. Its result must be the result of some serial order of
  all adds on the index: two near-copies added at the same time (two threads, two daemons) must
  never both become cluster heads (``duplicate_of is None``); one of them joins the other's cluster.
  The same holds for one id added twice: one assignment, recorded once.
* ``flush`` makes everything added so far durable *together with* the caller's ``note``, atomically:
  after a crash the index opens as of exactly one completed flush (never part of one), and ``note``
  reads back as that flush's note.
* A crash between flushes loses only adds made after the last flush. The caller's note says which
  of its records the index covers; recovery replays the rest from the corpus with ``restore``. So
  the index must never be durably *ahead* of a note in a way ``restore`` cannot reproduce: replaying
  a document already present is a no-op, and ``restore`` inserts the recorded assignment unchanged.

One instance is used from one thread (the pipeline's storage step); the embedded Deduper is not
thread-safe and gets the serial order above from that. Concurrency between instances (processes,
hosts) is the backend's to handle.
"""
from __future__ import annotations

from typing import Protocol, runtime_checkable

from .model import Assignment, Features


@runtime_checkable
class ClusterIndex(Protocol):
    """Assigns each stored document to a story cluster and remembers the assignment.

    Membership (``in``, ``len``, ``assignment``) covers the documents inside the window: a cluster
    leaves when none of its members was stored within ``window`` seconds of "now", the newest
    timestamp seen.
    """

    #: seconds a story stays after its last member was stored (None: forever); recovery replays
    #: only what is still inside it
    window: float | None

    @property
    def note(self) -> dict | None:
        """The note of the last completed flush (None if there never was one)."""

    def add(self, doc_id: str, text: str, *, timestamp: float | None = None, source: str | None = None,
            features: Features | None = None) -> Assignment:
        """Match ``text`` against the index and insert it, as one atomic step (module docstring).

        Returns its assignment: a new cluster headed by ``doc_id``, or the cluster of the stored
        document it matched. Idempotent: an id already present returns its recorded assignment and
        is not inserted again. ``timestamp``: when the caller stores it (moves "now" forward);
        ``source``: the outlet (template lines are learned per source); ``features``:
        ``Preparer().features(text)`` computed elsewhere, a hint an implementation may ignore, never
        a reason for another assignment."""

    def restore(self, assignment: Assignment, text: str, *, timestamp: float | None = None,
                source: str | None = None) -> None:
        """Insert a document whose assignment is known (recovery replaying the corpus after a crash),
        unchanged. A no-op for an id already present, or one stored before the window unless its
        cluster is still in the index."""

    def advance(self, timestamp: float) -> None:
        """Move "now" forward to ``timestamp`` (never back), evicting what leaves the window."""

    def assignment(self, doc_id: str) -> Assignment | None:
        """The recorded assignment of a document inside the window, else None."""

    def __contains__(self, doc_id: object) -> bool:
        """Whether a document is inside the window (added or restored, flushed or not)."""

    def __len__(self) -> int:
        """Documents inside the window."""

    def flush(self, note: dict | None = None) -> None:
        """Make every add and restore so far durable, together with ``note`` (a small JSON-able
        dict; None keeps the previous one), atomically."""

    def close(self, note: dict | None = None) -> None:
        """Flush, then release resources. A closed index still answers ``in``, ``len`` and
        ``assignment`` but takes no more adds."""
