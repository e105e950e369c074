"""Data types that flow from parsers to chunking to the repository."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

#: Where a piece of text sits in its source: page, heading, row, line, speaker, time.
Locator = dict[str, Any]


@dataclass(frozen=True)
class Section:
    """A span of a document's text under one locator; chunks never cross sections."""

    start: int
    end: int
    locator: Locator = field(default_factory=dict)
    #: Fields of a record (CSV columns, JSON keys) other than its text.
    metadata: dict[str, Any] = field(default_factory=dict)
    #: False for text that belongs in the document but answers no question (a cover page, a survey
    #: "n/a"): it is shown with the document and never cut into passages, so it is never ranked.
    passage: bool = True


@dataclass(frozen=True)
class ParsedDocument:
    """A file turned into one text, its sections and its metadata."""

    text: str
    sections: tuple[Section, ...]
    #: Document-level fields: title, kind, date, participant, segment, competitor, tags, author.
    metadata: dict[str, Any] = field(default_factory=dict)
    #: Problems that lost part of the file but not all of it (e.g. a broken JSONL line).
    warnings: tuple[str, ...] = ()


@dataclass(frozen=True)
class Chunk:
    """A passage: an exact span of its document's text, with the locator of its section."""

    start: int
    end: int
    text: str
    locator: Locator = field(default_factory=dict)
    metadata: dict[str, Any] = field(default_factory=dict)


class DocumentBuilder:
    """Assemble a document's text block by block, recording each block's exact span."""

    #: Blocks are joined by a blank line so paragraph splitting sees them as separate.
    separator = "\n\n"

    def __init__(self) -> None:
        self._parts: list[str] = []
        self._sections: list[Section] = []
        self._length = 0
        self.warnings: list[str] = []

    def add(self, text: str, locator: Locator | None = None, metadata: dict[str, Any] | None = None,
            passage: bool = True) -> None:
        """Append one block of text; blank blocks are ignored; ``passage=False`` keeps it out of passages."""
        text = text.strip()
        if not text:
            return
        if self._parts:
            self._parts.append(self.separator)
            self._length += len(self.separator)
        start = self._length
        self._parts.append(text)
        self._length += len(text)
        self._sections.append(Section(start, self._length, dict(locator or {}), dict(metadata or {}), passage))

    def has_text(self) -> bool:
        """Return True once a block has been added."""
        return bool(self._parts)

    def warn(self, message: str) -> None:
        """Record a problem that lost part of the file."""
        self.warnings.append(message)

    def build(self, metadata: dict[str, Any] | None = None) -> ParsedDocument:
        """Return the finished document."""
        return ParsedDocument(
            text="".join(self._parts),
            sections=tuple(self._sections),
            metadata=dict(metadata or {}),
            warnings=tuple(self.warnings),
        )
