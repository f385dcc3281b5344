"""The cluster-wide ``SeenStore`` (storage/seen.py) in Redis: URL decisions, fetch validators, runs.

Every worker asks it whether an article URL is known (``decision``) and which validators to send
for a feed; the writer records each checkpoint in it (``commit_checkpoint``, one Lua script: a
reader sees all of a checkpoint's decisions or none, and the rules of storage/seen.py — a stored
decision is final, a failure counts its attempts — are applied inside the server).

Memory (docs/scale-out-core.md): a URL decision is one field of a hash bucket, not a key of its
own. The URL key's 128-bit xxh3 hash gives the bucket (its first ``BUCKET_BYTES`` bytes: 65,536
buckets) and the field (its next 8 bytes: 80 bits in all); the value is a short string
(``s|<doc id>``, ``k|reason|source|config_fp``, ``f|attempts|reason|source``, ``d|reason|doc id``).
Buckets of up to 128 small fields stay in Redis' compact listpack encoding. Measured at 1M URLs: see
the doc's table (one key per URL costs several times more).

Keys (prefix P): P+"u:<bucket>" decisions, P+"d:<bucket>" stored document ids, P+"retry:<source>"
(ZSET url -> when it last failed), P+"deleted:docs", P+"validators", P+"parts", P+"templates",
P+"errors" (the last ``ERRORS_KEPT``), P+"runs:next", P+"run:<id>", P+"runs:running",
P+"runs:last", P+"runs:last_completed", P+"url_keys" (the URL key version of the decisions: migrate.rekey).
"""
from __future__ import annotations

import json
import time
from collections.abc import Iterable
from typing import Any

import xxhash

from copydesk.storage.seen import (NO_VALIDATORS, Decision, ErrorRow, FailedRow, SkippedRow, StoredDoc,
                                   ValidatorRow, Validators)
from copydesk.storage.urls import url_key

from .connection import Connection

BUCKET_BYTES = 2
ERRORS_KEPT = 10_000

# ARGV: now, errors_key, errors_kept, then rows of 6: op, key, field, value, zkey, member.
# S stored, K skipped, F failed, H plain HSET (docs, parts, validators, templates), E error (RPUSH).
_COMMIT = """
local now, ekey, ekept = ARGV[1], ARGV[2], tonumber(ARGV[3])
for i = 4, #ARGV, 6 do
  local op, key, field, value, zkey, member = ARGV[i], ARGV[i+1], ARGV[i+2], ARGV[i+3], ARGV[i+4], ARGV[i+5]
  if op == 'S' or op == 'H' then
    redis.call('HSET', key, field, value)
  elseif op == 'K' then
    local cur = redis.call('HGET', key, field)
    if not cur or string.sub(cur, 1, 1) ~= 's' then redis.call('HSET', key, field, value) end
  elseif op == 'F' then
    local cur = redis.call('HGET', key, field)
    local attempts = nil
    if not cur then attempts = 1
    else
      local st = string.sub(cur, 1, 1)
      if st == 'f' then attempts = tonumber(string.match(cur, '^f|(%d+)|')) + 1
      elseif st == 'k' then
        -- a skip caused by configuration (it has a fingerprint) was decided anew: counts from 1
        local fp = string.match(cur, '|([^|]*)$')
        if fp and fp ~= '' then attempts = 1 end
      end
    end
    if attempts then
      redis.call('HSET', key, field, 'f|' .. attempts .. '|' .. value)
      redis.call('ZADD', zkey, now, member)
    end
  elseif op == 'E' then
    redis.call('RPUSH', ekey, value)
  end
end
if ekept > 0 then redis.call('LTRIM', ekey, -ekept, -1) end
return 1
"""


def url_slot(prefix: str, key: str) -> tuple[bytes, bytes]:
    """(hash key, field) of the decision about the URL with this url_key."""
    h = xxhash.xxh3_128_digest(key.encode("utf-8", "surrogatepass"))
    return prefix.encode() + b"u:" + h[:BUCKET_BYTES], h[BUCKET_BYTES:BUCKET_BYTES + 8]


def doc_slot(prefix: str, doc_id: str) -> tuple[bytes, bytes]:
    # hashed like URL keys: ids given by a caller need not spread over the buckets by themselves
    h = xxhash.xxh3_128_digest(doc_id.encode("utf-8", "surrogatepass"))
    return prefix.encode() + b"d:" + h[:BUCKET_BYTES], h[BUCKET_BYTES:BUCKET_BYTES + 8]


def _decision(v: bytes | None) -> Decision | None:
    if v is None:
        return None
    f = v.decode().split("|")
    st = f[0]
    if st == "s":
        return Decision("stored", None, f[1] or None, 0)
    if st == "k":
        return Decision("skipped", f[1], None, 0, f[3] or None, f[2] or None)
    if st == "f":
        return Decision("failed", f[2], None, int(f[1]), None, f[3] or None)
    return Decision("deleted", f[1] or None, f[2] or None, 0)


def status_view(client: Any, prefix: str) -> dict[str, Any]:
    """What `copydesk status` merges into the writer's corpus state (one pipelined read of a plain
    client; a RedisError is the caller's): each source's last run (discovery's, ``finish_run``), its
    last completed run (the cluster's schedule) and the error rows of ``commit_checkpoint`` (oldest
    first; a row of the fetch crawl has run 0: it belongs to no run of a source)."""
    p = client.pipeline(transaction=False)
    p.hgetall(prefix + "runs:last")
    p.hgetall(prefix + "runs:last_completed")
    p.lrange(prefix + "errors", 0, -1)
    last, completed, errors = p.execute()
    return {"last": {k.decode(): json.loads(v) for k, v in last.items()},
            "completed": {k.decode(): float(v) for k, v in completed.items()},
            "errors": [json.loads(e) for e in errors]}


class RedisSeenStore:
    """Implements storage.seen.SeenStore. ``worker``: this daemon's id (owner of the runs it
    starts); ``alive(worker) -> bool`` tells ``close_dangling_runs`` whose runs to leave alone
    (registry.Registry.alive; without it, only this worker's own runs are closed)."""

    def __init__(self, conn: Connection, prefix: str, worker: str = "", *, alive: Any = None):
        self.conn, self.prefix, self.worker = conn, prefix, worker
        self.alive = alive
        self._commit = conn.client.register_script(_COMMIT)

    def _k(self, name: str) -> str:
        return self.prefix + name

    # -- URL decisions -------------------------------------------------------------------------
    def decision(self, key: str) -> Decision | None:
        h, f = url_slot(self.prefix, key)
        return _decision(self.conn.call(lambda c: c.hget(h, f)))

    def decisions(self, keys: list[str]) -> list[Decision | None]:
        """``decision`` of many keys in one round trip (a feed's article URLs)."""
        slots = [url_slot(self.prefix, k) for k in keys]

        def get(c: Any) -> list[Any]:
            p = c.pipeline(transaction=False)
            for h, f in slots:
                p.hget(h, f)
            return p.execute()
        return [_decision(v) for v in self.conn.call(get)] if slots else []

    def has_doc(self, doc_id: str) -> bool:
        h, f = doc_slot(self.prefix, doc_id)
        return bool(self.conn.call(lambda c: c.hexists(h, f)))

    def is_deleted(self, key: str, doc_id: str | None = None) -> bool:
        d = self.decision(key)
        if d is not None and d.status == "deleted":
            return True
        return bool(doc_id) and bool(self.conn.call(lambda c: c.sismember(self._k("deleted:docs"), doc_id)))

    def retry_urls(self, source: str, max_attempts: int) -> list[str]:
        zkey = self._k(f"retry:{source}")
        urls = [u.decode() for u in self.conn.call(lambda c: c.zrange(zkey, 0, -1))]
        keep, drop = [], []
        for u, d in zip(urls, self.decisions([url_key(u) for u in urls])):
            if d is not None and d.status == "failed" and d.attempts < max_attempts:
                keep.append(u)
            else:
                drop.append(u)  # decided since (stored, skipped) or failed for good
        if drop:
            self.conn.call(lambda c: c.zrem(zkey, *drop))
        return keep

    def record_deleted(self, doc_id: str, urls: Iterable[tuple[str, str]], reason: str | None) -> None:
        """A takedown (storage/delete.py; also `copydesk cluster migrate` for the tombstones)."""
        rows = [("H", *url_slot(self.prefix, k), f"d|{reason or 'deleted'}|{doc_id}") for k, _ in urls]

        def write(c: Any) -> None:
            p = c.pipeline(transaction=True)
            for _, h, f, v in rows:
                p.hset(h, f, v)
            p.sadd(self._k("deleted:docs"), doc_id)
            p.execute()
        self.conn.call(write)

    def commit_checkpoint(
        self,
        *,
        parts: Iterable[tuple[str, int, int]] = (),
        docs: Iterable[tuple[StoredDoc, Iterable[str]]] = (),
        skipped: Iterable[SkippedRow] = (),
        failed: Iterable[FailedRow] = (),
        errors: Iterable[ErrorRow] = (),
        validators: Iterable[ValidatorRow] = (),
        templates: Iterable[tuple[str, bytes]] = (),
    ) -> None:
        now = time.time()
        args: list[Any] = [now, self._k("errors"), ERRORS_KEPT]

        def row(op: str, key: Any, field: Any = b"", value: Any = b"", zkey: Any = b"", member: Any = b"") -> None:
            args.extend((op, key, field, value, zkey, member))

        for name, records, size in parts:
            row("H", self._k("parts"), name, f"{records} {size}")
        for d, keys in docs:
            row("H", *doc_slot(self.prefix, d.id), d.cluster_id)
            for k in keys:
                row("S", *url_slot(self.prefix, k), f"s|{d.id}")
        for k, _u, reason, source, *fp in skipped:
            row("K", *url_slot(self.prefix, k), f"k|{reason}|{source or ''}|{(fp[0] if fp else None) or ''}")
        for k, u, reason, source in failed:
            row("F", *url_slot(self.prefix, k), f"{reason}|{source or ''}", self._k(f"retry:{source or ''}"), u)
        for run, source, url, outcome, reason, detail in errors:
            row("E", b"", value=json.dumps({"run": run, "at": now, "source": source, "url": url, "outcome": outcome,
                                       "reason": reason, "detail": detail}))
        for u, etag, lm, *rest in validators:
            row("H", self._k("validators"), u,
                json.dumps([etag, lm, rest[0] if rest else None, rest[1] if len(rest) > 1 else now]))
        for site, data in templates:
            row("H", self._k("templates"), site, data)
        if len(args) > 3:
            self.conn.call(lambda c: self._commit(args=args, client=c))

    # -- fetch validators ----------------------------------------------------------------------
    def validators(self, url: str, config_fp: str | None = None) -> Validators:
        v = self.conn.call(lambda c: c.hget(self._k("validators"), url))
        if v is None:
            return NO_VALIDATORS
        etag, lm, fp, checked_at = json.loads(v)
        if config_fp is not None and fp != config_fp:
            return NO_VALIDATORS
        return etag, lm, checked_at

    # -- runs ----------------------------------------------------------------------------------
    def start_run(self, source: str, kind: str) -> int:
        run = int(self.conn.call(lambda c: c.incr(self._k("runs:next"))))
        fields = {"source": source, "kind": kind, "started_at": time.time(), "status": "running",
                  "counts": "{}", "owner": self.worker}

        def write(c: Any) -> None:
            p = c.pipeline(transaction=True)
            p.hset(self._k(f"run:{run}"), mapping=fields)
            p.sadd(self._k("runs:running"), run)
            p.execute()
        self.conn.call(write)
        return run

    _LAST_COMPLETED = ("local cur = redis.call('HGET', KEYS[1], ARGV[1]) "
                       "if not cur or tonumber(cur) < tonumber(ARGV[2]) then redis.call('HSET', KEYS[1], ARGV[1], ARGV[2]) end")

    def finish_run(self, run_id: int, status: str, counts: dict[str, Any]) -> None:
        key = self._k(f"run:{run_id}")
        row = {k.decode(): v.decode() for k, v in self.conn.call(lambda c: c.hgetall(key)).items()}
        if not row:
            return
        now = time.time()
        counts_json = json.dumps(counts, sort_keys=True)
        last = json.dumps({"kind": row["kind"], "started_at": float(row["started_at"]), "finished_at": now,
                           "status": status, "counts": counts})

        def write(c: Any) -> None:
            p = c.pipeline(transaction=True)
            p.hset(key, mapping={"finished_at": now, "status": status, "counts": counts_json})
            p.srem(self._k("runs:running"), run_id)
            p.hset(self._k("runs:last"), row["source"], last)
            if status in ("completed", "degraded"):
                p.eval(self._LAST_COMPLETED, 1, self._k("runs:last_completed"), row["source"], row["started_at"])
            p.execute()
        self.conn.call(write)

    def import_run(self, source: str, run: dict[str, Any], last_completed: float | None) -> bool:
        """A finished run from an embedded corpus (``run`` as StateStore.last_runs gives it; `copydesk
        cluster migrate`): the source's last run unless Redis knows a later one; ``last_completed``
        only moves forward. False when nothing changed (migration is idempotent)."""
        cur = self.last_run(source)
        changed = False
        last = json.dumps({k: run[k] for k in ("kind", "started_at", "finished_at", "status", "counts")})
        if cur is None or cur["started_at"] < run["started_at"]:
            self.conn.call(lambda c: c.hset(self._k("runs:last"), source, last))
            changed = True
        if last_completed is not None and (self.last_completed(source) or 0) < last_completed:
            self.conn.call(lambda c: c.eval(self._LAST_COMPLETED, 1, self._k("runs:last_completed"), source,
                                            repr(last_completed)))
            changed = True
        return changed

    def last_run(self, source: str) -> dict[str, Any] | None:
        v = self.conn.call(lambda c: c.hget(self._k("runs:last"), source))
        return None if v is None else json.loads(v)

    def last_completed(self, source: str) -> float | None:
        v = self.conn.call(lambda c: c.hget(self._k("runs:last_completed"), source))
        return None if v is None else float(v)

    def last_runs(self) -> dict[str, dict[str, Any]]:
        """The last finished run of each source (for `copydesk status`)."""
        rows = self.conn.call(lambda c: c.hgetall(self._k("runs:last")))
        return {k.decode(): json.loads(v) for k, v in rows.items()}

    def close_dangling_runs(self) -> int:
        """Runs left `running` by a worker that is gone: this worker's own (an earlier start with
        the same id), and those of workers ``alive`` says are not."""
        closed = 0
        for raw in self.conn.call(lambda c: c.smembers(self._k("runs:running"))):
            run = int(raw)
            owner = self.conn.call(lambda c: c.hget(self._k(f"run:{run}"), "owner"))
            owner_id = owner.decode() if owner else ""
            gone = owner_id == self.worker or (self.alive is not None and not self.alive(owner_id))
            if gone:
                key = self._k(f"run:{run}")

                def close(c: Any) -> None:
                    p = c.pipeline(transaction=True)
                    p.hset(key, "status", "interrupted")
                    p.srem(self._k("runs:running"), run)
                    p.execute()
                self.conn.call(close)
                closed += 1
        return closed

    def close(self) -> None:
        pass
