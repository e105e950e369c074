"""Compare HTML main-text extractors on the judged web pages of examples/answers: content kept, chrome left.

The libraries are not dependencies of Insights; run this with a scratch environment that has them, while
Insights' own parser runs in the checkout's venv:

    python3 -m venv /tmp/htmlv && /tmp/htmlv/bin/pip install trafilatura
    /tmp/htmlv/bin/pip install --no-deps readability-lxml justext cssselect chardet
    /tmp/htmlv/bin/python bench/html_extractors.py

For each extractor it prints how many of the answer quotes judged in those pages survive, and how many
of the judged boilerplate quotes (breadcrumbs, menus, cookie banners, footers) are left in.
"""

from __future__ import annotations

import json
import re
import subprocess
from collections.abc import Callable
from pathlib import Path

import justext
import trafilatura
from bs4 import BeautifulSoup
from readability import Document

ROOT = Path(__file__).resolve().parent.parent
CORPUS = ROOT / "examples" / "answers" / "corpus"
#: Insights' own reading of each page: its passages, joined (run in the checkout's venv).
OURS = """
import json, sys
from pathlib import Path
from ingest.parsers import ParseOptions
from ingest.pipeline import parse_source, read_source
out = {}
for name in sys.argv[1:]:
    path = Path(name)
    options = ParseOptions(name=path.name)
    _, chunks = parse_source(read_source(path, options, 10**8), options, 800)
    out[name] = " ".join(c.text for c in chunks)
print(json.dumps(out))
"""


def norm(text: str) -> str:
    """Return text as the answers set compares quotes: no Markdown markers, spaces collapsed, lower case."""
    return " ".join(re.sub(r"[*_`]", "", text).split()).lower()


def judged() -> tuple[dict[str, set[str]], dict[str, set[str]]]:
    """Return, per HTML file, the answer quotes to keep and the boilerplate quotes to drop."""
    keep: dict[str, set[str]] = {}
    drop: dict[str, set[str]] = {}
    for line in (ROOT / "examples" / "answers" / "questions.jsonl").read_text().splitlines():
        question = json.loads(line)
        for answer in question.get("answers", []):
            if answer["file"].endswith(".html"):
                keep.setdefault(answer["file"], set()).add(answer["quote"])
        for other in question.get("non_answers", []):
            if other["file"].endswith(".html") and other["why"] == "boilerplate":
                drop.setdefault(other["file"], set()).add(other["quote"])
    return keep, drop


def main() -> None:
    """Print each extractor's kept answers and left-in boilerplate."""
    keep, drop = judged()
    files = sorted(set(keep) | set(drop))
    ours = json.loads(subprocess.run([str(ROOT / ".venv" / "bin" / "python"), "-c", OURS,
                                      *[str(CORPUS / f) for f in files]],
                                     capture_output=True, text=True, cwd=ROOT, check=True).stdout)
    tools: dict[str, Callable[[str, str], str]] = {
        "insights": lambda name, page: ours[str(CORPUS / name)],
        "trafilatura": lambda name, page: trafilatura.extract(page, include_tables=True, favor_recall=True) or "",
        "readability": lambda name, page: BeautifulSoup(Document(page).summary(), "lxml").get_text(" "),
        "justext": lambda name, page: " ".join(p.text for p in justext.justext(
            page.encode(), justext.get_stoplist("English")) if not p.is_boilerplate),
    }
    for tool, extract in tools.items():
        kept = left = 0
        for name in files:
            text = norm(extract(name, (CORPUS / name).read_text()))
            kept += sum(norm(q) in text for q in keep.get(name, set()))
            left += sum(norm(q) in text for q in drop.get(name, set()))
        wanted = sum(len(v) for v in keep.values())
        chrome = sum(len(v) for v in drop.values())
        print(f"{tool:12s} answer quotes kept {kept}/{wanted}   boilerplate quotes left in {left}/{chrome}")


if __name__ == "__main__":
    main()
