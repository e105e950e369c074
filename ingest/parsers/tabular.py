"""Tabular records: CSV rows and JSON Lines objects, one block per record with its other fields."""

from __future__ import annotations

import csv
import io
import json
import re
from typing import TYPE_CHECKING, Any

from ingest.boilerplate import is_non_answer
from ingest.errors import ParseError
from ingest.metadata import shorten
from ingest.model import DocumentBuilder, ParsedDocument
from ingest.parsers.text import check_not_empty, decode_text, finish, normalize_newlines

if TYPE_CHECKING:
    from ingest.deadline import Deadline
    from ingest.parsers import ParseOptions

#: A survey export has a column per question; thousands of columns are no table of records but a
#: file built to make every row's metadata (and its search facets) huge.
MAX_COLUMNS = 1000

#: Survey exports can hold very long answers; the csv module's default limit is 128 KB.
_FIELD_SIZE_LIMIT = 16 * 1024 * 1024
#: How much of the file the delimiter sniffer reads (it is slow on large samples).
_SNIFF_CHARS = 8192
_NUMBER = re.compile(r"^(?=.*\d)[-+]?[$€£¥]?[\d.,' ]+%?$")
_DATE = re.compile(r"^\d{1,4}[-/.]\d{1,2}[-/.]\d{1,4}(?:[ T].*)?$|^\d{1,2}:\d{2}(?::\d{2})?$")
#: JSON fields that usually hold the free text, in order of preference.
_TEXT_FIELDS = ("text", "body", "message", "content", "comment", "description", "review", "feedback", "summary")
#: A record's headline, shown (and searched) as the first line of its text: a ticket's subject
#: ("Where do I start?") often says more than the first sentence of its body.
_HEADLINE_FIELDS = ("subject", "title", "headline")


#: Broken JSONL lines warned about one by one; the rest are counted in one more warning.
_MAX_LINE_WARNINGS = 10
#: Column or field names listed in a message, each cut to _LISTED_CHARS.
_LISTED = 20
_LISTED_CHARS = 40


def _with_headline(text: str, fields: dict[str, str]) -> str:
    """Return the record's text led by its headline field; a record with only a headline is its headline.

    Surveys, ticket exports and BEIR corpora hold records whose text is empty and whose title says it all.
    """
    headline = next((fields[k] for k in fields if k.strip().lower() in _HEADLINE_FIELDS and fields[k].strip()), "")
    if not headline:
        return text
    return f"{headline.strip()}\n{text.strip()}" if text.strip() else headline


def _listing(names: list[str]) -> str:
    """Names for a message: the first few, each cut short, so that a hostile header cannot flood it."""
    shown = ", ".join(shorten(name, _LISTED_CHARS) for name in names[:_LISTED])
    return shown + (f", … ({len(names) - _LISTED:,} more)" if len(names) > _LISTED else "")


def _sniff_delimiter(text: str) -> str:
    sample = text[:_SNIFF_CHARS]
    if len(text) > _SNIFF_CHARS and "\n" in sample:
        sample = sample[: sample.rindex("\n")]  # whole lines only
    try:
        return csv.Sniffer().sniff(sample, delimiters=",;\t|").delimiter
    except csv.Error:  # one column, or nothing consistent: the default is the best guess
        return ","


def _header_names(cells: list[str]) -> list[str]:
    """Column names: blank ones become column_N, repeated ones get a _2, _3... suffix."""
    names: list[str] = []
    taken: set[str] = set()
    # The next suffix to try for each name: every lower one is taken already, so n repeats of a name
    # cost n tries rather than n² (times n again when ``taken`` was a list).
    next_suffix: dict[str, int] = {}
    for number, cell in enumerate(cells, 1):
        base = cell.strip() or f"column_{number}"
        name = base
        if name in taken:
            suffix = next_suffix.get(base, 2)
            while f"{base}_{suffix}" in taken:
                suffix += 1
            name, next_suffix[base] = f"{base}_{suffix}", suffix + 1
        taken.add(name)
        names.append(name)
    return names


def _is_number_or_date(value: str) -> bool:
    # Numbers and dates are short; a long cell is text without needing a look.
    return len(value) <= 40 and bool(_NUMBER.match(value) or _DATE.match(value))


def _text_column(header: list[str], rows: list[list[str]], wanted: str | None, deadline: Deadline) -> int:
    """Index of the column holding the free text: the one asked for, or the wordiest non-numeric one."""
    if wanted is not None:
        for index, name in enumerate(header):
            if name.lower() == wanted.strip().lower():
                return index
        raise ParseError(f"no column named {wanted!r}; columns: {_listing(header)}")
    # One pass over the cells (rows may be shorter than the header): cells filled, wordy, and their length.
    filled, wordy, length = [0] * len(header), [0] * len(header), [0] * len(header)
    for row in rows:
        deadline.check()
        for index, cell in enumerate(row):
            value = cell.strip()
            if value:
                filled[index] += 1
                length[index] += len(value)
                wordy[index] += not _is_number_or_date(value)
    best, best_length = None, 0.0
    for index in range(len(header)):
        if not filled[index] or wordy[index] <= filled[index] / 2:
            continue
        # Averaged over all rows, so a mostly-empty column does not win on a few long cells.
        average = length[index] / len(rows)
        if best is None or average > best_length:
            best, best_length = index, average
    if best is None:
        if any(filled):
            raise ParseError(f"no column of free text (all hold numbers or dates); columns: {_listing(header)}")
        raise ParseError("no text found")
    return best


def _read_rows(text: str, delimiter: str, deadline: Deadline) -> list[tuple[int, list[str]]]:
    """Non-blank rows with their spreadsheet row number (quoted newlines do not start a row)."""
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    rows = []
    try:
        for number, row in enumerate(reader, 1):
            deadline.check()
            if any(cell.strip() for cell in row):
                rows.append((number, row))
    except csv.Error as exc:
        raise ParseError(f"not a readable CSV: {exc} (line {reader.line_num})") from None
    return rows


def parse_csv(data: bytes, options: ParseOptions) -> ParsedDocument:
    """Parse a CSV export into one block per row's text cell, the other cells as its metadata."""
    check_not_empty(data)
    text = decode_text(data)
    csv.field_size_limit(max(csv.field_size_limit(), _FIELD_SIZE_LIMIT))
    delimiter = _sniff_delimiter(text)
    rows = _read_rows(text, delimiter, options.deadline)
    if len(rows) < 2:
        raise ParseError("no text found")
    if len(rows[0][1]) > MAX_COLUMNS:
        raise ParseError(f"has {len(rows[0][1]):,} columns, more than the {MAX_COLUMNS:,} allowed in a table")
    header = _header_names(rows[0][1])
    width = len(header)
    ragged: list[int] = []
    records: list[tuple[int, list[str], str]] = []
    for number, row in rows[1:]:
        if len(row) != width:
            ragged.append(number)
        # Short rows stay short (their missing cells read as empty): padding each one to a wide
        # header would multiply the memory a file of short lines takes. Extra cells are kept, joined
        # as they were written.
        records.append((number, row[:width], delimiter.join(row[width:])))
    text_index = _text_column(header, [cells for _, cells, _ in records], options.text_column, options.deadline)
    builder = DocumentBuilder()
    if ragged:
        builder.warn(
            f"{len(ragged)} row(s) did not have {width} cells like the header (first: row {ragged[0]}); "
            "short rows were padded and extra cells kept under '_extra'"
        )
    for number, cells, extra in records:
        options.deadline.check()
        # Not strict: a short row has fewer cells than the header has names.
        metadata = {name: value.strip() for name, value in zip(header, cells, strict=False) if value.strip()}
        metadata.pop(header[text_index], None)
        if extra.strip():
            metadata["_extra"] = extra
        text = _with_headline(cells[text_index] if text_index < len(cells) else "", metadata)
        # "n/a" and "idk" stay in the document (the row is still a response) but are never ranked.
        builder.add(text, {"row": number}, metadata, passage=not is_non_answer(text))
    return finish(builder)


def _scalar(value: Any) -> str | None:
    """A JSON scalar as text (booleans as JSON writes them); None for null, objects and lists."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (str, int, float)):
        return str(value)
    return None


def _field_text(value: Any) -> str | None:
    if isinstance(value, list):
        items = [_scalar(item) for item in value]
        return ", ".join(item for item in items if item is not None) if None not in items else None
    return _scalar(value)


def _read_records(text: str, builder: DocumentBuilder, deadline: Deadline) -> list[tuple[int, dict[str, Any]]]:
    """JSON objects with their 1-based line numbers; broken lines become warnings."""
    records: list[tuple[int, dict[str, Any]]] = []
    problems: list[str] = []
    for number, line in enumerate(text.split("\n"), 1):
        deadline.check()
        if not line.strip():
            continue
        try:
            value = json.loads(line)
        except json.JSONDecodeError as exc:
            problems.append(f"line {number}: not valid JSON ({exc.msg}); skipped")
            continue
        except ValueError as exc:  # e.g. an integer too long to convert
            problems.append(f"line {number}: not valid JSON ({exc}); skipped")
            continue
        except RecursionError:
            problems.append(f"line {number}: not valid JSON (nested too deeply); skipped")
            continue
        if isinstance(value, dict):
            records.append((number, value))
        else:
            problems.append(f"line {number}: not a JSON object; skipped")
    if not records:
        raise ParseError(f"no JSON object found ({problems[0]})" if problems else "no text found")
    for problem in problems[:_MAX_LINE_WARNINGS]:
        builder.warn(problem)
    if len(problems) > _MAX_LINE_WARNINGS:
        builder.warn(f"{len(problems) - _MAX_LINE_WARNINGS} more broken line(s) skipped")
    return records


def _text_field(records: list[dict[str, Any]], wanted: str | None, deadline: Deadline) -> str:
    """The field holding the free text: the one asked for, a usual name, or the wordiest string field."""
    keys = list(dict.fromkeys(key for record in records for key in record))
    if wanted is not None:
        for key in keys:
            if key.lower() == wanted.strip().lower():
                return key
        raise ParseError(f"no field named {wanted!r}; fields: {_listing(keys)}")
    # One pass over the records: summing each key over every record would take keys × records steps,
    # and records with keys of their own make that quadratic.
    strings, lengths = dict.fromkeys(keys, 0), dict.fromkeys(keys, 0)
    for record in records:
        deadline.check()
        for key, value in record.items():
            if isinstance(value, str):
                strings[key] += 1
                lengths[key] += len(value)
    for name in _TEXT_FIELDS:
        for key in keys:
            if key.lower() == name and strings[key] > len(records) / 2:
                return key
    # Total length ranks fields as their average length would: every field shares the same count.
    best = max((key for key in keys if lengths[key] > 0), key=lambda key: lengths[key], default=None)
    if best is None:
        raise ParseError(f"no field holds text; fields: {_listing(keys)}")
    return best


def parse_jsonl(data: bytes, options: ParseOptions) -> ParsedDocument:
    """Parse JSON Lines into one block per object's text field, its other scalar fields as metadata."""
    check_not_empty(data)
    builder = DocumentBuilder()
    records = _read_records(decode_text(data), builder, options.deadline)
    field = _text_field([record for _, record in records], options.text_field, options.deadline)
    missing: list[int] = []
    for number, record in records:
        options.deadline.check()
        metadata = {}
        for key, value in record.items():
            shown = _field_text(value) if key != field else None
            if shown is not None and shown.strip():
                metadata[key] = shown
        text = record.get(field)
        block = normalize_newlines(_with_headline(text if isinstance(text, str) else "", metadata))
        if not block.strip():
            missing.append(number)
            continue
        builder.add(block, {"line": number}, metadata, passage=not is_non_answer(block))
    if missing:
        builder.warn(f"{len(missing)} record(s) without text in {field!r} skipped (first: line {missing[0]})")
    return finish(builder)
