"""Write a saved insight up as Markdown: title, summary, quotes, and a footnote citing each quote."""

from __future__ import annotations

from insights.saved import Insight


def to_markdown(insight: Insight) -> str:
    """Return the insight as Markdown; each quote carries a footnote with its citation and any warning."""
    lines = [f"# {_line(insight.title)}", ""]
    if insight.summary:
        lines += [insight.summary, ""]
    if insight.evidence:
        lines += ["## Evidence", ""]
    for number, evidence in enumerate(insight.evidence, 1):
        quote = evidence.quote.replace("\r\n", "\n").strip().split("\n")
        lines += [f"> {line}".rstrip() for line in quote[:-1]]
        lines += [f"> {quote[-1]}[^{number}]".rstrip(), ""]
    for number, evidence in enumerate(insight.evidence, 1):
        footnote = f"[^{number}]: “{_line(evidence.quote)}” — {_line(evidence.citation)}"
        if evidence.note:
            footnote += f" **[{evidence.status.upper()}]** {evidence.note}."
        lines.append(footnote)
    return "\n".join(lines).rstrip() + "\n"


def _line(text: str) -> str:
    """Collapse text onto one line, so it cannot break out of a heading or a footnote."""
    return " ".join(text.split())
