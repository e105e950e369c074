"""Normalise document and record metadata into the fields search filters on."""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

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
FIELDS = ("title", "kind", "date", "participant", "segment", "competitor", "tags", "author")

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
    """Return a sorted, de-duplicated list of tags from a list or a comma-separated string."""
    if value is None:
        return []
    items = value if isinstance(value, (list, tuple, set)) else str(value).split(",")
    return sorted({str(item).strip().lower() for item in items if str(item).strip()})


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
    """Keep the known fields of ``raw`` in canonical form; return them and any warnings."""
    out: dict[str, Any] = {}
    warnings: list[str] = []
    lowered = {str(k).strip().lower(): v for k, v in raw.items()}
    for key in FIELDS:
        value = lowered.get(key)
        if value is None or value == "" or value == []:
            continue
        if key == "tags":
            out["tags"] = normalize_tags(value)
        elif key == "date":
            date = normalize_date(value)
            if date is None:
                warnings.append(f"date {value!r} is not a date like 2024-05-17; ignored")
            else:
                out["date"] = date
        elif key == "kind":
            kind = normalize_kind(value)
            if kind is None:
                warnings.append(f"kind {value!r} is not one of {', '.join(KINDS)}; ignored")
            else:
                out["kind"] = kind
        else:
            out[key] = ", ".join(map(str, value)) if isinstance(value, list) else str(value).strip()
    return out, warnings


def record_fields(record: dict[str, Any]) -> dict[str, str]:
    """Map a record's columns onto passage-level filter fields (participant, segment, ...)."""
    fields: dict[str, str] = {}
    for column, value in record.items():
        field = RECORD_ALIASES.get(str(column).strip().lower())
        if field is None or value in (None, ""):
            continue
        text = normalize_date(value) if field == "date" else str(value).strip()
        if text:
            fields.setdefault(field, text)
    return fields
