"""``python -m copydesk.demo``: serve the demo world on loopback until Ctrl-C."""

from __future__ import annotations

import argparse
import json
import sys
import time

from .world import OUTLETS, DemoWorld


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m copydesk.demo",
                                 description="Serve the copydesk demo news sites on loopback until Ctrl-C.")
    ap.add_argument("--host", default=None,
                    help="serve every outlet on this address (default: one loopback address per outlet, 127.0.0.2-6)")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--publish-all", action="store_true", help="publish the held-back batches too")
    ap.add_argument("--config", metavar="FILE", help="write a copydesk config for the served world to FILE")
    ap.add_argument("--corpus", default="demo-corpus", help="corpus directory named in --config (default: demo-corpus)")
    ap.add_argument("--truth", metavar="FILE", help="write the ground truth as JSON to FILE ('-' for stdout)")
    ap.add_argument("--write-static", metavar="DIR", help="write the article pages as HTML files to DIR and exit")
    args = ap.parse_args(argv)

    world = DemoWorld(seed=args.seed)
    if args.publish_all:
        while world.publish_more():
            pass
    if args.write_static:
        files = world.write_static(args.write_static)
        print(f"wrote {len(files)} article pages to {args.write_static}")
        return 0

    world.start(args.host)
    try:
        print("copydesk demo world is serving:")
        for outlet, base in world.urls.items():
            disc = OUTLETS[outlet]["discovery"]
            entry = (disc.get("feeds") or disc.get("sitemaps") or disc.get("start_urls"))[0]
            print(f"  {outlet:8} {OUTLETS[outlet]['name']:24} {base}{entry}")
        pages = world.pages()
        blocked = sum(p.disallowed for p in pages)
        print(f"{len(pages)} article pages published ({blocked} disallowed by robots.txt), "
              f"batch {world.batch} of {world.max_batch}.")
        if args.config:
            with open(args.config, "w", encoding="utf-8") as fh:
                fh.write(world.config_toml(args.corpus))
            print(f"config written to {args.config}")
        if args.truth:
            data = json.dumps(world.ground_truth(), indent=2, ensure_ascii=False)
            if args.truth == "-":
                print(data)
            else:
                with open(args.truth, "w", encoding="utf-8") as fh:
                    fh.write(data)
                print(f"ground truth written to {args.truth}")
        print("Press Ctrl-C to stop.")
        sys.stdout.flush()
        while True:
            time.sleep(3600)
    except KeyboardInterrupt:
        print("\nstopping")
    finally:
        world.stop()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
