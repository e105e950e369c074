"""Write a saved insight up as Markdown: title, summary, quotes, and a footnote citing each quote."""

from __future__ import annotations

from insights.saved.collection import Insight
from insights.saved.evidence import RESTRICTED
from insights.search import markup
from insights.search.exports import md_heading, md_line, md_prompt, md_quote, md_text


def to_markdown(insight: Insight) -> str:
    """Return the insight as Markdown; each quote carries a footnote with its citation and any warning.

    Every string a user wrote (title, summary, quotes, citations) is inert: no HTML, link or image,
    and the one-line places (the heading, each footnote) stay on one line.
    """
    lines = [md_heading(insight.title), ""]
    if insight.summary:
        # Each line starts at the margin, as the page shows it: indented, it would be a code block, where
        # the escapes that keep it inert would show.
        lines += ["\n".join(md_text(line.strip()) for line in insight.summary.split("\n")), ""]
    if insight.evidence:
        lines += ["## Evidence", ""]
    for number, evidence in enumerate(insight.evidence, 1):
        if evidence.status == RESTRICTED:  # nothing of the source: not its words, title or place
            lines += [f"> *{RESTRICTED}* [^{number}]", ""]
            continue
        # The footnote mark goes on a line of its own: after a table row or a code line it would be read as text.
        lines += [*md_prompt(evidence.locator), *md_quote(evidence.quote, evidence.format), ">",
                  f"> [^{number}]", ""]
    for number, evidence in enumerate(insight.evidence, 1):
        if evidence.status == RESTRICTED:
            lines.append(f"[^{number}]: **[{RESTRICTED.upper()}]** {md_line(evidence.note)}.")
            continue
        quote = markup.plain(evidence.quote, evidence.format)
        footnote = f"[^{number}]: “{md_line(quote)}” — {md_line(evidence.citation)}"
        if evidence.note:
            footnote += f" **[{evidence.status.upper()}]** {md_line(evidence.note)}."
        lines.append(footnote)
    return "\n".join(lines).rstrip() + "\n"
