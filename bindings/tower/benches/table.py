#!/usr/bin/env python3
"""The corsgate-tower benchmark table, from criterion's results.

Reads the `tower/<scenario>` groups that `cargo bench -p corsgate-tower
--bench layer` leaves under target/criterion (or CRITERION_HOME) and the
allocation counts it saves beside them (tower-allocations.tsv), and prints
the Markdown table of BENCHMARKS.md: medians, both layers net of the no-CORS
baseline, their ratio, allocations per call.

Usage: python3 bindings/tower/benches/table.py [CRITERION_DIR]
Standard library only.
"""

import json
import os
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[3]


def criterion_dir(argv):
    if argv:
        return Path(argv[0])
    if os.environ.get("CRITERION_HOME"):
        return Path(os.environ["CRITERION_HOME"])
    return Path(os.environ.get("CARGO_TARGET_DIR", ROOT / "target")) / "criterion"


def medians(root):
    """{(scenario, function): median ns} for the tower/ groups."""
    out = {}
    for meta_path in root.glob("**/new/benchmark.json"):
        meta = json.loads(meta_path.read_text())
        group = meta["group_id"]
        if not group.startswith("tower/"):
            continue
        est = json.loads((meta_path.parent / "estimates.json").read_text())
        out[(group[len("tower/") :], meta["function_id"])] = est["median"][
            "point_estimate"
        ]
    return out


def allocations(root):
    """{scenario: (corsgate-tower, tower-http, baseline, no-extension)} per call."""
    path = root / "tower-allocations.tsv"
    if not path.exists():
        return {}
    rows = path.read_text().splitlines()[1:]
    return {r.split("\t")[0]: tuple(r.split("\t")[1:5]) for r in rows if r}


def main(argv):
    root = criterion_dir(argv)
    t = medians(root)
    if not t:
        sys.exit(f"table.py: no tower/ results under {root}")
    allocs = allocations(root)
    scenarios = sorted({s for s, _ in t}, key=lambda s: (s.startswith("origins"), s))
    print(
        "| scenario | baseline | corsgate-tower net | tower-http net | tower-http ÷ corsgate-tower "
        "| allocations corsgate-tower / tower-http | without the extension: net, allocations |"
    )
    print("|---|---:|---:|---:|---:|---:|---:|")
    for s in scenarios:
        base = t.get((s, "baseline"))
        ours = t.get((s, "corsgate-tower"))
        theirs = t.get((s, "tower-http"))
        if None in (base, ours, theirs):
            continue
        net_ours, net_theirs = ours - base, theirs - base
        ratio = f"{net_theirs / net_ours:.1f}×" if net_ours > 0 else "–"
        a = allocs.get(s, ("?", "?", "?", "?"))
        bare = t.get((s, "corsgate-tower/no-extension"))
        bare_net = f"{bare - base:.0f} ns" if bare is not None else "–"
        print(
            f"| `{s}` | {base:.0f} ns | {net_ours:.0f} ns | {net_theirs:.0f} ns | {ratio} "
            f"| {a[0]} / {a[1]} | {bare_net}, {a[3]} |"
        )


if __name__ == "__main__":
    main(sys.argv[1:])
