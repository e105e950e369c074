"""The OpenAPI 3.1 description of the JSON API, written out as data."""

from __future__ import annotations

from typing import Any

from ingest.metadata import KINDS
from ingest.parsers import supported_suffixes
from insights.search.engine import MODES
from insights.web.jobs import FINAL, QUEUED, RUNNING

Schema = dict[str, Any]

STRING: Schema = {"type": "string"}
INTEGER: Schema = {"type": "integer"}
OPTIONAL_STRING: Schema = {"type": ["string", "null"]}
OBJECT: Schema = {"type": "object"}
STRINGS: Schema = {"type": "array", "items": STRING}


def _ref(name: str) -> Schema:
    """Return a reference to a component schema."""
    return {"$ref": f"#/components/schemas/{name}"}


def _object(properties: dict[str, Schema], description: str = "") -> Schema:
    """Return an object schema whose every listed property is always present."""
    schema: Schema = {"type": "object", "properties": properties, "required": list(properties)}
    if description:
        schema["description"] = description
    return schema


#: Fields every document listing and document view carries.
DOCUMENT_FIELDS: dict[str, Schema] = {
    "id": INTEGER,
    "filename": STRING,
    "format": STRING,
    "title": STRING,
    "kind": STRING,
    "date": OPTIONAL_STRING,
    "participant": OPTIONAL_STRING,
    "segment": OPTIONAL_STRING,
    "competitor": OPTIONAL_STRING,
    "author": OPTIONAL_STRING,
    "added_at": STRING,
    "updated_at": STRING,
    "tags": STRINGS,
}


def _json(schema: Schema, description: str) -> dict[str, Any]:
    """Return a response carrying JSON of ``schema``."""
    return {"description": description, "content": {"application/json": {"schema": schema}}}


#: The error responses, each the same JSON shape.
ERRORS = {
    "400": "A parameter or the body is invalid; the message says which and why.",
    "401": "Accounts exist and the request has no current session and no valid `Authorization: Bearer` token.",
    "403": "The user's role or the token's scope does not allow this, or a write came from another site's page "
           "(its Origin, Sec-Fetch-Site or Referer is not this server).",
    "404": "No such document, batch, theme, competitor, insight, evidence or path.",
    "405": "The path exists but not with this method.",
    "409": "The repository was embedded with another model than the one configured.",
    "413": "The request is larger than the server accepts, or has more form parts than it accepts.",
    "500": "Something went wrong on the server.",
    "503": "Another change is being written; retry after the Retry-After seconds. Nothing was changed.",
}


def _errors(*codes: str) -> dict[str, Any]:
    """Return the listed error responses."""
    return {code: {"$ref": f"#/components/responses/Error{code}"} for code in codes}


def _query(name: str, schema: Schema, description: str, repeatable: bool = False) -> dict[str, Any]:
    """Return a query parameter; a repeatable one is sent as ``?tag=a&tag=b``."""
    if repeatable:
        return {"name": name, "in": "query", "description": description,
                "schema": {"type": "array", "items": schema}, "style": "form", "explode": True}
    return {"name": name, "in": "query", "description": description, "schema": schema}


def _id(name: str, what: str) -> dict[str, Any]:
    """Return an integer path parameter."""
    return {"name": name, "in": "path", "required": True, "description": f"The {what}'s id.", "schema": INTEGER}


DATE_RULE = "an ISO date, 2026-03-14 or 2026-03"

FILTER_PARAMETERS = [
    _query("kind", {"type": "string", "enum": list(KINDS)}, "Only this kind of source; several match any.", True),
    _query("tag", STRING, "Only documents with this tag; several must all match.", True),
    _query("participant", STRING, "Only this participant (case-insensitive); several match any.", True),
    _query("segment", STRING, "Only this customer segment; several match any.", True),
    _query("competitor", STRING, "Only passages about this competitor; several match any.", True),
    _query("author", STRING, "Only documents by this author; several match any.", True),
    _query("document", INTEGER, "Only passages of this document id; several match any.", True),
    _query("from", STRING, f"Only passages dated on or after this day: {DATE_RULE}."),
    _query("to", STRING, f"Only passages dated on or before this day (a month means all of it): {DATE_RULE}."),
]

COUNTS: Schema = {"type": "object", "additionalProperties": INTEGER}
THEME_SCHEMAS: dict[str, Schema] = {
    "Evidence": _object({
        "passages": {**INTEGER, "description": "Passages in the theme, copies included."},
        "quotes": {**INTEGER, "description": "Distinct quotes: near-identical passages count once."},
        "documents": {**INTEGER, "description": "Distinct documents."},
        "participants": {**INTEGER, "description": "Distinct people: a named participant, else one per record "
                         "(row, line) of a record file, else one per document; unnamed copies count once."},
        "kinds": {**COUNTS, "description": "Distinct people by source kind."},
        "segments": {**COUNTS, "description": "Distinct people by segment."},
    }, "How strong a theme is."),
    "Quote": {"allOf": [_ref("Hit"), _object({"copies": {**INTEGER, "description":
                                                          "Near-identical passages this quote stands for."}})]},
    "Theme": _object({
        "id": {**INTEGER, "description": "The theme's rank in its scope (1 = most evidence); stable for the data."},
        "label": STRING,
        "terms": {**STRINGS, "description": "The distinctive words and word pairs of the label."},
        "evidence": _ref("Evidence"),
        "quotes": {"type": "array", "items": _ref("Quote"), "description": "The most representative quotes."},
        "passage_ids": {"type": "array", "items": INTEGER, "description": "Every passage of the theme."},
    }),
    "ThemeReport": _object({
        "query": STRING,
        "filters": _ref("Filters"),
        "passages": {**INTEGER, "description": "Passages in the scope."},
        "unthemed": {**INTEGER, "description": "Passages in no theme (too short, or saying something few others say)."},
        "themes": {"type": "array", "items": _ref("Theme")},
    }),
    "Competitor": _object({"name": STRING, "customer_passages": INTEGER, "analysis_passages": INTEGER}),
    "CompetitorView": _object({"name": STRING, "customers": _ref("ThemeReport"), "analyses": _ref("ThemeReport")},
                              "Themes in what customers say about a competitor, and in our competitor analyses."),
    "Side": _object({"name": STRING, "passages": INTEGER, "hits": {"type": "array", "items": _ref("Hit")},
                     "themes": {"type": "array", "items": _ref("Theme")}}),
    "Comparison": _object({"query": STRING, "left": _ref("Side"), "right": _ref("Side")}),
}

SCHEMAS: dict[str, Schema] = {
    "Error": _object({"error": _object({"status": INTEGER, "message": STRING})}, "Every error, whatever its status."),
    "Me": _object({"name": STRING, "role": {"enum": ["viewer", "contributor", "admin"]},
                   "single_user": {"type": "boolean"}, "token_scope": {"enum": ["read", "write", None]}},
                  "The current user; single_user: no accounts exist and this is the person at the machine."),
    "Filters": {
        "type": "object",
        "description": "The filters that were set; unset ones are left out.",
        "properties": {
            **{name: STRINGS for name in ("kind", "tag", "participant", "segment", "competitor", "author")},
            "document": {"type": "array", "items": INTEGER},
            "date_from": STRING,
            "date_to": STRING,
            "contains": {**STRINGS, "description": 'Phrases every passage must contain, from "quoted" query parts.'},
        },
    },
    "Hit": _object({
        "passage_id": INTEGER,
        "document_id": INTEGER,
        "title": STRING,
        "kind": STRING,
        "text": {**STRING, "description": "The passage, exactly the document's text[char_start:char_end]."},
        "snippet": {**STRING, "description": "The text with matched query terms wrapped in **."},
        "score": {"type": "number", "description": "Higher is better; comparable only within one search."},
        "char_start": INTEGER,
        "char_end": INTEGER,
        "locator": {**OBJECT, "description": "Where in the source: heading, page, row, speaker or time; in a "
                                             "transcript also role (interviewer or participant) and, on an "
                                             "answer, prompt: the question that led to it."},
        "date": OPTIONAL_STRING,
        "participant": OPTIONAL_STRING,
        "segment": OPTIONAL_STRING,
        "competitor": OPTIONAL_STRING,
        "author": OPTIONAL_STRING,
        "filename": {**STRING, "description": "The file's name as uploaded or ingested (no server path)."},
        "format": {**STRING, "description": "The document's format (md, vtt, csv...); md text is Markdown."},
        "tags": STRINGS,
        "metadata": OBJECT,
        "highlights": {"type": "array", "description": "Offsets of matched terms inside text.",
                       "items": {"type": "array", "items": INTEGER, "minItems": 2, "maxItems": 2}},
    }, "One passage that answers the question, with everything needed to cite it."),
    "Facet": _object({"value": STRING, "count": INTEGER}),
    "SearchResult": _object({
        "query": STRING,
        "mode": {"type": "string", "enum": list(MODES)},
        "filters": _ref("Filters"),
        "weak_match": {"type": "boolean", "description": "Nothing answers the question well (gibberish, off-topic, "
                       "or a language the model does not read): the hits are only the closest passages."},
        "total": {**INTEGER, "description": "Candidates found (at most the ranking depth), for paging."},
        "offset": INTEGER,
        "limit": INTEGER,
        "hits": {"type": "array", "items": _ref("Hit")},
        "facets": {"type": "object", "description": "Counts over all candidates by kind, competitor, "
                   "participant, segment and tag, most common first.",
                   "additionalProperties": {"type": "array", "items": _ref("Facet")}},
    }),
    "DocumentSummary": _object({
        **DOCUMENT_FIELDS,
        "size": {**INTEGER, "description": "The original file's size in bytes."},
        "passages": {**INTEGER, "description": "How many passages the document was cut into."},
    }),
    "Passage": _object({
        "id": INTEGER,
        "document_id": INTEGER,
        "seq": INTEGER,
        "text": STRING,
        "char_start": INTEGER,
        "char_end": INTEGER,
        "locator": OBJECT,
        "metadata": OBJECT,
        "participant": OPTIONAL_STRING,
        "segment": OPTIONAL_STRING,
        "competitor": OPTIONAL_STRING,
        "date": OPTIONAL_STRING,
    }),
    "Document": _object({
        **DOCUMENT_FIELDS,
        "size": INTEGER,
        "text": {**STRING, "description": "The full extracted text; passages are slices of it."},
        "metadata": OBJECT,
        "passages": {"type": "array", "items": _ref("Passage")},
    }, "One document with its full text and its passages in reading order."),
    "Job": _object({
        "id": INTEGER,
        "filename": {**STRING, "description": "The sanitised file name."},
        "size": INTEGER,
        "status": {"type": "string", "enum": [QUEUED, RUNNING, *FINAL]},
        "message": {**OPTIONAL_STRING, "description": "Why a file failed, or what was only partly read."},
        "document_id": {"type": ["integer", "null"]},
        "passages": {"type": ["integer", "null"]},
    }),
    "Batch": _object({
        "id": INTEGER,
        "created_at": STRING,
        "actor": {**STRING, "description": "Who uploaded the batch (\"local\" in single-user mode)."},
        "metadata": {**OBJECT, "description": "The metadata given once for every file of the batch."},
        "jobs": {"type": "array", "items": _ref("Job")},
        "counts": _object({state: INTEGER for state in (QUEUED, RUNNING, *FINAL)}),
        "total": INTEGER,
        "done": INTEGER,
        "finished": {"type": "boolean", "description": "Whether every job has reached a final status."},
    }, "Files uploaded together, each ingested by its own job."),
    "Tags": _object({"id": INTEGER, "tags": STRINGS}),
    "AuditEntry": _object({
        "id": INTEGER,
        "at": {**STRING, "description": "When, in UTC: 2026-03-14T09:30:00Z."},
        "actor": {**STRING, "description": "Who: an account's name, `local`, or the name a failed sign-in tried."},
        "action": {**STRING, "description": "What: document.add, export, login.failed, user.role, token.create..."},
        "target": {**STRING, "description": "On what: document:12, insight:3, user:dana, token:7, search..."},
        "detail": {**OBJECT, "description": "The particulars (a title, a query, a role before and after)."},
    }, "One audited action."),
    **THEME_SCHEMAS,
}


def _paths() -> dict[str, Any]:
    """Return the API's paths, operations named after their Flask endpoints."""
    suffixes = ", ".join(supported_suffixes())
    return {
        "/api/v1/search": {"get": {
            "operationId": "search", "tags": ["search"],
            "summary": "Find the passages that best answer a question.",
            "parameters": [
                {**_query("q", STRING, 'The question; "quoted phrases" must appear verbatim.'), "required": True},
                _query("mode", {"type": "string", "enum": list(MODES), "default": "hybrid"},
                       "Keyword (BM25), semantic (embeddings) or both fused."),
                _query("limit", {**INTEGER, "minimum": 1, "maximum": 200, "default": 10}, "Hits per page."),
                _query("offset", {**INTEGER, "minimum": 0, "maximum": 10_000, "default": 0}, "Hits to skip."),
                _query("page", {**INTEGER, "minimum": 1, "maximum": 1000}, "A 1-based page; offset wins."),
                *FILTER_PARAMETERS,
            ],
            "responses": {"200": _json(_ref("SearchResult"), "One page of hits."), **_errors("400", "409", "500")},
        }},
        "/api/v1/documents": {"get": {
            "operationId": "documents", "tags": ["documents"],
            "summary": "List every document, newest first.",
            "parameters": [p for p in FILTER_PARAMETERS if p["name"] in ("kind", "tag", "competitor")],
            "responses": {
                "200": _json(_object({"documents": {"type": "array", "items": _ref("DocumentSummary")}}),
                             "The documents, without their text."),
                **_errors("400", "500"),
            },
        }},
        "/api/v1/documents/{document_id}": {
            "parameters": [_id("document_id", "document")],
            "get": {
                "operationId": "document", "tags": ["documents"],
                "summary": "Fetch one document with its full text and passages.",
                "responses": {"200": _json(_object({"document": _ref("Document")}), "The document."),
                              **_errors("404", "500")},
            },
            "delete": {
                "operationId": "delete_document", "tags": ["documents"],
                "summary": "Delete a document with its passages and vectors.",
                "responses": {"204": {"description": "Deleted."}, **_errors("404", "500", "503")},
            },
        },
        "/api/v1/documents/{document_id}/tags": {
            "parameters": [_id("document_id", "document")],
            "put": {
                "operationId": "set_tags", "tags": ["documents"],
                "summary": "Replace a document's tags.",
                "requestBody": {"required": True,
                                "content": {"application/json": {"schema": _object({"tags": STRINGS})}}},
                "responses": {"200": _json(_ref("Tags"), "The tags as stored: lower case, sorted, de-duplicated."),
                              **_errors("400", "404", "500", "503")},
            },
        },
        "/api/v1/uploads": {"post": {
            "operationId": "upload", "tags": ["uploads"],
            "summary": "Queue files for ingest as one batch.",
            "description": f"Supported suffixes: {suffixes}. One unsupported, unnamed or over-size file refuses "
                           "the whole request. An upload is known by its name and content together: the same "
                           "file again is `unchanged` (or `updated` with new metadata); any other file is a "
                           "document of its own, even under a name another document has, unless `replace` "
                           "names the document it is a new version of. Poll the batch at the Location header "
                           "until `finished`.",
            "requestBody": {"required": True, "content": {"multipart/form-data": {
                "schema": {"type": "object", "required": ["files"], "properties": {
                    "files": {"type": "array", "minItems": 1,
                              "items": {"type": "string", "contentMediaType": "application/octet-stream"}},
                    "kind": {"type": "string", "enum": list(KINDS)},
                    "tags": {**STRINGS, "description": "Repeat the field or separate tags with commas."},
                    "participant": STRING,
                    "segment": STRING,
                    "competitor": STRING,
                    "author": STRING,
                    "date": {**STRING, "description": DATE_RULE},
                    "interviewer": {**STRING, "description": "Who asks in these transcripts (names separated by "
                                                             "commas); recognised by label and behaviour if unset."},
                    "text_column": {**STRING, "description": "The CSV column holding free text; detected if unset."},
                    "text_field": {**STRING, "description": "The JSON Lines field with free text; detected if unset."},
                    "replace": {**INTEGER, "description": "The id of the document this one file is a new version "
                                                          "of; its citations and saved evidence follow it."},
                    "collection": {**STRING, "description": "A restricted collection you are a member of (any, for "
                                                            "an admin): only its members and admins see the files."},
                }},
            }}},
            "responses": {
                "202": {**_json(_object({"batch": _ref("Batch")}), "Queued."),
                        "headers": {"Location": {"description": "The batch's URL.", "schema": STRING}}},
                **_errors("400", "413", "500"),
            },
        }},
        "/api/v1/batches/{batch_id}": {"get": {
            "operationId": "batch", "tags": ["uploads"],
            "summary": "Follow an upload batch: each file's status and the counts.",
            "parameters": [_id("batch_id", "batch")],
            "responses": {"200": _json(_object({"batch": _ref("Batch")}), "The batch."), **_errors("404", "500")},
        }},
        **_theme_paths(),
        "/api/v1/openapi.json": {"get": {
            "operationId": "openapi", "tags": ["meta"],
            "summary": "This document.",
            "security": [],  # public: it describes the API and holds no data
            "responses": {"200": _json(OBJECT, "The OpenAPI 3.1 description of the API.")},
        }},
        "/api/v1/audit": {"get": {
            "operationId": "audit", "tags": ["meta"],
            "summary": "The audit log, newest first: who uploaded, changed, deleted or exported what, sign-ins, "
                       "and changes to people and tokens.",
            "parameters": [
                _query("since", STRING, "Only entries at or after this time: 2026-03-14, 2026-03-14T09:30:00Z, "
                                        "or a duration back from now: 7d, 12h, 30m, 2w."),
                _query("user", STRING, "Only what this user did (`local` for single-user mode and the CLI)."),
                _query("action", STRING, "Only this action or its sub-actions: `document` matches `document.add`, "
                                         "`document.delete`..."),
                _query("before", INTEGER, "Only entries older than this entry id: pass `next_before` for the next "
                                          "page."),
                _query("limit", {**INTEGER, "minimum": 1, "maximum": 1000, "default": 100}, "Entries per page."),
            ],
            "responses": {"200": _json(_object({
                "entries": {"type": "array", "items": _ref("AuditEntry")},
                "next_before": {"type": ["integer", "null"], "description": "The `before` of the next (older) page; "
                                "null on the last page."}}), "A page of entries."), **_errors("400", "500")},
        }},
        "/api/v1/me": {"get": {
            "operationId": "me", "tags": ["meta"],
            "summary": "Who the request acts for: the account, its role and, with a token, the token's scope.",
            "responses": {"200": _json(_object({"user": _ref("Me")}), "The current user."), **_errors("500")},
        }},
    }


def _guarded(paths: dict[str, Any]) -> dict[str, Any]:
    """Add what the one permission check answers: each operation's permission, 401 and 403."""
    from insights.web.auth import ENDPOINTS, FIRST_ROLE, PUBLIC

    for item in paths.values():
        for method, operation in item.items():
            if method == "parameters":
                continue
            need = ENDPOINTS[f"api.{operation['operationId']}"]
            operation["x-permission"] = need
            if need != PUBLIC:
                operation["description"] = (f"Needs the {need} permission (role {FIRST_ROLE[need]} or above"
                                             + (", and a token of the write scope)." if need != "read" else ")."))
                operation["responses"] = {**operation["responses"], **_errors("401", "403")}
    return paths


def _theme_paths() -> dict[str, Any]:
    """Return the paths of themes and competitors."""
    scope = [
        _query("q", STRING, "Optional question: group only the passages that best answer it."),
        _query("mode", {"type": "string", "enum": list(MODES), "default": "hybrid"}, "How the question ranks."),
        *FILTER_PARAMETERS,
    ]
    quotes = _query("quotes", {**INTEGER, "minimum": 1, "maximum": 50, "default": 3}, "Quotes shown per theme.")
    side = "A competitor's name, or `us` for what customers say about no competitor."
    return {
        "/api/v1/themes": {"get": {
            "operationId": "themes", "tags": ["themes"],
            "summary": "Group the passages of a scope into themes, strongest evidence first.",
            "parameters": [*scope, quotes],
            "responses": {"200": _json(_ref("ThemeReport"), "The themes."), **_errors("400", "409", "500")},
        }},
        "/api/v1/themes/{theme_id}": {"get": {
            "operationId": "theme", "tags": ["themes"],
            "summary": "One theme of a scope with every one of its quotes.",
            "parameters": [{**_id("theme_id", "theme"), "description": "The theme's number: its rank in the scope."},
                           *scope],
            "responses": {"200": _json(_object({"query": STRING, "filters": _ref("Filters"), "theme": _ref("Theme")}),
                                       "The theme."), **_errors("400", "404", "409", "500")},
        }},
        "/api/v1/competitors": {"get": {
            "operationId": "competitors", "tags": ["competitors"],
            "summary": "List competitors with how much customers and our analyses say about each.",
            "responses": {"200": _json(_object({"competitors": {"type": "array", "items": _ref("Competitor")}}),
                                       "The competitors."), **_errors("500")},
        }},
        "/api/v1/competitors/{name}": {"get": {
            "operationId": "competitor", "tags": ["competitors"],
            "summary": "Themes in what customers say about a competitor beside those in our analyses.",
            "parameters": [{"name": "name", "in": "path", "required": True, "schema": STRING,
                            "description": "The competitor's name (case-insensitive)."}, quotes],
            "responses": {"200": _json(_ref("CompetitorView"), "The two sets of themes."),
                          **_errors("400", "404", "500")},
        }},
        "/api/v1/compare": {"get": {
            "operationId": "compare", "tags": ["competitors"],
            "summary": "Two competitors, or us and one, side by side on a question.",
            "parameters": [{**_query("q", STRING, "The question."), "required": True},
                           {**_query("left", STRING, side), "required": True},
                           {**_query("right", STRING, side), "required": True}],
            "responses": {"200": _json(_ref("Comparison"), "The best quotes and themes of each side."),
                          **_errors("400", "404", "409", "500")},
        }},
    }


def openapi_document() -> dict[str, Any]:
    """Return the OpenAPI 3.1 document for /api/v1."""
    # Imported here: the saved-insights part builds on this module's helpers.
    from insights.web import openapi_saved

    return {
        "openapi": "3.1.0",
        "info": {
            "title": "Insights API",
            "version": "1",
            "summary": "Search, browse, tag, upload and save findings from user research in a self-hosted "
                       "Insights repository.",
            "description": 'Errors are always JSON: `{"error": {"status": 404, "message": "..."}}`.\n\n'
                           "Authentication: once accounts exist, send `Authorization: Bearer TOKEN` (create a token "
                           "at /account/tokens or with `insights tokens create`) or the session cookie of a signed-in "
                           "browser. With no accounts, a server on loopback needs neither (single-user mode). "
                           "Each operation's `x-permission` names what it needs: read (viewer), write "
                           "(contributor) or admin; a read-scoped token may only read.",
        },
        "security": [{"bearer": []}, {"session": []}],
        "tags": [{"name": "search"}, {"name": "documents"}, {"name": "uploads"}, {"name": "themes"},
                 {"name": "competitors"}, {"name": "insights"}, {"name": "meta"}],
        "paths": _guarded({**_paths(), **openapi_saved.paths()}),
        "components": {
            "schemas": {**SCHEMAS, **openapi_saved.SCHEMAS},
            "responses": {f"Error{code}": _json(_ref("Error"), text) for code, text in ERRORS.items()},
            "securitySchemes": {
                "bearer": {"type": "http", "scheme": "bearer",
                           "description": "An API token (`ins_...`), scoped read or write, from /account/tokens."},
                "session": {"type": "apiKey", "in": "cookie", "name": "insights_session",
                            "description": "The session cookie a browser gets at /login."},
            },
        },
    }
