"""Check the answers set: every judged quote is in its file's text, inside one passage, judged once.

    .venv/bin/python examples/answers/check.py [--text-only]

The text is what the product's own parsers extract (``ingest.pipeline.read_source`` and ``parse_source``:
pypdf page text for a PDF, the visible text of an HTML page, one record per CSV row or JSON line), cut into
passages by the default chunker. A non-answer the product leaves out of its passages altogether (a breadcrumb,
a running footer, a survey's "n/a") needs only to be in what a reader of the file sees (``visible_text``).
Exits 1 with a line per problem. With ``--text-only`` only the quotes'
presence in the text is checked, not where the chunker cuts (for a chunker change in progress).

This module also defines how a hit is matched against a quote; ``bench/answer_quality.py`` imports it, so the
scorer and this check cannot disagree.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent.parent
CORPUS = HERE / "corpus"
QUESTIONS = HERE / "questions.jsonl"

#: Quotes shorter than this name a whole passage (a survey's "n/a"), not a part of one.
MIN_QUOTE_CHARS = 15
WHYS = ("prompt", "negation", "boilerplate", "non-answer", "off-topic")
GRADES = (1, 2)
#: Markdown emphasis and code markers: a reader of the rendered note does not see them.
_MARKERS = re.compile(r"[*_`]")


def normalize(text: str) -> str:
    """Return ``text`` as quotes are compared: Markdown markers dropped, whitespace collapsed, lower case."""
    return " ".join(_MARKERS.sub("", text).split()).lower()


def matches(quote: str, passage: str) -> bool:
    """Return whether a passage holds a quote: contains it, or for a short quote, is exactly it."""
    q, p = normalize(quote), normalize(passage)
    if len(quote) < MIN_QUOTE_CHARS:
        return p == q
    return q in p


@dataclass(frozen=True)
class Judgment:
    """One judged quote of one question."""

    question: str
    file: str
    quote: str
    grade: int = 0  # 1 or 2 for an answer, 0 for a non-answer
    why: str = ""  # the kind of non-answer

    @property
    def filename(self) -> str:
        """Return the file's name, as a search hit reports it."""
        return Path(self.file).name

    def holds(self, filename: str, text: str) -> bool:
        """Return whether a hit (its file name and passage text) holds this quote."""
        return filename == self.filename and matches(self.quote, text)


def load_questions(path: Path = QUESTIONS) -> list[dict[str, Any]]:
    """Return the questions, one object per line, in file order."""
    with path.open(encoding="utf-8") as lines:
        return [json.loads(line) for line in lines if line.strip()]


def answers(question: dict[str, Any]) -> list[Judgment]:
    """Return a question's answer quotes."""
    return [Judgment(question["id"], a["file"], a["quote"], int(a["grade"])) for a in question.get("answers", [])]


def non_answers(question: dict[str, Any]) -> list[Judgment]:
    """Return a question's non-answer quotes."""
    return [Judgment(question["id"], n["file"], n["quote"], 0, n["why"]) for n in question.get("non_answers", [])]


def visible_text(path: Path) -> str:
    """Return what a reader of the file sees: an HTML page's text, a PDF's page text, else the file's text."""
    if path.suffix.lower() in (".html", ".htm"):
        from bs4 import BeautifulSoup

        return BeautifulSoup(path.read_bytes(), "lxml").get_text(" ")
    if path.suffix.lower() == ".pdf":
        from pypdf import PdfReader

        return "\n".join(page.extract_text() or "" for page in PdfReader(path).pages)
    return path.read_text(encoding="utf-8", errors="replace")


def extract(path: Path) -> tuple[str, list[str]]:
    """Return a file's text and its passages as the product reads and cuts them."""
    # The product's modules, imported here only: the rest of this file needs no project on the path.
    sys.path.insert(0, str(ROOT))
    from ingest.chunking import DEFAULT_MAX_CHARS
    from ingest.parsers import ParseOptions
    from ingest.pipeline import parse_source, read_source

    options = ParseOptions(name=path.name)
    doc, chunks = parse_source(read_source(path, options, 50_000_000), options, DEFAULT_MAX_CHARS)
    return doc.text, [c.text for c in chunks]


def check(questions: list[dict[str, Any]], text_only: bool = False) -> tuple[list[str], dict[str, Any]]:
    """Return every problem found, and counts of what was checked."""
    problems: list[str] = []
    files = sorted(p for p in CORPUS.rglob("*") if p.is_file())
    names = Counter(p.name for p in files)
    problems += [f"corpus: file name {n!r} is used {k} times; hits are matched by file name" for n, k in names.items()
                 if k > 1]
    texts: dict[str, tuple[str, list[str]]] = {}
    for p in files:
        try:
            texts[p.relative_to(CORPUS).as_posix()] = extract(p)
        except Exception as ex:  # a file the product cannot read is a problem of the set
            problems.append(f"{p.relative_to(CORPUS)}: cannot be read ({ex})")
    ids: set[str] = set()
    for number, q in enumerate(questions, 1):
        where = f"questions.jsonl:{number} ({q.get('id')})"
        if not isinstance(q.get("id"), str) or not isinstance(q.get("text"), str) or not q["text"].strip():
            problems.append(f"{where}: needs string fields id and text")
            continue
        if q["id"] in ids:
            problems.append(f"{where}: duplicate id")
        ids.add(q["id"])
        if q.get("off_topic"):
            if q.get("answers"):
                problems.append(f"{where}: an off-topic question has no answers")
        else:
            if not q.get("kind"):
                problems.append(f"{where}: no kind")
            if not any(a.get("grade") == 2 for a in q.get("answers", [])):
                problems.append(f"{where}: no answer graded 2")
        for a in q.get("answers", []):
            if a.get("grade") not in GRADES:
                problems.append(f"{where}: grade must be 1 or 2: {a}")
        for n in q.get("non_answers", []):
            if n.get("why") not in WHYS:
                problems.append(f"{where}: why must be one of {', '.join(WHYS)}: {n}")
        judged = answers(q) + non_answers(q)
        seen: dict[tuple[str, str], Judgment] = {}
        held: dict[tuple[str, int], Judgment] = {}
        for j in judged:
            key = (j.file, normalize(j.quote))
            if key in seen:
                problems.append(f"{where}: {j.file}: quote judged twice: {j.quote!r}")
            seen[key] = j
            if j.file not in texts:
                problems.append(f"{where}: no readable file {j.file!r} under corpus/")
                continue
            text, passages = texts[j.file]
            if not j.grade and not any(matches(j.quote, p) for p in passages):
                # A non-answer that is no passage at all cannot reach a top five; it must still be in the file.
                if normalize(j.quote) not in normalize(visible_text(CORPUS / j.file)):
                    problems.append(f"{where}: {j.file}: quote not in what the file shows: {j.quote!r}")
                continue
            if len(j.quote) < MIN_QUOTE_CHARS:
                if not any(matches(j.quote, p) for p in passages):
                    problems.append(f"{where}: {j.file}: short quote {j.quote!r} is not a whole passage")
                continue
            if normalize(j.quote) not in normalize(text):
                problems.append(f"{where}: {j.file}: quote not in the text: {j.quote!r}")
                continue
            if text_only:
                continue
            inside = [i for i, p in enumerate(passages) if matches(j.quote, p)]
            if not inside:
                problems.append(f"{where}: {j.file}: quote is split between passages: {j.quote!r}")
            for i in inside:
                other = held.get((j.file, i))
                if other is not None and (other.grade or j.grade):
                    problems.append(f"{where}: {j.file}: {other.quote!r} and {j.quote!r} are in one passage; "
                                    "judge a passage once (an answer's quote wins over a non-answer's)")
                held[(j.file, i)] = j
    on_topic = [q for q in questions if not q.get("off_topic")]
    counts = {
        "documents": len(files),
        "passages": sum(len(p) for _, p in texts.values()),
        "questions": len(questions),
        "on_topic": len(on_topic),
        "off_topic": len(questions) - len(on_topic),
        "answers": sum(len(q.get("answers", [])) for q in questions),
        "answers_graded_2": sum(a["grade"] == 2 for q in questions for a in q.get("answers", [])),
        "non_answers": sum(len(q.get("non_answers", [])) for q in questions),
        "non_answers_by_why": dict(Counter(n["why"] for q in questions for n in q.get("non_answers", []))),
        "passages_by_folder": {folder: sum(len(p) for f, (_, p) in texts.items() if f.startswith(folder + "/"))
                               for folder in sorted({f.split("/")[0] for f in texts})},
    }
    return problems, counts


def main() -> None:
    """Check the set; print the counts, or the problems and exit 1."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--text-only", action="store_true", help="Check quotes against the text, not the passages.")
    args = parser.parse_args()
    problems, counts = check(load_questions(), args.text_only)
    for problem in problems:
        print(problem)
    print(json.dumps(counts, indent=2), file=sys.stderr if problems else sys.stdout)
    if problems:
        print(f"{len(problems)} problem(s)", file=sys.stderr)
        sys.exit(1)
    print("ok")


if __name__ == "__main__":
    main()
