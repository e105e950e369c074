"""The OpenAPI description of the saved-insights routes, merged into the API's document."""

from __future__ import annotations

from typing import Any

from insights.saved.collection import MAX_QUOTE, MAX_SUMMARY, MAX_TITLE
from insights.saved.evidence import STATUSES
from insights.web.openapi import (
    INTEGER,
    OBJECT,
    OPTIONAL_STRING,
    STRING,
    Schema,
    _errors,
    _id,
    _json,
    _object,
    _query,
    _ref,
)

OPTIONAL_INTEGER: Schema = {"type": ["integer", "null"]}

SCHEMAS: dict[str, Schema] = {
    "Evidence": _object({
        "id": INTEGER,
        "insight_id": INTEGER,
        "quote": {**STRING, "description": "The verbatim quote as saved; never replaced by the document's new text."},
        "document_id": {**INTEGER, "description": "The document's id when the quote was saved."},
        "char_start": {**INTEGER, "description": "Where the quote started in the document's text when saved."},
        "char_end": INTEGER,
        "content_hash": {**STRING, "description": "The document's content hash when the quote was saved."},
        "added_at": STRING,
        "title": STRING,
        "kind": STRING,
        "participant": OPTIONAL_STRING,
        "segment": OPTIONAL_STRING,
        "competitor": OPTIONAL_STRING,
        "date": OPTIONAL_STRING,
        "format": {**OPTIONAL_STRING, "description": "The source document's format (md, vtt, csv...); md is Markdown."},
        "locator": OBJECT,
        "status": {"type": "string", "enum": list(STATUSES),
                   "description": "ok: the quote is at its saved offsets; moved: the document changed but holds the "
                                  "exact quote at current_start; stale: the document changed and lost the quote; "
                                  "removed: no document has this source any more."},
        "current_document_id": OPTIONAL_INTEGER,
        "current_start": OPTIONAL_INTEGER,
        "current_end": OPTIONAL_INTEGER,
        "passage_id": {**OPTIONAL_INTEGER, "description": "The current passage holding the quote, for linking."},
        "citation": {**STRING, "description": "title · kind · participant · locator · date"},
        "note": {**STRING, "description": "What a reader must know when the status is stale or removed; else empty."},
    }, "A verbatim quote backing an insight, checked against its source on every read."),
    "EvidenceInput": {
        "type": "object",
        "description": "A passage (optionally only an exact excerpt of it), or a span of a document.",
        "properties": {
            "passage_id": INTEGER,
            "quote": {**STRING, "maxLength": MAX_QUOTE,
                      "description": "With passage_id: keep only this exact excerpt of the passage."},
            "document_id": INTEGER,
            "char_start": INTEGER,
            "char_end": INTEGER,
        },
    },
    "Insight": _object({
        "id": INTEGER,
        "title": STRING,
        "summary": STRING,
        "created_at": STRING,
        "updated_at": STRING,
        "evidence": {"type": "array", "items": _ref("Evidence")},
        "counts": _object({status: INTEGER for status in STATUSES}),
    }, "A finding written down once, with the evidence behind it."),
}

_INSIGHT = _json(_object({"insight": _ref("Insight")}), "The insight.")


def paths() -> dict[str, Any]:
    """Return the /api/v1/insights paths."""
    insight_id = _id("insight_id", "insight")
    return {
        "/api/v1/insights": {
            "get": {
                "operationId": "insights", "tags": ["insights"],
                "summary": "List saved insights, newest first, or search their titles, summaries and quotes.",
                "parameters": [_query("q", STRING, "Words to match; the last one may be a prefix.")],
                "responses": {
                    "200": _json(_object({"query": STRING, "insights": {"type": "array", "items": _ref("Insight")}}),
                                 "The insights, best match first when searching."),
                    **_errors("500"),
                },
            },
            "post": {
                "operationId": "create_insight", "tags": ["insights"],
                "summary": "Save a new insight with its first evidence, all or nothing.",
                "requestBody": {"required": True, "content": {"application/json": {"schema": {
                    "type": "object", "required": ["title"], "properties": {
                        "title": {**STRING, "maxLength": MAX_TITLE},
                        "summary": {**STRING, "maxLength": MAX_SUMMARY},
                        "evidence": {"type": "array", "items": _ref("EvidenceInput")},
                    }}}}},
                "responses": {
                    "201": {**_json(_object({"insight": _ref("Insight")}), "Saved."),
                            "headers": {"Location": {"description": "The insight's URL.", "schema": STRING}}},
                    **_errors("400", "500"),
                },
            },
        },
        "/api/v1/insights/{insight_id}": {
            "parameters": [insight_id],
            "get": {
                "operationId": "insight", "tags": ["insights"],
                "summary": "Fetch an insight with every quote, its citation and its status.",
                "responses": {"200": _INSIGHT, **_errors("404", "500")},
            },
            "patch": {
                "operationId": "update_insight", "tags": ["insights"],
                "summary": "Change an insight's title and/or summary.",
                "requestBody": {"required": True, "content": {"application/json": {"schema": {
                    "type": "object", "minProperties": 1, "properties": {
                        "title": {**STRING, "maxLength": MAX_TITLE}, "summary": {**STRING, "maxLength": MAX_SUMMARY},
                    }}}}},
                "responses": {"200": _INSIGHT, **_errors("400", "404", "500")},
            },
            "delete": {
                "operationId": "delete_insight", "tags": ["insights"],
                "summary": "Delete an insight and its evidence; the documents stay.",
                "responses": {"204": {"description": "Deleted."}, **_errors("404", "500")},
            },
        },
        "/api/v1/insights/{insight_id}/evidence": {
            "parameters": [insight_id],
            "post": {
                "operationId": "add_evidence", "tags": ["insights"],
                "summary": "Attach a quote to an insight; the same span twice is kept once.",
                "requestBody": {"required": True,
                                "content": {"application/json": {"schema": _ref("EvidenceInput")}}},
                "responses": {"201": _json(_object({"evidence": _ref("Evidence")}), "The evidence as saved."),
                              **_errors("400", "404", "500")},
            },
        },
        "/api/v1/insights/{insight_id}/evidence/{evidence_id}": {
            "parameters": [insight_id, _id("evidence_id", "evidence")],
            "delete": {
                "operationId": "remove_evidence", "tags": ["insights"],
                "summary": "Detach one piece of evidence from an insight.",
                "responses": {"204": {"description": "Removed."}, **_errors("404", "500")},
            },
        },
        "/api/v1/insights/{insight_id}/export.md": {
            "parameters": [insight_id],
            "get": {
                "operationId": "export_insight", "tags": ["insights"],
                "summary": "Download the insight as Markdown, each quote footnoted with its citation and status.",
                "responses": {
                    "200": {"description": "The Markdown file.",
                            "content": {"text/markdown": {"schema": STRING}}},
                    **_errors("404", "500"),
                },
            },
        },
    }
