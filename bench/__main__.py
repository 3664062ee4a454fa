"""`python -m bench [--quick] [--only a,b] [--real-app module:factory]`; `python -m bench --scale`.

`make bench` writes `bench/results/latest.json` (+ `.md`), the committed reference run;
`make bench-quick` writes `bench/.data/latest-quick.*` (not versioned) so a smoke run never
overwrites it. `make bench-scale` (`--scale`) measures first pages at 1,000,000 entries and
stores them as the `scale` section of `latest.json` (+ `latest-scale.md`).
"""

from __future__ import annotations

import argparse
import json
import sys

from bench.config import DATA_DIR, RESULTS_DIR, BenchConfig
from bench.report import write, write_scale
from bench.runner import SCENARIOS, run
from bench.scale import DATABASES, run_scale
from bench.servers import REAL_APP


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__)
    parser.add_argument("--quick", action="store_true", help="10,000 entries, 3 s x 2 rounds")
    parser.add_argument(
        "--only",
        default=",".join(SCENARIOS),
        help=f"comma-separated subset of: {', '.join(SCENARIOS)}",
    )
    parser.add_argument(
        "--real-app",
        default=REAL_APP,
        help="uvicorn factory of the server under test (to dry-run the bench on a twin)",
    )
    parser.add_argument(
        "--scale", action="store_true", help="first pages at 1,000,000 entries (bench-scale)"
    )
    parser.add_argument(
        "--databases",
        default="sqlite,postgresql",
        help="with --scale: comma-separated subset of sqlite, postgresql",
    )
    args = parser.parse_args(argv)
    if args.scale:
        databases = frozenset(name.strip() for name in args.databases.split(",") if name.strip())
        if not databases or databases - DATABASES:
            parser.error(f"--databases: a subset of {', '.join(sorted(DATABASES))}")
        path = RESULTS_DIR / "latest.json"
        previous = json.loads(path.read_text()).get("scale") if path.exists() else None
        print(write_scale(run_scale(databases, previous), path))
        print(
            f"written: scale section of {path.relative_to(RESULTS_DIR.parent.parent)}",
            file=sys.stderr,
        )
        return 0
    only = {name.strip() for name in args.only.split(",") if name.strip()}
    unknown = only - set(SCENARIOS)
    if unknown:
        parser.error(f"unknown scenarios: {', '.join(sorted(unknown))}")
    cfg = BenchConfig.make(quick=args.quick)
    doc = run(cfg, only=only, real_app=args.real_app)
    if args.real_app != REAL_APP:
        doc["meta"]["real_app"] = args.real_app
    path = DATA_DIR / "latest-quick.json" if cfg.quick else RESULTS_DIR / "latest.json"
    if only != set(SCENARIOS) or args.real_app != REAL_APP:
        path = DATA_DIR / "partial.json"  # partial or dry runs never replace a reference result
    print(write(doc, path))
    print(f"written: {path.relative_to(RESULTS_DIR.parent.parent)}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
