#!/usr/bin/env python3
"""Paired differences and line-search statistics from the evaluation runner's per-image logs.

The runner (tools/IGOSpp.Evaluation, --log FILE) writes one JSON record per image and method. This script compares
two methods on the images both have explained (same TestIndex), which is the comparison docs/results.md quotes as
"paired": for each image the difference of the AUCs, then the mean difference and its standard error
(sd of the differences / sqrt(N)).

    python3 tools/IGOSpp.Evaluation/paired.py A.jsonl B.jsonl            # A - B, the first method in each log
    python3 tools/IGOSpp.Evaluation/paired.py A.jsonl:igospp28 B.jsonl:igospp28-cold --score "iGOS++"
    python3 tools/IGOSpp.Evaluation/paired.py A.jsonl --steps              # line-search statistics of one log

Only the standard library is used, so it runs with Debian's python3.
"""
import argparse
import json
import math
import statistics
import sys


def load(spec):
    """Records of one method from 'FILE' or 'FILE:METHOD', keyed by TestIndex."""
    path, _, method = spec.partition(":")
    records = {}
    with open(path, encoding="utf-8") as f:
        for line in f:
            line = line.strip()
            if not line:
                continue
            r = json.loads(line)
            if not method:
                method = r["Method"]
            if r["Method"] == method:
                records[r["TestIndex"]] = r
    if not records:
        sys.exit(f"{spec}: no records of method '{method}'")
    return method, records


def mean_se(values):
    m = statistics.fmean(values)
    se = statistics.stdev(values) / math.sqrt(len(values)) if len(values) > 1 else float("nan")
    return m, se


def auc(record, score):
    aucs = record["Auc"]
    key = score if score else next(iter(aucs))
    if key not in aucs:
        sys.exit(f"record {record['TestIndex']} has no score '{key}' (has: {', '.join(aucs)})")
    return aucs[key]


def model_images(record):
    """Images pushed through the model (forward only plus forward and backward), as the runner's tables count them."""
    return record["ForwardImages"] + record["BackwardImages"]


def steps_report(method, records, floor):
    steps = [it["Step"] for r in records.values() for it in r["Iterations"]]
    trials = [it["Trials"] for r in records.values() for it in r["Iterations"]]
    print(f"{method}: N = {len(records)}, iterations {len(steps)}, median accepted step {statistics.median(steps):.3g}, "
          f"steps <= {floor:g}: {sum(s <= floor for s in steps)}, trials per iteration {statistics.fmean(trials):.2f}")
    print(f"  model images per explanation {statistics.fmean(model_images(r) for r in records.values()):.0f}, "
          f"seconds per image {statistics.fmean(r['Seconds'] for r in records.values()):.1f}")
    first = records[min(records)]
    print(f"  first image (TestIndex {first['TestIndex']}): steps "
          + ", ".join(f"{it['Step']:.2g}" for it in first["Iterations"])
          + "; trials " + ", ".join(str(it["Trials"]) for it in first["Iterations"])
          + f" ({sum(it['Trials'] for it in first['Iterations'])}); model images {model_images(first)}")


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("a", help="FILE[:METHOD]")
    p.add_argument("b", nargs="?", help="FILE[:METHOD]; omit with --steps")
    p.add_argument("--score", help="which AUC of a record (default: its first, the method's own map)")
    p.add_argument("--steps", action="store_true", help="line-search statistics of each log")
    p.add_argument("--floor", type=float, default=1e-5, help="a step at or below this counts as a floor step")
    args = p.parse_args()

    name_a, a = load(args.a)
    if args.steps:
        steps_report(name_a, a, args.floor)
    if args.b is None:
        if not args.steps:
            p.error("give two logs to compare, or --steps")
        return
    name_b, b = load(args.b)
    if args.steps:
        steps_report(name_b, b, args.floor)
    common = sorted(set(a) & set(b))
    if len(common) < 2:
        sys.exit(f"only {len(common)} image(s) in both logs")
    print(f"{name_a} - {name_b}, paired over N = {len(common)} images (TestIndex {common[0]}..{common[-1]}):")
    for i, label in ((0, "deletion"), (1, "insertion")):
        m, se = mean_se([auc(a[t], args.score)[i] - auc(b[t], args.score)[i] for t in common])
        print(f"  {label:9} {m:+.4f} ± {se:.4f}  ({abs(m) / se:.1f} paired SE)")
    images = statistics.fmean(model_images(a[t]) for t in common) / statistics.fmean(model_images(b[t]) for t in common)
    print(f"  model images {images:.2f}× of {name_b}'s")


if __name__ == "__main__":
    main()
