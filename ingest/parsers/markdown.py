"""Markdown: optional YAML front matter, then one block per ATX heading, text kept as written."""

from __future__ import annotations

import re
from dataclasses import replace
from typing import TYPE_CHECKING, Any

import yaml

from ingest.deadline import Deadline
from ingest.errors import MetadataError
from ingest.metadata import MAX_NAME_CHARS, clip_fields, normalize_metadata
from ingest.model import DocumentBuilder, ParsedDocument
from ingest.parsers.text import HeadingBlocks, check_not_empty, decode_text, finish
from ingest.parsers.transcripts import looks_like_speaker_text, parse_speaker_text

if TYPE_CHECKING:
    from ingest.parsers import ParseOptions

#: Front-matter keys naming who asks in a transcript (see ingest/speakers.py).
_ASKING_KEYS = ("interviewer", "interviewers", "moderator", "researcher")
_FRONT_MATTER_END = re.compile(r"^(?:---|\.\.\.)[ \t]*$")
#: "## Heading": up to 3 spaces of indent, 1-6 hashes, then whitespace and the text (or nothing).
_HEADING = re.compile(r"^ {0,3}(#{1,6})(?:[ \t]+(.*))?$")
#: A code fence opens with 3+ backticks (no backtick in the info string) or 3+ tildes.
_FENCE_OPEN = re.compile(r"^ {0,3}(`{3,}(?=[^`]*$)|~{3,})")
_FENCE_CLOSE = re.compile(r"^ {0,3}(`{3,}|~{3,})[ \t]*$")


class _NoAliasLoader(yaml.SafeLoader):
    """A safe loader that refuses aliases, so a few bytes of YAML cannot expand into a huge value."""

    def compose_node(self, parent: Any, index: Any) -> Any:
        """Compose the next node, refusing an alias (``*name``)."""
        if self.check_event(yaml.AliasEvent):
            raise yaml.YAMLError("aliases (*name) are not allowed")
        return super().compose_node(parent, index)


def _split_front_matter(text: str, deadline: Deadline) -> tuple[str | None, str]:
    """Return (front matter, body); front matter is None when the text does not start with one."""
    lines = text.split("\n")
    if lines[0].rstrip() != "---":
        return None, text
    for index in range(1, len(lines)):
        deadline.check()
        if _FRONT_MATTER_END.match(lines[index]):
            return "\n".join(lines[1:index]), "\n".join(lines[index + 1 :])
    return None, text  # no closing line: the "---" is a horizontal rule


def _yaml_reason(exc: Exception) -> str:
    if isinstance(exc, yaml.MarkedYAMLError) and exc.problem and exc.problem_mark is not None:
        # +2: marks are 0-based and the front matter starts on the file's second line.
        return f"{exc.problem} (line {exc.problem_mark.line + 2})"
    return str(exc)


def _front_matter_fields(raw: str, builder: DocumentBuilder) -> dict[str, Any]:
    """Normalised metadata from front matter; problems become warnings, a value over its limit an error.

    :raises MetadataError: when a field breaks its limit: the file fails rather than lose part of what it says.
    """
    try:
        loaded = yaml.load(raw, Loader=_NoAliasLoader)  # safe: _NoAliasLoader is a SafeLoader
    except (yaml.YAMLError, ValueError, RecursionError) as exc:  # ValueError: "date: 2024-13-45"
        builder.warn(f"front matter is not valid YAML: {_yaml_reason(exc)}; ignored")
        return {}
    if loaded is None:
        return {}
    if not isinstance(loaded, dict):
        builder.warn("front matter is not a mapping of fields (key: value); ignored")
        return {}
    try:
        fields, problems = normalize_metadata(loaded)
    except MetadataError as exc:
        raise MetadataError(f"front matter: {exc}") from None
    for problem in problems:
        builder.warn(f"front matter: {problem}")
    asking = [loaded[key] for key in _ASKING_KEYS if loaded.get(key)]
    if asking:
        names = [str(n) for value in asking for n in (value if isinstance(value, list) else [value])]
        if any(len(n) > MAX_NAME_CHARS for n in names):
            raise MetadataError(f"front matter: an interviewer's name is at most {MAX_NAME_CHARS:,} characters")
        fields["interviewers"] = names
    return fields


def _heading_text(raw: str) -> str:
    """The text of "Heading ##" without its optional closing hashes (done by hand: a regex backtracks)."""
    text = raw.strip()
    unclosed = text.rstrip("#")
    if unclosed != text and (not unclosed or unclosed[-1] in " \t"):
        return unclosed.strip()
    return text


def _drop_comments(text: str) -> str:
    """Remove HTML comments; an unclosed one is left as written (found by hand, in linear time)."""
    parts: list[str] = []
    position = 0
    while (start := text.find("<!--", position)) != -1:
        end = text.find("-->", start + 4)
        if end == -1:
            break
        parts.append(text[position:start])
        position = end + 3
    parts.append(text[position:])
    return "".join(parts)


def _body_lines(body: str, deadline: Deadline) -> list[tuple[str, bool]]:
    """Pair each line with whether it is inside a fenced code block; drop HTML comments outside code."""
    runs: list[tuple[bool, list[str]]] = []
    fence: str | None = None
    for line in body.split("\n"):
        deadline.check()
        if fence is None:
            opening = _FENCE_OPEN.match(line)
            fence = opening[1] if opening else None
            fenced = opening is not None
        else:
            fenced = True
            closing = _FENCE_CLOSE.match(line)
            if closing and closing[1][0] == fence[0] and len(closing[1]) >= len(fence):
                fence = None
        if runs and runs[-1][0] == fenced:
            runs[-1][1].append(line)
        else:
            runs.append((fenced, [line]))
    lines: list[tuple[str, bool]] = []
    for fenced, run in runs:
        if not fenced:
            # Comments are invisible when rendered, and may span lines (and hide "headings").
            run = _drop_comments("\n".join(run)).split("\n")
        lines.extend((line, fenced) for line in run)
    return lines


def parse_markdown(data: bytes, options: ParseOptions) -> ParsedDocument:
    """Parse markdown into blocks by heading, with front matter as document metadata."""
    check_not_empty(data)
    builder = DocumentBuilder()
    raw, body = _split_front_matter(decode_text(data), options.deadline)
    metadata = _front_matter_fields(raw, builder) if raw is not None else {}
    if looks_like_speaker_text(body, options.deadline, markdown=True):
        doc = parse_speaker_text(body, options.deadline, markdown=True)
        heading = _HEADING.match(next((line for line in body.split("\n") if line.strip()), ""))
        if "title" not in metadata and heading and len(heading[1]) == 1 and heading[2]:
            metadata["title"] = _heading_text(heading[2])
        return replace(doc, metadata=clip_fields({**doc.metadata, **metadata}),
                       warnings=tuple(builder.warnings) + doc.warnings)
    blocks = HeadingBlocks(builder, joiner="\n")
    first_h1: str | None = None
    for line, fenced in _body_lines(body, options.deadline):
        options.deadline.check()
        heading = None if fenced else _HEADING.match(line)
        text = _heading_text(heading[2] or "") if heading else ""
        if heading and text:
            level = len(heading[1])
            blocks.heading(level, text)
            if level == 1 and first_h1 is None:
                first_h1 = text
        else:
            blocks.add(line)
    blocks.flush(last=True)
    if "title" not in metadata and first_h1:
        metadata["title"] = first_h1
    return finish(builder, metadata)
