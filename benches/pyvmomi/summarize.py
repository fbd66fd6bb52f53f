#!/usr/bin/env python3
"""Summarizes the samples of scripts/bench-vs-pyvmomi.sh: medians per side and pyvmomi/vmrotate ratios.

    summarize.py SAMPLES.tsv [TARGET_RATIO]

SAMPLES.tsv has a header `side run end_to_end login list vms` and one row per program run; side is
`vmrotate` or `pyvmomi`, and run pairs the two sides' runs (run N of each side ran back to back).
Prints a Markdown table. "paired ratio" is the median over runs of pyvmomi/vmrotate for the same run
number: the two runs of a pair ran seconds apart, so it cancels slow drift in the machine's load
better than the ratio of the medians, which is shown too.
"""

import csv
import statistics
import sys

SIDES = ("vmrotate", "pyvmomi")
PHASES = (
    ("end_to_end", "end to end (process start, connect, login, list, logout)"),
    ("login", "connect + login (as each program reports it)"),
    ("list", "list only (as each program reports it)"),
)


def load(path):
    """{side: {run: row}} with times as floats; exits with a message on a malformed file."""
    samples = {side: {} for side in SIDES}
    with open(path, newline="") as file:
        for row in csv.DictReader(file, delimiter="\t"):
            if row["side"] not in samples:
                sys.exit(f"{path}: unknown side {row['side']!r}: expected one of {SIDES}")
            samples[row["side"]][int(row["run"])] = {
                **{phase: float(row[phase]) for phase, _ in PHASES},
                "vms": int(row["vms"]),
            }
    if not samples["vmrotate"] or samples["vmrotate"].keys() != samples["pyvmomi"].keys():
        sys.exit(f"{path}: each run needs one vmrotate and one pyvmomi row")
    return samples


def summarize(samples, target_ratio):
    """Markdown table of the medians and ratios, plus whether end to end meets target_ratio."""
    runs = sorted(samples["vmrotate"])
    lines = [
        f"{len(runs)} runs of each program, {samples['vmrotate'][runs[0]]['vms']} VMs listed by each",
        "",
        "| phase | pyvmomi/vmrotate (paired median) | ratio of medians | vmrotate median s | pyvmomi median s |",
        "|---|---|---|---|---|",
    ]
    for phase, label in PHASES:
        rust = statistics.median(samples["vmrotate"][run][phase] for run in runs)
        python = statistics.median(samples["pyvmomi"][run][phase] for run in runs)
        paired = statistics.median(
            samples["pyvmomi"][run][phase] / samples["vmrotate"][run][phase] for run in runs
        )
        lines.append(f"| {label} | {paired:.2f}x | {python / rust:.2f}x | {rust:.4f} | {python:.4f} |")
        if phase == "end_to_end":
            end_to_end = paired
    verdict = "met" if end_to_end >= target_ratio else "NOT met"
    lines += ["", f"target {target_ratio:g}x faster than pyvmomi end to end: {verdict} ({end_to_end:.2f}x)"]
    return "\n".join(lines)


def main():
    if len(sys.argv) not in (2, 3):
        sys.exit(__doc__)
    target_ratio = float(sys.argv[2]) if len(sys.argv) == 3 else 3.0
    print(summarize(load(sys.argv[1]), target_ratio))


if __name__ == "__main__":
    main()
