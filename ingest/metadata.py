"""Normalise document and record metadata into the fields search filters on."""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

from ingest.errors import MetadataError

#: Source kinds a document can have; anything else is refused at the edge.
KINDS = (
    "interview",
    "usability-test",
    "survey",
    "support-ticket",
    "review",
    "competitor-analysis",
    "sales-call",
    "persona",
    "note",
)
DEFAULT_KIND = "note"

#: Document fields a user may set (front matter, CLI flags, upload form).
FIELDS = ("title", "kind", "date", "participant", "segment", "competitor", "aliases", "tags", "author")

# The limits on metadata, one definition for front matter, CLI flags, the upload form and the API.
# A title is a line, a name is a name and a tag is a word or two; anything longer is a mistake or an
# attack, and every value is stored, indexed and shown on every quote card and facet.
MAX_TITLE_CHARS = 300
MAX_NAME_CHARS = 200
MAX_TAG_CHARS = 64
MAX_TAGS = 100
#: Other names of a competitor ("PilotAI" for ShiftPilot's assistant) one document may give.
MAX_ALIASES = 20
#: The longest value of each free-text field, in characters.
FIELD_LIMITS = {
    "title": MAX_TITLE_CHARS,
    "participant": MAX_NAME_CHARS,
    "segment": MAX_NAME_CHARS,
    "competitor": MAX_NAME_CHARS,
    "author": MAX_NAME_CHARS,
}
#: How much of a bad value a message quotes.
_QUOTED_CHARS = 40

#: Record columns (lower-cased) that fill a passage-level field.
RECORD_ALIASES = {
    "participant": "participant",
    "respondent": "participant",
    "customer": "participant",
    "speaker": "participant",
    "segment": "segment",
    "customer segment": "segment",
    "competitor": "competitor",
    "date": "date",
    "created": "date",
    "created_at": "date",
    "submitted": "date",
    "submitted_at": "date",
    "timestamp": "date",
    "author": "author",
}

_DATE = re.compile(r"(\d{4})-(\d{1,2})(?:-(\d{1,2}))?")


def normalize_date(value: Any) -> str | None:
    """Return an ISO date (``YYYY-MM-DD`` or ``YYYY-MM``) from a date, datetime or string, or None."""
    if value is None or value == "":
        return None
    if isinstance(value, dt.datetime):
        return value.date().isoformat()
    if isinstance(value, dt.date):
        return value.isoformat()
    match = _DATE.search(str(value))
    if not match:
        return None
    year, month, day = match.groups()
    try:
        if day is None:
            dt.date(int(year), int(month), 1)
            return f"{int(year):04d}-{int(month):02d}"
        return dt.date(int(year), int(month), int(day)).isoformat()
    except ValueError:
        return None


def normalize_tags(value: Any) -> list[str]:
    """Return a sorted, de-duplicated list of tags from a list or a comma-separated string.

    :raises MetadataError: for more than MAX_TAGS tags or a tag longer than MAX_TAG_CHARS.
    """
    if value is None:
        return []
    items = value if isinstance(value, (list, tuple, set)) else str(value).split(",")
    tags = sorted({str(item).strip().lower() for item in items if str(item).strip()})
    if len(tags) > MAX_TAGS:
        raise MetadataError(f"at most {MAX_TAGS} tags per document; got {len(tags):,}")
    for tag in tags:
        if len(tag) > MAX_TAG_CHARS:
            raise MetadataError(f"a tag is at most {MAX_TAG_CHARS} characters; {quoted(tag)} has {len(tag):,}")
    return tags


def normalize_aliases(value: Any) -> list[str]:
    """Return a competitor's other names from a list or a comma-separated string, one spelling each.

    :raises MetadataError: for more than MAX_ALIASES names or a name longer than MAX_NAME_CHARS.
    """
    items = value if isinstance(value, (list, tuple, set)) else str(value).split(",")
    names: dict[str, str] = {}
    for item in items:
        name = str(item).strip()
        if name:
            names.setdefault(name.lower(), name)
    if len(names) > MAX_ALIASES:
        raise MetadataError(f"at most {MAX_ALIASES} aliases per document; got {len(names):,}")
    for name in names.values():
        if len(name) > MAX_NAME_CHARS:
            raise MetadataError(f"an alias is at most {MAX_NAME_CHARS} characters; {quoted(name)} has {len(name):,}")
    return list(names.values())


def normalize_kind(value: Any) -> str | None:
    """Return a known source kind for loose spellings ("Usability test" → "usability-test"), or None."""
    if value is None or value == "":
        return None
    kind = re.sub(r"[\s_]+", "-", str(value).strip().lower())
    aliases = {"ticket": "support-ticket", "tickets": "support-ticket", "usability": "usability-test",
               "competitor": "competitor-analysis", "sales": "sales-call", "notes": "note"}
    kind = aliases.get(kind, kind)
    return kind if kind in KINDS else None


def normalize_metadata(raw: dict[str, Any]) -> tuple[dict[str, Any], list[str]]:
    """Keep the known fields of ``raw`` in canonical form; return them and any warnings.

    :raises MetadataError: for a value over its limit: a file that sets one fails rather than lose part of it.
    """
    out: dict[str, Any] = {}
    warnings: list[str] = []
    lowered = {str(k).strip().lower(): v for k, v in raw.items()}
    for key in FIELDS:
        value = lowered.get(key)
        if value is None or value == "" or value == []:
            continue
        if key == "tags":
            out["tags"] = normalize_tags(value)
        elif key == "aliases":
            out["aliases"] = normalize_aliases(value)
        elif key == "date":
            date = normalize_date(value)
            if date is None:
                warnings.append(f"date {quoted(value)} is not a date like 2024-05-17; ignored")
            else:
                out["date"] = date
        elif key == "kind":
            kind = normalize_kind(value)
            if kind is None:
                warnings.append(f"kind {quoted(value)} is not one of {', '.join(KINDS)}; ignored")
            else:
                out["kind"] = kind
        else:
            text = ", ".join(map(str, value)) if isinstance(value, list) else str(value).strip()
            limit = FIELD_LIMITS[key]
            if len(text) > limit:
                raise MetadataError(f"{key} is at most {limit:,} characters; this one has {len(text):,}")
            out[key] = text
    return out, warnings


def validate_metadata(raw: dict[str, Any]) -> dict[str, Any]:
    """Return metadata entered for a batch (CLI flags, upload form, API) in canonical form, or refuse it.

    Unlike a file's own metadata, where an unreadable kind or date is only a warning, what a person
    just typed is refused, so they can correct it. Keys other than the document fields are ignored.

    :raises MetadataError: for a value over its limit, an unknown kind or an unreadable date.
    """
    fields, problems = normalize_metadata(raw)
    if problems:
        raise MetadataError(problems[0].removesuffix("; ignored"))
    return fields


def shorten(text: str, limit: int) -> str:
    """Return ``text`` cut to at most ``limit`` characters, at a space where one is near, marked with an ellipsis."""
    if len(text) <= limit:
        return text
    cut = text[: limit - 1]
    space = cut.rfind(" ")
    if space > limit // 2:
        cut = cut[:space]
    return cut.rstrip() + "…"


def clip_fields(metadata: dict[str, Any]) -> dict[str, Any]:
    """Return ``metadata`` with each text field shortened to its limit.

    For values a parser finds in the file itself (a first heading, an HTML <title>, a PDF's or a
    Word file's properties): the file did not declare them as metadata, so an over-long one is
    shortened rather than failing the file.
    """
    return {key: shorten(value, FIELD_LIMITS[key]) if key in FIELD_LIMITS and isinstance(value, str) else value
            for key, value in metadata.items()}


def quoted(value: Any) -> str:
    """Return ``value`` quoted for a message, cut short so that a huge value cannot flood it."""
    if isinstance(value, str):
        return repr(value if len(value) <= _QUOTED_CHARS else value[:_QUOTED_CHARS] + "…")
    text = repr(value)
    return text if len(text) <= _QUOTED_CHARS else text[:_QUOTED_CHARS] + "…"


def record_fields(record: dict[str, Any]) -> dict[str, str]:
    """Map a record's columns onto passage-level filter fields (participant, segment, ...)."""
    fields: dict[str, str] = {}
    for column, value in record.items():
        field = RECORD_ALIASES.get(str(column).strip().lower())
        if field is None or value in (None, ""):
            continue
        text = normalize_date(value) if field == "date" else str(value).strip()
        # A cell longer than any name (an answer pasted into the wrong column, or hostile input) is no
        # filter value: it is left out of the filter columns, where it would bloat every facet, but it
        # stays, whole, in the passage's metadata. Failing the file would lose a survey for one cell,
        # and a truncated name would be a name nobody gave.
        if text and len(text) <= FIELD_LIMITS.get(field, MAX_NAME_CHARS):
            fields.setdefault(field, text)
    return fields
