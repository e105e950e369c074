"""Read and validate request parameters shared by the pages and the API."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

from flask import request
from werkzeug.datastructures import MultiDict

from ingest.errors import MetadataError
from ingest.metadata import KINDS, MAX_NAME_CHARS, normalize_date, validate_metadata
from insights.filters import Filters
from insights.search.engine import MODES

#: Filter parameters, as they appear in URLs.
FILTER_FIELDS = ("kind", "tag", "participant", "segment", "competitor", "author", "document")


#: The largest id SQLite can store; a bigger number names nothing.
MAX_ID = 2**63 - 1
#: The most interviewer names one batch may give.
MAX_INTERVIEWERS = 20


class BadRequest(ValueError):
    """A parameter is invalid; the message says which and why."""


def parse_id(raw: str, name: str) -> int:
    """Return an id parameter: ASCII digits naming a number SQLite can hold.

    :raises BadRequest: for anything else (``²``, ``-1``, ``1e3``, 2**63).
    """
    raw = raw.strip()
    if not (raw.isascii() and raw.isdigit()) or len(raw) > 19 or not 0 < int(raw) <= MAX_ID:
        raise BadRequest(f"'{name}' must be an id (a whole number from 1 to {MAX_ID}), not {raw[:30]!r}")
    return int(raw)


@dataclass(frozen=True)
class SearchParams:
    """A validated search request."""

    query: str
    mode: str = "hybrid"
    filters: Filters = field(default_factory=Filters)
    limit: int = 10
    offset: int = 0


def json_body(example: str) -> Any:
    """Return the request's JSON body; errors end with ``example``, the shape expected.

    :raises BadRequest: for another content type, malformed or too deeply nested JSON, or a string
        holding a lone surrogate (``"\\ud800"`` is valid JSON but not text anything can store).
    """
    if not request.is_json:
        raise BadRequest(f"send a JSON body with Content-Type: application/json, like {example}")
    try:
        value = json.loads(request.get_data(cache=True))
    except RecursionError:
        raise BadRequest(f"the JSON body is nested too deeply; send one like {example}") from None
    except ValueError as ex:
        raise BadRequest(f"the body is not valid JSON ({str(ex)[:100]}); send one like {example}") from None
    pending = [value]
    while pending:
        item = pending.pop()
        if isinstance(item, dict):
            pending.extend(item.keys())
            pending.extend(item.values())
        elif isinstance(item, list):
            pending.extend(item)
        elif isinstance(item, str) and not _encodable(item):
            raise BadRequest("the JSON body holds a lone surrogate (an escape from \\ud800 to \\udfff), "
                             "which is not text")
    return value


def _encodable(text: str) -> bool:
    """Return whether a string is valid Unicode text (no lone surrogates)."""
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def _values(args: MultiDict[str, str], name: str) -> tuple[str, ...]:
    """Return the non-blank values of a repeatable parameter."""
    return tuple(v.strip() for v in args.getlist(name) if v.strip())


def _date(args: MultiDict[str, str], name: str) -> str | None:
    """Return an ISO date parameter, or None when absent."""
    raw = args.get(name, "").strip()
    if not raw:
        return None
    date = normalize_date(raw)
    if date is None:
        raise BadRequest(f"'{name}' must be a date like 2026-03-14, not {raw!r}")
    return date


def _int(args: MultiDict[str, str], name: str, default: int, low: int, high: int) -> int:
    """Return an integer parameter within bounds."""
    raw = args.get(name, "").strip()
    if not raw:
        return default
    try:
        value = int(raw)
    except ValueError:
        raise BadRequest(f"'{name}' must be a whole number, not {raw!r}") from None
    if not low <= value <= high:
        raise BadRequest(f"'{name}' must be between {low} and {high}")
    return value


def filters_from(args: MultiDict[str, str]) -> Filters:
    """Build search filters from query parameters.

    :raises BadRequest: for an unknown kind, a bad date or a non-numeric document id.
    """
    kinds = _values(args, "kind")
    unknown = [k for k in kinds if k not in KINDS]
    if unknown:
        raise BadRequest(f"unknown kind {unknown[0]!r}; use one of {', '.join(KINDS)}")
    documents = tuple(parse_id(d, "document") for d in _values(args, "document"))
    return Filters(kind=kinds, tag=_values(args, "tag"), participant=_values(args, "participant"),
                   segment=_values(args, "segment"), competitor=_values(args, "competitor"),
                   author=_values(args, "author"), document=documents,
                   date_from=_date(args, "from"), date_to=_date(args, "to"))


def search_params(args: MultiDict[str, str], per_page: int = 10) -> SearchParams:
    """Validate a search request: ``q``, ``mode``, ``limit``, ``offset`` or ``page``, and the filters.

    :raises BadRequest: with the first problem found.
    """
    mode = args.get("mode", "hybrid") or "hybrid"
    if mode not in MODES:
        raise BadRequest(f"'mode' must be one of {', '.join(MODES)}")
    limit = _int(args, "limit", per_page, 1, 200)
    page = _int(args, "page", 1, 1, 1000)
    offset = _int(args, "offset", (page - 1) * limit, 0, 10_000)
    return SearchParams(args.get("q", "").strip(), mode, filters_from(args), limit, offset)


def batch_metadata(form: MultiDict[str, str]) -> dict[str, Any]:
    """Validate the metadata entered once for a batch of uploads.

    :raises BadRequest: for an unknown kind, a bad date, or a field or tag over its limit.
    """
    kind = form.get("kind", "").strip()
    if kind and kind not in KINDS:
        raise BadRequest(f"unknown kind {kind!r}; use one of {', '.join(KINDS)}")
    metadata: dict[str, Any] = {"kind": kind or None, "date": _date(form, "date"),
                                "tags": ",".join(form.getlist("tags"))}
    for name in ("participant", "segment", "competitor", "author"):
        metadata[name] = form.get(name, "").strip() or None
    try:
        checked = validate_metadata({k: v for k, v in metadata.items() if v})
    except MetadataError as ex:
        raise BadRequest(str(ex)) from None
    interviewers = sorted({n.strip() for v in form.getlist("interviewer") for n in v.split(",") if n.strip()})
    if any(len(n) > MAX_NAME_CHARS for n in interviewers) or len(interviewers) > MAX_INTERVIEWERS:
        raise BadRequest(f"at most {MAX_INTERVIEWERS} interviewers, each at most {MAX_NAME_CHARS} characters")
    if interviewers:
        checked["interviewers"] = interviewers
    for name in ("text_column", "text_field"):
        value = form.get(name, "").strip()
        if len(value) > MAX_NAME_CHARS:
            raise BadRequest(f"'{name}' is at most {MAX_NAME_CHARS} characters")
        checked[name] = value or None
    return {k: v for k, v in checked.items() if v}
