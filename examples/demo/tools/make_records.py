#!/usr/bin/env python3
# ruff: noqa: E501  (hand-written prose data)
"""Write the demo's support tickets (JSON Lines) and reviews (CSV) from hand-written data.

    python examples/demo/tools/make_records.py

Outputs (deterministic, same bytes every run):
    examples/demo/support/support-tickets.jsonl
    examples/demo/reviews/reviews.csv
    examples/demo/tools/records_answer_key.json   (planted pain point ids per ticket/review)
"""

from __future__ import annotations

import csv
import io
import json
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
DEMO = HERE.parent
sys.path.insert(0, str(HERE))
sys.dont_write_bytecode = True  # keep tools/ free of __pycache__

from review_data import REVIEWS  # noqa: E402
from ticket_data import TICKETS  # noqa: E402

TICKET_FIELDS = ("id", "created_at", "customer", "segment", "plan", "channel", "subject", "body", "tags")
REVIEW_FIELDS = ("review_id", "date", "product", "store", "rating", "title", "review", "segment")


def write_tickets() -> dict[str, list[str]]:
    key: dict[str, list[str]] = {}
    lines = []
    for n, ticket in enumerate(TICKETS, start=1001):
        tid = f"T-{n}"
        record = {"id": tid, **{f: ticket[f] for f in TICKET_FIELDS[1:]}}
        lines.append(json.dumps(record, ensure_ascii=False))
        key[tid] = list(ticket["pp"])
    out = DEMO / "support" / "support-tickets.jsonl"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_bytes(("\n".join(lines) + "\n").encode("utf-8"))
    return key


def write_reviews() -> dict[str, list[str]]:
    key: dict[str, list[str]] = {}
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\n")
    writer.writerow(REVIEW_FIELDS)
    for n, review in enumerate(REVIEWS, start=1):
        rid = f"R-{n:03d}"
        writer.writerow([rid] + [review[f] for f in REVIEW_FIELDS[1:]])
        key[rid] = list(review["pp"])
    out = DEMO / "reviews" / "reviews.csv"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_bytes(buf.getvalue().encode("utf-8"))
    return key


def main() -> None:
    key = {"support/support-tickets.jsonl": write_tickets(), "reviews/reviews.csv": write_reviews()}
    (HERE / "records_answer_key.json").write_text(json.dumps(key, indent=1, sort_keys=True) + "\n", encoding="utf-8")
    print(f"wrote {len(TICKETS)} tickets and {len(REVIEWS)} reviews")


if __name__ == "__main__":
    main()
