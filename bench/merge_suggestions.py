"""How good and how fast are the merge suggestions? Precision, recall and F1 on the labelled set, and timings.

The labelled set is tests/data/merge_pairs.csv (a, b, same, lang, note): pairs written as participants write, a
third or more of them near-misses (same topic, different ask) that must not be suggested. A pair is suggested when
its score reaches the threshold. Timings run pairs_of() on 100, 300 and 1000 items drawn from the set's texts.

    .venv/bin/python bench/merge_suggestions.py [--threshold 0.8] [--errors]
"""

from __future__ import annotations

import argparse
import csv
import random
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from consult.services.suggestions import THRESHOLD, pairs_of, score  # noqa: E402

DATA = Path(__file__).resolve().parent.parent / "tests" / "data" / "merge_pairs.csv"


def load() -> list[dict[str, str]]:
    with DATA.open(encoding="utf-8", newline="") as f:
        return list(csv.DictReader(f))


def measure(rows: list[dict[str, str]], scores: list[float], threshold: float) -> dict[str, float]:
    tp = sum(1 for r, s in zip(rows, scores, strict=True) if s >= threshold and r["same"] == "1")
    fp = sum(1 for r, s in zip(rows, scores, strict=True) if s >= threshold and r["same"] == "0")
    fn = sum(1 for r, s in zip(rows, scores, strict=True) if s < threshold and r["same"] == "1")
    precision = tp / (tp + fp) if tp + fp else 1.0
    recall = tp / (tp + fn) if tp + fn else 1.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return {"tp": tp, "fp": fp, "fn": fn, "precision": precision, "recall": recall, "f1": f1}


def items(rows: list[dict[str, str]], n: int) -> list[tuple[int, str]]:
    """n texts from the set, with a typo here and there so that repeats are not all exact."""
    rng = random.Random(n)
    texts = [r[k] for r in rows for k in ("a", "b")]
    out = []
    for i in range(n):
        text = rng.choice(texts)
        if rng.random() < 0.5:
            at = rng.randrange(len(text))
            text = text[:at] + text[at + 1 :]
        out.append((i + 1, text))
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--threshold", type=float, default=THRESHOLD)
    parser.add_argument("--errors", action="store_true", help="print every false positive and false negative")
    args = parser.parse_args()
    rows = load()
    scores = [score(r["a"], r["b"]) for r in rows]
    same = sum(r["same"] == "1" for r in rows)
    print(f"{len(rows)} pairs: {same} same, {len(rows) - same} near-misses (must not be suggested)")
    print("threshold  precision  recall  F1     tp  fp  fn")
    for t in sorted({0.6, 0.65, 0.7, 0.75, 0.8, 0.85, 0.9, args.threshold}):
        m = measure(rows, scores, t)
        mark = " <-" if t == args.threshold else ""
        print(
            f"{t:9.2f}  {m['precision']:9.3f}  {m['recall']:6.3f}  {m['f1']:.3f}"
            f"  {m['tp']:3d} {m['fp']:3d} {m['fn']:3d}{mark}"
        )
    langs = sorted({r["lang"] for r in rows})
    print("\nrecall by language at the threshold:")
    for lang in langs:
        sub = [(r, s) for r, s in zip(rows, scores, strict=True) if r["lang"] == lang]
        m = measure([r for r, _ in sub], [s for _, s in sub], args.threshold)
        print(f"  {lang:13s} recall {m['recall']:.2f} ({m['tp']}/{m['tp'] + m['fn']}), false positives {m['fp']}")
    fps = [(s, r) for r, s in zip(rows, scores, strict=True) if s >= args.threshold and r["same"] == "0"]
    fns = [(s, r) for r, s in zip(rows, scores, strict=True) if s < args.threshold and r["same"] == "1"]
    shown = None if args.errors else 10
    print(f"\nfalse positives ({len(fps)}):")
    for s, r in sorted(fps, key=lambda x: -x[0])[:shown]:
        print(f"  {s:.2f}  {r['a']}  |  {r['b']}  ({r['note']})")
    print(f"false negatives ({len(fns)}):")
    for s, r in sorted(fns, key=lambda x: -x[0])[:shown]:
        print(f"  {s:.2f}  {r['a']}  |  {r['b']}  ({r['note']})")
    print("\ntime for the pairs of one scope (one kind):")
    for n in (100, 300, 1000):
        texts = items(rows, n)
        runs = []
        for _ in range(3):
            start = time.perf_counter()
            found = pairs_of(texts)
            runs.append(time.perf_counter() - start)
        print(f"  {n:5d} items: {min(runs) * 1000:7.1f} ms (best of 3), {len(found)} pairs")


if __name__ == "__main__":
    main()
