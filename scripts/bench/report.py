#!/usr/bin/env python3
"""Turn criterion results into the BENCHMARKS.md table and an SVG chart.

Reads every `*/new/benchmark.json` + `estimates.json` under each run
directory given (criterion's output, one directory per full run), takes each
benchmark's median point estimate per run and the median of those across
runs, then

* rewrites the block between `<!-- results:begin -->` and
  `<!-- results:end -->` in BENCHMARKS.md with the table of medians, ratios
  and target checks;
* writes benches/chart.svg, a bar chart with a log time axis.

Usage: scripts/bench/report.py [RUN_DIR ...]
Default: every directory in target/bench-runs/, else target/criterion.
Standard library only.
"""

import json
import os
import statistics
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
MARK_BEGIN = "<!-- results:begin -->"
MARK_END = "<!-- results:end -->"


def load_run(run_dir):
    """{(group, function): (median ns, throughput bytes or None)} for one run."""
    out = {}
    for meta_path in Path(run_dir).glob("**/new/benchmark.json"):
        meta = json.loads(meta_path.read_text())
        est = json.loads((meta_path.parent / "estimates.json").read_text())
        tp = meta.get("throughput") or {}
        out[(meta["group_id"], meta["function_id"])] = (
            est["median"]["point_estimate"],
            tp.get("Bytes"),
        )
    return out


def combine(runs):
    """Median across runs of each benchmark's median, plus the per-run spread."""
    keys = set().union(*runs)
    table = {}
    for k in keys:
        vals = [r[k][0] for r in runs if k in r]
        nbytes = next((r[k][1] for r in runs if k in r), None)
        table[k] = {
            "ns": statistics.median(vals),
            "min": min(vals),
            "max": max(vals),
            "bytes": nbytes,
        }
    return table


def fmt_ns(ns):
    if ns is None:
        return "–"
    if ns >= 1e6:
        return f"{ns / 1e6:.2f} ms"
    if ns >= 1e3:
        return f"{ns / 1e3:.2f} µs"
    return f"{ns:.1f} ns"


def gib_s(nbytes, ns):
    return nbytes / ns * 1e9 / 2**30


def scenario_order(table):
    seen = []
    for g, _ in sorted(table, key=lambda k: k[0]):
        if g not in seen:
            seen.append(g)
    first = [
        "preflight/chrome",
        "actual/firefox-cookies",
        "actual/denied",
        "no-origin",
        "origins/1",
    ]
    return [g for g in first if g in seen] + [g for g in seen if g not in first]


def get(table, group, fn):
    v = table.get((group, fn))
    return v["ns"] if v else None


def markdown(table, nruns):
    lines = [
        f"Medians of criterion's median point estimates over {nruns} full run(s); "
        "min–max across runs in the chart's source data. `net` = tower-http layer minus "
        "its own no-CORS baseline on the same request.",
        "",
        "| scenario | corsgate head | head GiB/s | corsgate list | tower-http layer | tower baseline "
        "| tower net | httparse Origin | net tower ÷ corsgate list | httparse ÷ corsgate head |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for g in scenario_order(table):
        head = get(table, g, "corsgate/head")
        lst = get(table, g, "corsgate/list")
        layer = get(table, g, "tower-http/layer")
        base = get(table, g, "tower-http/baseline")
        hp = get(table, g, "httparse/origin")
        nbytes = (table.get((g, "corsgate/head")) or {}).get("bytes")
        net = layer - base if layer is not None and base is not None else None
        thr = f"{gib_s(nbytes, head):.2f}" if head and nbytes else "–"
        r_tower = f"{net / lst:.1f}×" if net and lst else "–"
        r_hp = f"{hp / head:.2f}×" if hp and head else "–"
        lines.append(
            f"| `{g}` | {fmt_ns(head)} | {thr} | {fmt_ns(lst)} | {fmt_ns(layer)} | {fmt_ns(base)} "
            f"| {fmt_ns(net)} | {fmt_ns(hp)} | {r_tower} | {r_hp} |"
        )
    return "\n".join(lines)


def targets(table):
    """The issue's targets, checked against the medians."""
    t = lambda g, f: get(table, g, f)  # noqa: E731
    rows = []

    def row(name, value, limit, ok):
        rows.append(f"| {name} | {value} | {limit} | {'met' if ok else '**missed**'} |")

    def check_ns(name, g, f, limit):
        v = t(g, f)
        if v is not None:
            row(name, fmt_ns(v), f"≤ {fmt_ns(limit)}", v <= limit)

    check_ns("`preflight/chrome` raw head", "preflight/chrome", "corsgate/head", 100)
    check_ns(
        "`preflight/chrome` raw head (stretch)", "preflight/chrome", "corsgate/head", 75
    )
    check_ns("`preflight/chrome` header list", "preflight/chrome", "corsgate/list", 50)
    check_ns("`no-origin` raw head", "no-origin", "corsgate/head", 60)
    check_ns(
        "`actual/firefox-cookies` raw head",
        "actual/firefox-cookies",
        "corsgate/head",
        100,
    )
    for g in [
        "preflight/chrome",
        "actual/firefox-cookies",
        "actual/denied",
        "no-origin",
    ]:
        lst, layer, base = (
            t(g, "corsgate/list"),
            t(g, "tower-http/layer"),
            t(g, "tower-http/baseline"),
        )
        if None not in (lst, layer, base):
            net = layer - base
            row(
                f"`{g}` list ≤ tower-http net ÷ 10",
                fmt_ns(lst),
                f"≤ {fmt_ns(net / 10)}",
                lst <= net / 10,
            )
    for form in ["corsgate/head", "corsgate/list"]:
        one = t("origins/1", form)
        for v in ["first", "last", "missing"]:
            x = t(f"origins/1000+100-patterns/{v}", form)
            if one and x:
                row(
                    f"`origins/1000+100-patterns/{v}` {form.split('/')[1]} ÷ `origins/1`",
                    f"{x / one:.2f}×",
                    "≤ 1.20×",
                    x / one <= 1.2,
                )
    big = table.get(("adversarial/64k-head", "corsgate/head"))
    small = table.get(("preflight/chrome", "corsgate/head"))
    if big and big["bytes"]:
        g = gib_s(big["bytes"], big["ns"])
        row(
            "`adversarial/64k-head` throughput", f"{g:.2f} GiB/s", "≥ 20 GiB/s", g >= 20
        )
        if small and small["bytes"]:
            per_big, per_small = big["ns"] / big["bytes"], small["ns"] / small["bytes"]
            row(
                "64k-head ns/byte vs preflight/chrome ns/byte",
                f"{per_big:.3f} vs {per_small:.3f}",
                "not worse",
                per_big <= per_small,
            )
    for tag, limit in [("listed", 200), ("echo", 3000)]:
        for form in ["corsgate/list", "corsgate/head"]:
            worst = max(
                (
                    (v["ns"], g)
                    for (g, f), v in table.items()
                    if g.startswith(f"adversarial/acrh-10k/{tag}/") and f == form
                ),
                default=None,
            )
            if worst:
                row(
                    f"worst `acrh-10k/{tag}` ({form.split('/')[1]}: `{worst[1].rsplit('/', 1)[1]}`)",
                    fmt_ns(worst[0]),
                    f"≤ {fmt_ns(limit)}",
                    worst[0] <= limit,
                )
    return "\n".join(
        ["| target | measured | limit | status |", "|---|---:|---:|---|"] + rows
    )


def svg_chart(table, path):
    """Horizontal bars, one cluster per scenario, log-scaled time axis."""
    series = [
        ("corsgate/head", "corsgate, raw head", "#1f77b4"),
        ("corsgate/list", "corsgate, header list", "#6baed6"),
        ("tower-http/net", "tower-http CorsLayer (net of baseline)", "#d62728"),
        ("httparse/origin", "httparse, find Origin only", "#7f7f7f"),
    ]
    groups = scenario_order(table)
    vals = {}
    for g in groups:
        for key, _, _ in series:
            if key == "tower-http/net":
                layer, base = get(table, g, "tower-http/layer"), get(
                    table, g, "tower-http/baseline"
                )
                v = layer - base if layer and base and layer > base else None
            else:
                v = get(table, g, key)
            if v:
                vals[(g, key)] = v
    import math

    lo, hi = 1.0, 10 ** math.ceil(math.log10(max(vals.values())))
    bar, gap, label_w, plot_w, top = 9, 8, 330, 560, 60
    rows_h = [
        sum(1 for k, _, _ in series if (g, k) in vals) * bar + gap for g in groups
    ]
    height = top + sum(rows_h) + 40
    width = label_w + plot_w + 90
    x = lambda ns: label_w + plot_w * (math.log10(max(ns, lo)) - math.log10(lo)) / (
        math.log10(hi) - math.log10(lo)
    )  # noqa: E731
    out = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
        f'font-family="sans-serif" font-size="11">',
        f'<rect width="{width}" height="{height}" fill="white"/>',
        f'<text x="{label_w}" y="18" font-size="14" font-weight="bold">'
        "Time per request (median, log scale; shorter is better)</text>",
    ]
    lx = label_w
    for _, name, color in series:
        out.append(f'<rect x="{lx}" y="28" width="10" height="10" fill="{color}"/>')
        out.append(f'<text x="{lx + 14}" y="37">{name}</text>')
        lx += 14 + 6.2 * len(name) + 16
    decade = lo
    while decade <= hi:
        xx = x(decade)
        out.append(
            f'<line x1="{xx:.1f}" y1="{top - 6}" x2="{xx:.1f}" y2="{height - 30}" stroke="#ddd"/>'
        )
        out.append(
            f'<text x="{xx:.1f}" y="{height - 16}" text-anchor="middle">{fmt_ns(decade)}</text>'
        )
        decade *= 10
    y = top
    for g, h in zip(groups, rows_h):
        out.append(
            f'<text x="{label_w - 8}" y="{y + (h - gap) / 2 + 4:.1f}" text-anchor="end">{g}</text>'
        )
        for key, _, color in series:
            v = vals.get((g, key))
            if v is None:
                continue
            out.append(
                f'<rect x="{label_w}" y="{y}" width="{x(v) - label_w:.1f}" height="{bar - 1}" fill="{color}">'
                f"<title>{g} {key}: {fmt_ns(v)}</title></rect>"
            )
            out.append(
                f'<text x="{x(v) + 3:.1f}" y="{y + bar - 1}" font-size="9">{fmt_ns(v)}</text>'
            )
            y += bar
        y += gap
    out.append("</svg>")
    Path(path).write_text("\n".join(out) + "\n")


def main(argv):
    if argv:
        dirs = [Path(a) for a in argv]
    else:
        target = Path(os.environ.get("CARGO_TARGET_DIR", ROOT / "target"))
        runs = sorted(p for p in (target / "bench-runs").glob("*") if p.is_dir())
        dirs = runs or [target / "criterion"]
    runs = [r for r in (load_run(d) for d in dirs) if r]
    if not runs:
        sys.exit(f"report.py: no criterion results under {', '.join(map(str, dirs))}")
    table = combine(runs)
    svg_chart(table, ROOT / "benches" / "chart.svg")
    block = "\n\n".join(
        [
            MARK_BEGIN,
            markdown(table, len(runs)),
            "### Targets",
            targets(table),
            MARK_END,
        ]
    )
    doc_path = ROOT / "BENCHMARKS.md"
    doc = doc_path.read_text() if doc_path.exists() else ""
    if MARK_BEGIN in doc and MARK_END in doc:
        pre, rest = doc.split(MARK_BEGIN, 1)
        post = rest.split(MARK_END, 1)[1]
        doc_path.write_text(pre + block + post)
    else:
        print(block)
    print(
        f"report.py: {len(runs)} run(s), {len(table)} benchmarks -> benches/chart.svg, BENCHMARKS.md",
        file=sys.stderr,
    )


if __name__ == "__main__":
    main(sys.argv[1:])
