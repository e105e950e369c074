"""Transcripts: WebVTT and SRT captions and plain "Speaker: text" transcripts, as speaker turns."""

from __future__ import annotations

import html
import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING

from ingest.deadline import NO_DEADLINE, Deadline
from ingest.errors import ParseError
from ingest.model import DocumentBuilder, ParsedDocument
from ingest.parsers.text import check_not_empty, decode_text, finish

if TYPE_CHECKING:
    from ingest.parsers import ParseOptions

#: Without speakers, consecutive cues are grouped into blocks of about this many characters.
_GROUP_CHARS = 600

#: A speaker name: starts with a letter, at most 40 characters, no colon.
_NAME = r"[^\W\d_][^:\n]{0,39}?"
#: A speaker line: optional time ("[00:01:02]", "00:01", "(00:01)"), then "Name:" and whitespace.
#: Requiring whitespace after the colon rules out URLs ("http://...").
_TURN = re.compile(
    r"^[ \t]*(?:[\[(]?(?P<time>\d{1,2}(?::\d{2}){1,2})(?:[.,]\d+)?[\])]?[ \t]*(?:[-–—][ \t]*)?)?"
    rf"(?P<name>{_NAME})[ \t]*:(?:[ \t]+|$)(?P<text>.*)$"
)
#: In a caption, "Name:" names a speaker only if the name has at most three words: captions are
#: mostly speech, and "So the question is: how" must not become a speaker.
_CAPTION_SPEAKER = re.compile(r"^(?P<name>[^\W\d_][^:\s]*(?:[ \t][^:\s]+){0,2}):[ \t]+(?P<text>.*)$")

#: A Markdown speaker label in bold, colon inside or outside: "**Name:**", "__Name__:", after an optional bullet.
_MD_LABEL = re.compile(r"^(?P<lead>[ \t]*(?:[-*+][ \t]+)?)(?P<mark>\*\*|__)(?P<name>[^*_:\n]{1,60}?)"
                       r"(?::(?P=mark)|(?P=mark)[ \t]*:)")
_MD_HEADING = re.compile(r"^ {0,3}#{1,6}(?:[ \t]|$)")

_STAMP = r"(?:\d+:)?\d{1,2}:\d{2}(?:[.,]\d{1,3})?"
_TIMING = re.compile(rf"^[ \t]*({_STAMP})[ \t]*-->[ \t]*{_STAMP}")
#: WebVTT blocks that are not cues.
_NOT_CUE = re.compile(r"^(?:NOTE|STYLE|REGION)(?:\s|$)")
_VOICE = re.compile(r"<v(?:\.[^\s<>]*)?[ \t]([^<>]+)>")
#: Markup inside cue text: HTML-like tags (<i>, <c.x>, <00:00:01.000>) and SRT's {\an8} style codes.
#: A tag cannot contain "<" (nor a code "{"), which keeps matching linear on text full of them.
_CUE_MARKUP = re.compile(r"<[^<>]*>|\{\\[^{}]*\}")


@dataclass
class _Cue:
    """One caption cue or transcript line."""

    start: float | None
    text: str
    speaker: str | None


def _seconds(stamp: str) -> float:
    """Seconds from "01:02:03.500", "02:03,5" or "1:02"."""
    total = 0.0
    for part in stamp.replace(",", ".").split(":"):
        total = total * 60 + float(part)
    return total


def _clock(seconds: float) -> str:
    whole = int(seconds)
    return f"{whole // 3600:02d}:{whole % 3600 // 60:02d}:{whole % 60:02d}"


def _add_turns(builder: DocumentBuilder, cues: list[_Cue], joiner: str) -> None:
    """Merge consecutive cues of one speaker into a block; without speakers, group them by size."""
    by_speaker = any(cue.speaker for cue in cues)
    speaker: str | None = None
    start: float | None = None
    parts: list[str] = []
    size = 0
    for cue in cues:
        # Captions often name the speaker only on a turn's first cue, so an unnamed cue continues it.
        name = cue.speaker or speaker
        if parts and (name != speaker or (not by_speaker and size + len(cue.text) > _GROUP_CHARS)):
            _add_turn(builder, parts, joiner, speaker, start)
            parts, start, size = [], None, 0
        speaker = name
        start = cue.start if start is None else start
        parts.append(cue.text)
        size += len(cue.text)
    _add_turn(builder, parts, joiner, speaker, start)


def _add_turn(
    builder: DocumentBuilder, parts: list[str], joiner: str, speaker: str | None, start: float | None
) -> None:
    locator: dict[str, str] = {}
    if speaker:
        locator["speaker"] = speaker
    if start is not None:
        locator["time"] = _clock(start)
    builder.add(joiner.join(part for part in parts if part.strip()), locator)


def _unbold(line: str) -> str:
    """Return a Markdown turn line ("**Name:** text", "- __Name__: text") as a plain "Name: text" line."""
    return _MD_LABEL.sub(r"\g<name>:", line, count=1)


def looks_like_speaker_text(text: str, deadline: Deadline = NO_DEADLINE, markdown: bool = False) -> bool:
    """Whether text is a transcript: at least 3 lines, and 60% of non-blank ones, are "Name: ..." turns.

    In Markdown, headings do not count against it and a bold label ("**Name:** text") is a name.
    """
    lines = [line for line in text.split("\n") if line.strip() and not (markdown and _MD_HEADING.match(line))]
    turns = 0
    for line in lines:
        deadline.check()
        if _TURN.match(_unbold(line) if markdown else line):
            turns += 1
    return turns >= 3 and turns >= 0.6 * len(lines)


def parse_speaker_text(text: str, deadline: Deadline = NO_DEADLINE, markdown: bool = False) -> ParsedDocument:
    """Parse a "Name: text" transcript into speaker turns; other lines continue the current turn.

    With ``markdown``, bold labels name speakers and a heading stands as a block of its own.
    """
    # Lines are collected in lists and joined once: repeated string concatenation is quadratic.
    turns: list[tuple[float | None, str | None, list[str]]] = []
    for line in text.split("\n"):
        deadline.check()
        if markdown and _MD_HEADING.match(line):
            turns.append((None, None, [line]))
            continue
        match = _TURN.match(_unbold(line) if markdown else line)
        if match:
            start = _seconds(match["time"]) if match["time"] else None
            turns.append((start, match["name"].strip(), [match["text"].strip()]))
        elif turns:
            turns[-1][2].append(line)
        else:  # a preamble before the first turn (title, date) is a block of its own
            turns.append((None, None, [line]))
    builder = DocumentBuilder()
    _add_turns(builder, [_Cue(start, "\n".join(lines), name) for start, name, lines in turns], "\n")
    return finish(builder)


def _blocks(lines: list[str]) -> Iterator[tuple[int, list[str]]]:
    """Yield runs of non-blank lines with the 1-based line number of their first line."""
    block: list[str] = []
    first = 0
    for number, line in enumerate(lines, 1):
        if line.strip():
            if not block:
                first = number
            block.append(line)
        elif block:
            yield first, block
            block = []
    if block:
        yield first, block


def _make_cue(start: float, payload: list[str]) -> _Cue | None:
    raw = " ".join(line.strip() for line in payload)
    voice = _VOICE.search(raw)
    speaker = _clean_cue_text(voice[1]) if voice else None
    text = _clean_cue_text(raw)
    if speaker is None:
        named = _CAPTION_SPEAKER.match(text)
        if named and len(named["name"]) <= 40:
            speaker, text = named["name"], named["text"]
    return _Cue(start, text, speaker or None) if text else None


def _clean_cue_text(text: str) -> str:
    return " ".join(html.unescape(_CUE_MARKUP.sub("", text)).split())


def _read_cues(lines: list[str], builder: DocumentBuilder, deadline: Deadline) -> list[_Cue]:
    """Read the cues of a WebVTT or SRT file; a block may hold several cues when blank lines are missing."""
    cues: list[_Cue] = []
    stray: list[int] = []
    bad_timing: list[int] = []
    for first, block in _blocks(lines):
        deadline.check()
        if _NOT_CUE.match(block[0]):
            continue
        timings = [i for i, line in enumerate(block) if "-->" in line]
        if not timings:
            if not (len(block) == 1 and block[0].strip().isdigit()):  # a lone SRT cue number is harmless
                stray.append(first)
            continue
        for k, i in enumerate(timings):
            last = k + 1 == len(timings)
            payload = block[i + 1 : len(block) if last else timings[k + 1]]
            if not last and payload and payload[-1].strip().isdigit():
                payload = payload[:-1]  # the next cue's number
            match = _TIMING.match(block[i])
            if match is None:
                bad_timing.append(first + i)
                continue
            cue = _make_cue(_seconds(match[1]), payload)
            if cue is not None:
                cues.append(cue)
    if stray:
        builder.warn(f"{len(stray)} block(s) of text outside any cue skipped (lines {_few(stray)})")
    if bad_timing:
        builder.warn(f"{len(bad_timing)} cue(s) with an unreadable timing line skipped (lines {_few(bad_timing)})")
    return cues


def _few(numbers: list[int]) -> str:
    shown = ", ".join(map(str, numbers[:5]))
    return shown + ", ..." if len(numbers) > 5 else shown


def parse_vtt(data: bytes, options: ParseOptions) -> ParsedDocument:
    """Parse WebVTT captions into speaker turns (from <v Name> tags or "Name:" prefixes)."""
    check_not_empty(data)
    lines = decode_text(data).split("\n")
    if not re.match(r"WEBVTT(?:[ \t]|$)", lines[0]):
        raise ParseError("not a WebVTT file: missing WEBVTT header")
    # Blank out the header and its metadata lines ("Kind: captions") rather than slicing them
    # off, so that line numbers in warnings stay those of the file.
    end = 1
    while end < len(lines) and lines[end].strip() and "-->" not in lines[end]:
        end += 1
    lines[:end] = [""] * end
    builder = DocumentBuilder()
    _add_turns(builder, _read_cues(lines, builder, options.deadline), " ")
    return finish(builder)


def parse_srt(data: bytes, options: ParseOptions) -> ParsedDocument:
    """Parse SRT subtitles into speaker turns (from "Name:" prefixes or <v Name> tags)."""
    check_not_empty(data)
    builder = DocumentBuilder()
    cues = _read_cues(decode_text(data).split("\n"), builder, options.deadline)
    if not cues:
        raise ParseError("not an SRT file: no cues found")
    _add_turns(builder, cues, " ")
    return finish(builder)
