"""copydesk's dedup stage: groups syndicated copies of a news story (MinHash LSH, datasketch).

    from copydesk.dedup import Deduper
    with Deduper("corpus/_state/dedup") as d:
        a = d.add("id-1", text, timestamp=1136073600.0, source="example-wire")
        a.cluster_id, a.duplicate_of, a.similarity

See docs/dedup.md for the method, the threshold, the representative rule, the window and the files,
and docs/dedup-seam.md for the ClusterIndex contract the Deduper implements.
"""
from .api import ClusterIndex
from .clusters import Deduper
from .model import Assignment, Features, Sketch
from .persist import IndexMismatch
from .preparer import Preparer

__all__ = ["Assignment", "ClusterIndex", "Deduper", "Features", "IndexMismatch", "Preparer", "Sketch"]
