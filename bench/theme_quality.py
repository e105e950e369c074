"""Measure how well the themes of the whole demo repository recover the pain points planted in it.

For each planted pain point (PP1-PP10 in examples/demo-answers.md) it finds the theme holding most of the
pain point's labelled records (support tickets, reviews, survey answers; keys in
examples/demo/tools/*_answer_key.json) and reports:

- recall: the share of the pain point's records that theme holds ("recovered" when it holds most of them);
- primary files: the share of the files listed as Primary for the pain point that have a passage in it;
- purity (over all themes): the share of labelled records whose theme's majority pain point is one of theirs.

Usage (from the repository root; builds the demo repository with the real model once, ~30 s):

    .venv/bin/python bench/theme_quality.py                  # uses/creates $TMPDIR/insights-bench-demo
    .venv/bin/python bench/theme_quality.py --data-dir /tmp/th-demo
"""

from __future__ import annotations

import argparse
import json
import re
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from insights.config import Settings  # noqa: E402
from insights.repository import Repository  # noqa: E402

EXAMPLES = ROOT / "examples"
PAIN_POINTS = [f"PP{n}" for n in range(1, 11)]
#: Metadata fields naming a record in the answer keys: ticket, review and survey respondent ids.
RECORD_FIELDS = ("id", "review_id", "respondent_id")


def answer_keys() -> dict[str, list[str]]:
    """Return the pain points of every labelled record id (ticket, review, survey respondent)."""
    keys: dict[str, list[str]] = {}
    for path in sorted((EXAMPLES / "demo" / "tools").glob("*_answer_key.json")):
        for records in json.loads(path.read_text()).values():
            keys.update(records)
    return keys


def primary_files() -> dict[str, list[str]]:
    """Return, per pain point, the file names listed as Primary in examples/demo-answers.md."""
    text = (EXAMPLES / "demo-answers.md").read_text()
    out: dict[str, list[str]] = {}
    for match in re.finditer(r"### (PP\d+) .*?\n(.*?)(?=\n### |\Z)", text, re.S):
        primary = re.search(r"- Primary: (.*?)(?=\n- )", match.group(2), re.S)
        out[match.group(1)] = [Path(f).name for f in re.findall(r"`([^`]+)`", primary.group(1))] if primary else []
    return out


def labelled_passages(repo: Repository) -> tuple[dict[int, list[str]], dict[int, str]]:
    """Return the pain points of each labelled passage, and every passage's file name."""
    keys = answer_keys()
    labels: dict[int, list[str]] = {}
    files: dict[int, str] = {}
    for passage_id, metadata, filename in repo.store.db.execute(
            "SELECT p.id, p.metadata, d.filename FROM passages p JOIN documents d ON d.id = p.document_id"):
        files[passage_id] = filename
        fields = json.loads(metadata)
        record = next((fields[f] for f in RECORD_FIELDS if f in fields), None)
        if record in keys:
            labels[passage_id] = keys[record]
    return labels, files


def measure(repo: Repository) -> dict[str, Any]:
    """Compute the themes of the whole repository and score them against the planted pain points."""
    started = time.perf_counter()
    report = repo.themes()
    seconds = time.perf_counter() - started
    labels, files = labelled_passages(repo)
    theme_of = {pid: theme.id for theme in report.themes for pid in theme.passage_ids}
    primary = primary_files()
    rows = {}
    for point in PAIN_POINTS:
        members = [pid for pid, points in labels.items() if point in points]
        held = Counter(theme_of[pid] for pid in members if pid in theme_of)
        best, count = min(held.items(), key=lambda kv: (-kv[1], kv[0])) if held else (None, 0)
        theme = report.theme(best) if best is not None else None
        in_theme = {files[pid] for pid in theme.passage_ids} if theme else set()
        rows[point] = {
            "records": len(members), "theme": best, "label": theme.label if theme else None,
            "recall": round(count / len(members), 3) if members else 0.0,
            "primary_files": round(sum(f in in_theme for f in primary[point]) / max(1, len(primary[point])), 3),
        }
    pure = total = 0
    for theme in report.themes:
        points = [labels[pid] or ["none"] for pid in theme.passage_ids if pid in labels]
        if not points:
            continue
        majority = Counter(p for ps in points for p in ps).most_common(1)[0][0]
        pure += sum(majority in ps for ps in points)
        total += len(points)
    return {"themes": len(report.themes), "passages": report.passages, "unthemed": report.unthemed,
            "seconds": round(seconds, 3), "purity": round(pure / max(1, total), 3), "pain_points": rows,
            "recovered": sum(r["recall"] > 0.5 for r in rows.values()),
            "mean_recall": round(sum(r["recall"] for r in rows.values()) / len(rows), 3)}


def main() -> None:
    """Build (once) or open the demo repository, measure, print a table and write JSON."""
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--data-dir", type=Path, default=Path(tempfile.gettempdir()) / "insights-bench-demo")
    args = parser.parse_args()
    from insights.cli import demo

    repo = Repository(Settings.from_env(data_dir=args.data_dir))
    demo.build(repo)
    result = measure(repo)
    print(f"{result['themes']} themes over {result['passages']} passages ({result['unthemed']} unthemed), "
          f"{result['seconds']:.2f} s\n")
    print("| pain point | records | best theme | recall | primary files in it |")
    print("|---|---|---|---|---|")
    for point, row in result["pain_points"].items():
        print(f"| {point} | {row['records']} | {row['theme']}. {row['label']} | {row['recall']:.2f} | "
              f"{row['primary_files']:.2f} |")
    print(f"\nrecovered (recall > 0.5): {result['recovered']}/10 · mean recall {result['mean_recall']:.2f} · "
          f"purity {result['purity']:.2f}")
    from timing import write_json

    print(f"wrote {write_json('theme_quality', result)}")


if __name__ == "__main__":
    main()
