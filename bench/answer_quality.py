"""Do search's top quotes answer the question? Scored on the judged answers set in examples/answers/.

    .venv/bin/python bench/answer_quality.py                      # build in a temp folder, score every mode
    .venv/bin/python bench/answer_quality.py --data-dir /tmp/ans  # build there once, reuse on later runs
    .venv/bin/python bench/answer_quality.py --modes hybrid --json
    .venv/bin/python bench/answer_quality.py --data-dir /tmp/ans --show a01 --show x03

The repository is built with the real command line, one `insights ingest` per source kind, into --data-dir
(unchanged files are skipped when it already holds them). The questions then run in-process through
`Repository.search`, and one `insights search --json` checks that the command line ranks the first question the
same way. A hit is an answer when its file is a judged file and its text holds one of the question's answer
quotes (matched as examples/answers/check.py defines); a non-answer when it holds a non-answer quote instead
(interviewer prompt, negation, boilerplate, survey non-answer, off-topic mention); else unjudged.

Reported per mode, over the on-topic questions: P@5 (share of the top 5 hits that answer), the non-answers in
the top 5 (total, and by kind), nDCG@10 with graded gains (a hit gains the highest grade among the answer
quotes it holds, each quote counted once; the ideal ranks every listed answer quote by grade), and over the
off-topic questions whether search flagged its result as a weak match (``n/a`` while search has no such flag).
"""

from __future__ import annotations

import argparse
import hashlib
import importlib.util
import json
import math
import os
import shutil
import subprocess
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path
from types import ModuleType
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
SET = ROOT / "examples" / "answers"
CORPUS = SET / "corpus"
#: How a team would file each folder: the kind given to `insights ingest --kind` (files may set their own).
KINDS = {
    "interviews": "interview",
    "notes": "note",
    "pdfs": "note",
    "web": "competitor-analysis",
    "surveys": "survey",
    "tickets": "support-ticket",
    "reviews": "review",
}
#: Files filed under another kind than their folder's.
FILE_KINDS = {
    "pdfs/competitive-landscape-shipping-apps-2026-h1.pdf": "competitor-analysis",
    "web/help-return-labels-print-wrong.html": "note",
}
MODES = ("hybrid", "semantic", "keyword")
TOP = 5
DEPTH = 10
#: A file in the data folder naming the corpus and code it was built from, so a rebuild is skipped.
STAMP = "answers-set.sha256"


def product() -> tuple[Any, Any]:
    """Return the product's Repository and Settings classes: every import of the product is here."""
    sys.path.insert(0, str(ROOT))  # this checkout's code, not whatever the venv points at
    from insights.config import Settings
    from insights.repository import Repository

    return Repository, Settings


def answers_set() -> ModuleType:
    """Return examples/answers/check.py, which defines the questions' loading and the quote matching."""
    spec = importlib.util.spec_from_file_location("answers_check", SET / "check.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up while the class is made
    spec.loader.exec_module(module)
    return module


def cli(data_dir: Path, *args: str) -> subprocess.CompletedProcess[str]:
    """Run `insights --data-dir DIR ARGS...` from this checkout and return the finished process."""
    env = {**os.environ, "HF_HUB_OFFLINE": "1", "PYTHONPATH": os.pathsep.join(
        p for p in (str(ROOT), os.environ.get("PYTHONPATH", "")) if p)}
    return subprocess.run([sys.executable, "-m", "insights", "--data-dir", str(data_dir), *args],
                          cwd=ROOT, env=env, capture_output=True, text=True, check=False)


def build(data_dir: Path) -> dict[str, Any]:
    """Ingest the corpus with the command line, one run per kind; return what each run reported.

    A data folder already built from the same files, kinds and product code is reused as it is.
    """
    groups: dict[str, list[str]] = {}
    digest = hashlib.sha256()
    for path in sorted(p for p in CORPUS.rglob("*") if p.is_file()):
        relative = path.relative_to(CORPUS).as_posix()
        kind = FILE_KINDS.get(relative, KINDS.get(relative.split("/")[0]))
        if kind is None:
            raise SystemExit(f"{relative}: no kind for its folder; add it to KINDS in {Path(__file__).name}")
        groups.setdefault(kind, []).append(str(path))
        digest.update(f"{relative}\0{kind}\0".encode() + hashlib.sha256(path.read_bytes()).digest())
    for source in sorted((ROOT / "ingest").rglob("*.py")) + sorted((ROOT / "insights").rglob("*.py")):
        digest.update(source.relative_to(ROOT).as_posix().encode() + source.read_bytes())
    stamp = data_dir / STAMP
    report: dict[str, Any] = {"added": 0, "updated": 0, "unchanged": 0, "warnings": [], "seconds": 0.0}
    if stamp.is_file() and stamp.read_text().strip() == digest.hexdigest():
        report["reused"] = True
        return report
    if stamp.is_file():
        # Built by another version: ingest would skip the unchanged files and keep their old passages.
        shutil.rmtree(data_dir)
        data_dir.mkdir(parents=True)
    started = time.perf_counter()
    for kind, paths in groups.items():
        done = cli(data_dir, "ingest", *paths, "--kind", kind, "--json")
        if done.returncode != 0:
            raise SystemExit(f"insights ingest --kind {kind} failed ({done.returncode}):\n{done.stdout}\n{done.stderr}")
        result = json.loads(done.stdout)
        for status in ("added", "updated", "unchanged"):
            report[status] += result[status]
        report["warnings"] += [f"{w['path']}: {w['warning']}" for w in result["warnings"]]
    report["seconds"] = round(time.perf_counter() - started, 1)
    stamp.write_text(digest.hexdigest() + "\n")
    return report


class Judge:
    """Label hits against one question's judgments."""

    def __init__(self, spec: ModuleType, question: dict[str, Any]) -> None:
        self.question = question
        self.answers = spec.answers(question)
        self.non_answers = spec.non_answers(question)

    def label(self, hit: dict[str, Any]) -> tuple[str, int, list[Any]]:
        """Return ("answer" | "non-answer" | "unjudged", grade, the judgments the hit holds)."""
        held = [a for a in self.answers if a.holds(hit["filename"], hit["text"])]
        if held:
            return "answer", max(a.grade for a in held), held
        held = [n for n in self.non_answers if n.holds(hit["filename"], hit["text"])]
        return ("non-answer", 0, held) if held else ("unjudged", 0, [])

    def ndcg(self, hits: list[dict[str, Any]], k: int = DEPTH) -> float:
        """Return nDCG@k with linear graded gains; each answer quote gains once, at its first hit."""
        ideal_gains = sorted((a.grade for a in self.answers), reverse=True)[:k]
        ideal = sum(g / math.log2(rank + 2) for rank, g in enumerate(ideal_gains))
        used: set[tuple[str, str]] = set()
        found = 0.0
        for rank, hit in enumerate(hits[:k]):
            fresh = [a for a in self.answers
                     if (a.file, a.quote) not in used and a.holds(hit["filename"], hit["text"])]
            if fresh:
                found += max(a.grade for a in fresh) / math.log2(rank + 2)
                used.update((a.file, a.quote) for a in fresh)
        return found / ideal if ideal else 0.0


def weak_flag(repo: Any, hits: Any, query: str, mode: str) -> bool | None:
    """Return whether search flagged the result as a weak match (as `search --json` and the API say it)."""
    page = repo.search_page(query, mode=mode, limit=DEPTH)
    return bool(page["match"].weak)


def as_dicts(hits: Any) -> list[dict[str, Any]]:
    """Return hits as the JSON contract's dictionaries (filename, text, ...)."""
    return [h.to_dict() if hasattr(h, "to_dict") else dict(h) for h in hits]


def score_mode(repo: Any, spec: ModuleType, questions: list[dict[str, Any]], mode: str) -> dict[str, Any]:
    """Run every question in one mode; return the summary and each question's figures."""
    per_question: dict[str, dict[str, Any]] = {}
    whys: Counter[str] = Counter()
    latencies = []
    for q in questions:
        began = time.perf_counter()
        raw = repo.search(q["text"], mode=mode, limit=DEPTH)
        latencies.append(time.perf_counter() - began)
        hits = as_dicts(raw)
        judge = Judge(spec, q)
        labels = [judge.label(h) for h in hits[:TOP]]
        bad = [j.why for kind, _, held in labels if kind == "non-answer" for j in held[:1]]
        row: dict[str, Any] = {"hits": len(hits), "non_answers@5": len(bad), "non_answers_by_why": dict(Counter(bad))}
        if q.get("off_topic"):
            row["weak_match"] = weak_flag(repo, raw, q["text"], mode)
        else:
            answered = sum(kind == "answer" for kind, _, _ in labels)
            row["p@5"] = answered / len(labels) if labels else 0.0
            row["ndcg@10"] = judge.ndcg(hits)
            row["unjudged@5"] = sum(kind == "unjudged" for kind, _, _ in labels)
            whys.update(bad)
        per_question[q["id"]] = row
    on = [per_question[q["id"]] for q in questions if not q.get("off_topic")]
    off = [per_question[q["id"]] for q in questions if q.get("off_topic")]
    flags = [r["weak_match"] for r in off]
    summary = {
        "p@5": round(sum(r["p@5"] for r in on) / len(on), 4) if on else None,
        "ndcg@10": round(sum(r["ndcg@10"] for r in on) / len(on), 4) if on else None,
        "non_answers@5": sum(r["non_answers@5"] for r in on),
        "non_answers_by_why": dict(sorted(whys.items())),
        "questions_with_a_non_answer@5": sum(r["non_answers@5"] > 0 for r in on),
        "questions_with_a_prompt_negation_or_boilerplate@5": sum(
            any(w in r["non_answers_by_why"] for w in ("prompt", "negation", "boilerplate")) for r in on),
        "unjudged@5": sum(r["unjudged@5"] for r in on),
        "off_topic_flagged_weak": "n/a" if any(f is None for f in flags) else f"{sum(flags)}/{len(flags)}",
        "off_topic_junk@5": sum(r["non_answers@5"] for r in off),
        "query_ms_p50": round(1000 * sorted(latencies)[len(latencies) // 2], 1) if latencies else None,
    }
    return {"summary": summary, "questions": per_question}


def cli_agrees(data_dir: Path, repo: Any, question: dict[str, Any]) -> dict[str, Any]:
    """Run the first question through `insights search --json` and compare it with the in-process ranking."""
    done = cli(data_dir, "search", question["text"], "--json", "--limit", str(DEPTH))
    if done.returncode != 0:
        return {"question": question["id"], "agrees": False, "error": (done.stderr or done.stdout).strip()[-500:]}
    out = json.loads(done.stdout)
    via_cli = [(h["filename"], h["char_start"]) for h in out["hits"]]
    in_process = [(h["filename"], h["char_start"]) for h in as_dicts(repo.search(question["text"], limit=DEPTH))]
    return {"question": question["id"], "agrees": via_cli == in_process, "weak_match": out.get("weak_match", "n/a"),
            "cli_top": via_cli[:3], "in_process_top": in_process[:3]}


def show(repo: Any, spec: ModuleType, question: dict[str, Any], modes: list[str]) -> None:
    """Print a question's top 5 in each mode, each hit labelled, for judging."""
    judge = Judge(spec, question)
    print(f"\n## {question['id']}: {question['text']}" + ("  (off-topic)" if question.get("off_topic") else ""))
    for mode in modes:
        raw = repo.search(question["text"], mode=mode, limit=DEPTH)
        flag = weak_flag(repo, raw, question["text"], mode)
        print(f"\n### {mode}   weak_match: {'n/a' if flag is None else flag}")
        for rank, hit in enumerate(as_dicts(raw)[:TOP], 1):
            kind, grade, held = judge.label(hit)
            tag = f"answer {grade}" if kind == "answer" else (f"non-answer: {held[0].why}" if held else kind)
            text = " ".join(hit["text"].split())
            print(f"{rank}. [{tag}] {hit['filename']} @{hit['char_start']} ({hit['kind']}, {hit['score']:.3f})")
            print(f"   {text[:300]}{'…' if len(text) > 300 else ''}")


def main() -> None:
    """Build the repository if needed, score every mode, print a table (and JSON with --json)."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data-dir", type=Path, help="Repository folder to build and reuse (default: a temp dir).")
    parser.add_argument("--modes", default=",".join(MODES), help="Comma-separated search modes (default: all).")
    parser.add_argument("--json", action="store_true", help="Also print the full results as one JSON object.")
    parser.add_argument("--show", action="append", default=[], metavar="QID",
                        help="Print this question's top 5 with labels instead of scoring (repeatable).")
    args = parser.parse_args()
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    modes = [m.strip() for m in args.modes.split(",") if m.strip()]
    unknown = [m for m in modes if m not in MODES]
    if unknown:
        parser.error(f"unknown mode(s) {', '.join(unknown)}; use {', '.join(MODES)}")
    spec = answers_set()
    questions = spec.load_questions()
    by_id = {q["id"]: q for q in questions}
    missing = [q for q in args.show if q not in by_id]
    if missing:
        parser.error(f"no question {', '.join(missing)} in {spec.QUESTIONS}")
    data_dir = args.data_dir or Path(tempfile.mkdtemp(prefix="answer-quality-"))
    Repository, Settings = product()
    try:
        built = build(data_dir)
        repo = Repository(Settings.from_env(data_dir=data_dir))
        try:
            if args.show:
                for qid in args.show:
                    show(repo, spec, by_id[qid], modes)
                return
            stats = repo.stats()
            results = {mode: score_mode(repo, spec, questions, mode) for mode in modes}
            check = cli_agrees(data_dir, repo, questions[0])
        finally:
            repo.close()
    finally:
        if args.data_dir is None:
            shutil.rmtree(data_dir, ignore_errors=True)
    on_topic = sum(not q.get("off_topic") for q in questions)
    out = {
        "set": str(SET.relative_to(ROOT)),
        "documents": stats["documents"], "passages": stats["passages"], "kinds": stats["kinds"],
        "questions": len(questions), "on_topic": on_topic, "off_topic": len(questions) - on_topic,
        "answer_quotes": sum(len(q.get("answers", [])) for q in questions),
        "non_answer_quotes": sum(len(q.get("non_answers", [])) for q in questions),
        "ingest": built, "cli_check": check,
        "modes": {mode: r["summary"] for mode, r in results.items()},
        "per_question": {mode: r["questions"] for mode, r in results.items()},
    }
    sys.path.insert(0, str(Path(__file__).resolve().parent))
    from timing import table

    rows = []
    for mode, s in out["modes"].items():
        rows.append([mode, s["p@5"], s["ndcg@10"], s["non_answers@5"],
                     ", ".join(f"{k} {v}" for k, v in s["non_answers_by_why"].items()) or "-",
                     s["questions_with_a_prompt_negation_or_boilerplate@5"], s["unjudged@5"],
                     s["off_topic_flagged_weak"], s["off_topic_junk@5"], s["query_ms_p50"]])
    print(f"{out['set']}: {out['documents']} documents, {out['passages']} passages; {out['on_topic']} on-topic and "
          f"{out['off_topic']} off-topic questions; {out['answer_quotes']} answer and "
          f"{out['non_answer_quotes']} non-answer quotes; " + ("repository reused" if built.get("reused") else
          f"ingest {built['seconds']} s (added {built['added']}, unchanged {built['unchanged']})"))
    print(table(["mode", "P@5", "nDCG@10", "non-answers in top 5", "by kind", "questions with prompt/neg./boiler.",
                 "unjudged in top 5", "off-topic flagged weak", "junk in off-topic top 5", "p50 ms"], rows))
    if not check["agrees"]:
        print(f"warning: `insights search --json` ranks {check['question']} differently from Repository.search: "
              f"{check.get('error') or (check['cli_top'], check['in_process_top'])}", file=sys.stderr)
    else:
        print(f"CLI check: `insights search --json` agrees with Repository.search on {check['question']}.")
    if args.json:
        print(json.dumps(out, indent=2, ensure_ascii=False))


if __name__ == "__main__":
    main()
