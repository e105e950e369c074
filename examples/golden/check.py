"""Sanity-check the golden set: run after editing qrels or regenerating corpus.jsonl.

    python examples/golden/check.py [--fresh] [folder]

Exits 1 with a message per problem. A chunker or parser change that shifts passage offsets
shows up here as qrels ids missing from corpus.jsonl once the corpus is regenerated; with
``--fresh`` (needs the project importable, e.g. ``PYTHONPATH=$PWD``) the demo corpus is also
re-parsed and re-chunked in memory and compared with corpus.jsonl, so a stale export is caught
without regenerating it first.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

HEADER = ["query-id", "corpus-id", "score"]


def read_lines(path: Path, problems: list[str]) -> list[str]:
    """Return the file's lines, noting non-UTF-8 bytes, CR line endings or a missing final newline."""
    data = path.read_bytes()
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as ex:
        problems.append(f"{path.name}: not UTF-8 ({ex})")
        return []
    if text.startswith("\ufeff"):
        problems.append(f"{path.name}: starts with a byte order mark")
    if "\r" in text:
        problems.append(f"{path.name}: has \\r characters; use \\n line endings")
    if text and not text.endswith("\n"):
        problems.append(f"{path.name}: last line does not end with \\n")
    return text.split("\n")[:-1] if text.endswith("\n") else text.split("\n")


def read_jsonl(path: Path, fields: tuple[str, ...], problems: list[str]) -> list[dict]:
    """Return the objects of a JSON Lines file, noting bad lines, missing fields and duplicate ids."""
    rows, seen = [], set()
    for n, line in enumerate(read_lines(path, problems), 1):
        try:
            row = json.loads(line)
        except json.JSONDecodeError as ex:
            problems.append(f"{path.name}:{n}: not JSON ({ex})")
            continue
        missing = [f for f in fields if not isinstance(row.get(f), str) or not row.get(f)]
        if missing:
            problems.append(f"{path.name}:{n}: missing or empty {', '.join(missing)}")
            continue
        if row["_id"] in seen:
            problems.append(f"{path.name}:{n}: duplicate _id {row['_id']}")
        seen.add(row["_id"])
        rows.append(row)
    return rows


def check(folder: Path) -> list[str]:
    """Return every problem found in the BEIR files under ``folder``."""
    problems: list[str] = []
    corpus = {r["_id"] for r in read_jsonl(folder / "corpus.jsonl", ("_id", "title", "text"), problems)}
    queries = {r["_id"] for r in read_jsonl(folder / "queries.jsonl", ("_id", "text"), problems)}
    lines = read_lines(folder / "qrels.tsv", problems)
    if not lines or lines[0].split("\t") != HEADER:
        problems.append(f"qrels.tsv: first line must be the header {chr(9).join(HEADER)!r}")
        lines = [""] + lines
    pairs: set[tuple[str, str]] = set()
    top: set[str] = set()
    for n, line in enumerate(lines[1:], 2):
        cells = line.split("\t")
        if len(cells) != 3:
            problems.append(f"qrels.tsv:{n}: expected 3 tab-separated cells, got {len(cells)}")
            continue
        qid, cid, score = cells
        if qid not in queries:
            problems.append(f"qrels.tsv:{n}: query {qid!r} is not in queries.jsonl")
        if cid not in corpus:
            problems.append(f"qrels.tsv:{n}: passage {cid!r} is not in corpus.jsonl (did offsets shift?)")
        if score not in ("1", "2"):
            problems.append(f"qrels.tsv:{n}: score must be 1 or 2, got {score!r}")
        if (qid, cid) in pairs:
            problems.append(f"qrels.tsv:{n}: duplicate judgment for ({qid}, {cid})")
        pairs.add((qid, cid))
        if score == "2":
            top.add(qid)
    for qid in sorted(queries - top):
        problems.append(f"queries.jsonl: {qid} has no passage judged 2")
    return problems


def check_fresh(folder: Path) -> list[str]:
    """Return problems if corpus.jsonl differs from what the current parsers and chunker produce."""
    sys.path.insert(0, str(Path(__file__).resolve().parent))
    from make_corpus import passages

    fresh = {p["_id"]: p for p in passages()}
    stored = {}
    for line in (folder / "corpus.jsonl").read_text(encoding="utf-8").splitlines():
        row = json.loads(line)
        stored[row["_id"]] = row
    problems = []
    gone, new = sorted(stored.keys() - fresh.keys()), sorted(fresh.keys() - stored.keys())
    changed = sorted(k for k in stored.keys() & fresh.keys() if stored[k] != fresh[k])
    differences = (("no longer produced", gone), ("new, not in corpus.jsonl", new), ("text or title changed", changed))
    for label, ids in differences:
        if ids:
            problems.append(f"corpus.jsonl is stale: {len(ids)} passage(s) {label}, e.g. {ids[:3]}; "
                            "rerun make_corpus.py and re-map the qrels")
    return problems


def main() -> int:
    args = sys.argv[1:]
    fresh = "--fresh" in args
    args = [a for a in args if a != "--fresh"]
    folder = Path(args[0]) if args else Path(__file__).resolve().parent
    problems = check(folder)
    if fresh:
        problems += check_fresh(folder)
    for p in problems:
        print(p, file=sys.stderr)
    if problems:
        print(f"{len(problems)} problem(s) in {folder}", file=sys.stderr)
        return 1
    print(f"{folder}: ok")
    return 0


if __name__ == "__main__":
    sys.exit(main())
