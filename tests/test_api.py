"""The JSON API through the test client: every route, every error status, and the OpenAPI document."""

from __future__ import annotations

import io
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from werkzeug.test import TestResponse

from insights import create_app
from insights.web import jobs

DANA = (
    "---\ntitle: Interview with Dana\nkind: interview\nparticipant: P01 Dana\nsegment: SMB\n"
    "date: 2026-03-14\ntags: [onboarding, mobile]\n---\n"
    "# Onboarding\n\nIt took me four days to get the first schedule out. I did not know where to start.\n\n"
    "## Mobile\n\nThe app keeps logging me out every morning, so I sign in again before each shift.\n"
)
MARIA = (
    "Interviewer: How was setup?\nMaria: Confusing. The onboarding checklist is buried in settings.\n"
    "Interviewer: Anything else?\nMaria: The payroll export failed with ERR-PAY-214 twice last month.\n"
)
SURVEY = (
    "respondent_id,segment,plan,response\n"
    "R1,Enterprise,Business,We need SSO and audit logs before rolling out to every store.\n"
    "R2,SMB,Starter,Pricing is fair for a small cafe like ours.\n"
    "R3,Mid-market,Team,Jumping to Business just for labor forecasting is steep.\n"
)
DEPUTY = (
    "---\ntitle: Deputy teardown\nkind: competitor-analysis\ncompetitor: Deputy\ndate: 2025-06-01\n"
    "tags: [pricing]\n---\n# Pricing\n\nDeputy charges per user and bundles onboarding help for free.\n"
)


def make_app(tmp_path: Path, **config: Any) -> Flask:
    """Return an app over ``tmp_path/data`` with the hashing embedder and CSRF on, as in production."""
    return create_app({"TESTING": True, "DATA_DIR": str(tmp_path / "data"), "MODEL": "hashing",
                       "WTF_CSRF_ENABLED": True, **config})


@pytest.fixture
def app(tmp_path: Path) -> Iterator[Flask]:
    """Return a fresh app; no background worker runs under TESTING."""
    app = make_app(tmp_path)
    yield app
    app.extensions["insights"].close()


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    """Return a test client for the app."""
    return app.test_client()


def upload(client: FlaskClient, files: dict[str, str | bytes], **fields: Any) -> TestResponse:
    """POST files (name → content) and batch fields to the upload endpoint."""
    parts = [(io.BytesIO(c.encode() if isinstance(c, str) else c), name) for name, c in files.items()]
    return client.post("/api/v1/uploads", data={"files": parts, **fields}, content_type="multipart/form-data")


def work(app: Flask) -> None:
    """Work every queued job, as the background worker would."""
    while jobs.run_one(app.extensions["insights"]):
        pass


@pytest.fixture
def seeded(app: Flask, client: FlaskClient) -> dict[str, int]:
    """Upload four documents in three batches through the API; return their ids by file name."""
    for files, fields in [
        ({"dana.md": DANA, "deputy.md": DEPUTY}, {}),
        ({"maria call.txt": MARIA}, {"kind": "interview", "tags": ["payroll", "onboarding"], "date": "2025-11-02",
                                     "participant": "P02 Maria"}),
        ({"survey.csv": SURVEY}, {"kind": "survey", "tags": "pricing, plans", "date": "2026-01-20",
                                  "text_column": "response"}),
    ]:
        assert upload(client, files, **fields).status_code == 202
    work(app)
    ids = {d["filename"]: d["id"] for d in client.get("/api/v1/documents").json["documents"]}
    assert set(ids) == {"dana.md", "deputy.md", "maria call.txt", "survey.csv"}
    return ids


def search(client: FlaskClient, query: str = "", **params: Any) -> TestResponse:
    """GET a search with ``q`` and any other parameters (lists repeat the parameter)."""
    return client.get("/api/v1/search", query_string={"q": query, **params})


def assert_error(response: TestResponse, status: int, *words: str) -> None:
    """Check the API's error shape, its status and that the message mentions each word."""
    assert response.status_code == status, response.get_data(as_text=True)
    assert response.is_json
    error = response.json["error"]
    assert error["status"] == status
    for word in words:
        assert word in error["message"]


# -- search ------------------------------------------------------------------------------------------


def test_search_returns_cited_passages_that_are_slices_of_their_documents(client, seeded):
    response = search(client, "onboarding checklist", limit=50)
    assert response.status_code == 200
    body = response.json
    assert (body["query"], body["mode"], body["filters"], body["offset"], body["limit"]) == (
        "onboarding checklist", "hybrid", {}, 0, 50)
    assert body["hits"] and body["total"] >= len(body["hits"])
    assert body["hits"][0]["filename"] == "maria call.txt"
    texts = {}
    for hit in body["hits"]:
        if hit["document_id"] not in texts:
            texts[hit["document_id"]] = client.get(f"/api/v1/documents/{hit['document_id']}").json["document"]["text"]
        assert hit["text"] == texts[hit["document_id"]][hit["char_start"] : hit["char_end"]]
        for start, end in hit["highlights"]:
            assert f"**{hit['text'][start:end]}**" in hit["snippet"]
    # Every candidate has exactly one kind, so the kind facet accounts for all of them.
    assert sum(f["count"] for f in body["facets"]["kind"]) == body["total"]
    assert set(body["facets"]) == {"kind", "competitor", "participant", "segment", "tag"}


@pytest.mark.parametrize("mode", ["keyword", "semantic", "hybrid"])
def test_every_mode_answers(client, seeded, mode):
    body = search(client, "payroll export", mode=mode).json
    assert body["mode"] == mode
    assert any("ERR-PAY-214" in hit["text"] for hit in body["hits"])


@pytest.mark.parametrize(("params", "expected"), [
    ({"kind": "interview"}, {"dana.md", "maria call.txt"}),
    ({"kind": ["survey", "competitor-analysis"]}, {"survey.csv", "deputy.md"}),
    ({"tag": "pricing"}, {"survey.csv", "deputy.md"}),
    ({"tag": ["pricing", "plans"]}, {"survey.csv"}),  # several tags must all match
    ({"competitor": "deputy"}, {"deputy.md"}),
    ({"participant": "P02 Maria"}, {"maria call.txt"}),
    ({"from": "2026-01-01"}, {"dana.md", "survey.csv"}),
    ({"to": "2025-12"}, {"maria call.txt", "deputy.md"}),
    ({"from": "2025-11-01", "to": "2026-02-01"}, {"maria call.txt", "survey.csv"}),
])
def test_filters_narrow_the_results(client, seeded, params, expected):
    body = search(client, "onboarding pricing schedule payroll", mode="semantic", limit=200, **params).json
    names = {name for name, id_ in seeded.items() if any(h["document_id"] == id_ for h in body["hits"])}
    assert names == expected
    assert body["total"] == len(body["hits"])
    assert body["filters"]  # echoed back
    # Facets count the filtered candidates only.
    assert sum(f["count"] for f in body["facets"]["kind"]) == body["total"]


def test_filter_by_document_and_echo_of_filters(client, seeded):
    body = search(client, "onboarding", mode="semantic", limit=200, document=seeded["dana.md"], tag="Mobile").json
    assert body["filters"] == {"document": [seeded["dana.md"]], "tag": ["Mobile"]}
    assert body["hits"] and {h["document_id"] for h in body["hits"]} == {seeded["dana.md"]}


def test_offset_pages_through_the_same_ranking(client, seeded):
    everything = search(client, "onboarding schedule", limit=200).json
    ranking = [h["passage_id"] for h in everything["hits"]]
    assert len(ranking) >= 4
    paged = []
    for offset in range(0, len(ranking), 3):
        page = search(client, "onboarding schedule", limit=3, offset=offset).json
        assert (page["offset"], page["limit"], page["total"]) == (offset, 3, everything["total"])
        paged += [h["passage_id"] for h in page["hits"]]
    assert paged == ranking
    assert search(client, "onboarding schedule", limit=3, offset=len(ranking)).json["hits"] == []


@pytest.mark.parametrize(("params", "words"), [
    ({}, ["'q'"]),
    ({"q": "   "}, ["'q'"]),
    ({"q": "x", "mode": "fuzzy"}, ["'mode'", "hybrid"]),
    ({"q": "x", "from": "yesterday"}, ["'from'", "yesterday"]),
    ({"q": "x", "to": "2026-13-45"}, ["'to'"]),
    ({"q": "x", "limit": "0"}, ["'limit'"]),
    ({"q": "x", "offset": "ten"}, ["'offset'"]),
    ({"q": "x", "kind": "podcast"}, ["podcast"]),
    ({"q": "x", "document": "dana"}, ["'document'"]),
])
def test_search_rejects_bad_parameters(client, params, words):
    assert_error(client.get("/api/v1/search", query_string=params), 400, *words)


def test_search_on_an_empty_repository_finds_nothing(client):
    body = search(client, "anything").json
    assert (body["hits"], body["total"]) == ([], 0)


def test_search_with_another_model_than_the_data_is_a_conflict(tmp_path, seeded):
    other = make_app(tmp_path, MODEL="some-other-model")  # the model is never loaded: the check comes first
    assert_error(other.test_client().get("/api/v1/search?q=onboarding"), 409, "hashing", "reindex")
    # Keyword search needs no vectors, so it still works.
    assert other.test_client().get("/api/v1/search?q=onboarding&mode=keyword").status_code == 200
    other.extensions["insights"].close()


# -- documents ---------------------------------------------------------------------------------------


def test_documents_lists_every_document_with_counts_and_tags(client, seeded):
    documents = client.get("/api/v1/documents").json["documents"]
    by_name = {d["filename"]: d for d in documents}
    assert by_name["dana.md"]["title"] == "Interview with Dana"
    assert by_name["dana.md"]["tags"] == ["mobile", "onboarding"]
    assert by_name["maria call.txt"]["tags"] == ["onboarding", "payroll"]  # from the batch fields
    assert by_name["maria call.txt"]["participant"] == "P02 Maria"
    assert by_name["survey.csv"]["kind"] == "survey"
    assert all(d["passages"] >= 1 and "text" not in d for d in documents)


@pytest.mark.parametrize(("params", "expected"), [
    ({"kind": "interview"}, {"dana.md", "maria call.txt"}),
    ({"tag": "PRICING"}, {"survey.csv", "deputy.md"}),
    ({"competitor": "Deputy"}, {"deputy.md"}),
    ({"kind": "interview", "tag": "mobile"}, {"dana.md"}),
])
def test_documents_filters(client, seeded, params, expected):
    documents = client.get("/api/v1/documents", query_string=params).json["documents"]
    assert {d["filename"] for d in documents} == expected


def test_documents_rejects_an_unknown_kind(client):
    assert_error(client.get("/api/v1/documents?kind=podcast"), 400, "podcast")


def test_document_has_its_text_and_passages_in_order(client, seeded):
    doc = client.get(f"/api/v1/documents/{seeded['dana.md']}").json["document"]
    assert doc["id"] == seeded["dana.md"]
    assert "four days" in doc["text"] and "---" not in doc["text"]  # front matter is metadata, not text
    assert [p["seq"] for p in doc["passages"]] == list(range(len(doc["passages"])))
    for passage in doc["passages"]:
        assert passage["document_id"] == doc["id"]
        assert passage["text"] == doc["text"][passage["char_start"] : passage["char_end"]]


def test_delete_removes_the_document_from_listing_and_search(client, seeded):
    dana = seeded["dana.md"]
    response = client.delete(f"/api/v1/documents/{dana}")
    assert (response.status_code, response.data) == (204, b"")
    assert_error(client.get(f"/api/v1/documents/{dana}"), 404, str(dana))
    assert dana not in {d["id"] for d in client.get("/api/v1/documents").json["documents"]}
    assert all(h["document_id"] != dana for h in search(client, "logging me out", limit=200).json["hits"])
    assert_error(client.delete(f"/api/v1/documents/{dana}"), 404)


def test_put_tags_replaces_them_and_search_sees_it(client, seeded):
    maria = seeded["maria call.txt"]
    response = client.put(f"/api/v1/documents/{maria}/tags", json={"tags": ["Churn-Risk", " payroll", "churn-risk"]})
    assert response.status_code == 200
    assert response.json == {"id": maria, "tags": ["churn-risk", "payroll"]}
    assert client.get(f"/api/v1/documents/{maria}").json["document"]["tags"] == ["churn-risk", "payroll"]
    hits = search(client, "payroll", tag="churn-risk", limit=200).json["hits"]
    assert hits and {h["document_id"] for h in hits} == {maria}
    assert client.put(f"/api/v1/documents/{maria}/tags", json={"tags": []}).json["tags"] == []


@pytest.mark.parametrize("body", [
    {"data": "{not json", "content_type": "application/json"},
    {"data": '{"tags": ["a"]}', "content_type": "text/plain"},
    {"data": ""},
    {"json": ["a", "b"]},
    {"json": {"tag": ["a"]}},
    {"json": {"tags": "a, b"}},
    {"json": {"tags": ["a", 1]}},
    {"json": {"tags": None}},
])
def test_put_tags_rejects_anything_but_a_list_of_strings(client, seeded, body):
    assert_error(client.put(f"/api/v1/documents/{seeded['dana.md']}/tags", **body), 400, "tags")


def test_put_tags_on_a_missing_document_is_404(client):
    assert_error(client.put("/api/v1/documents/999/tags", json={"tags": ["a"]}), 404, "999")


# -- uploads and batches -----------------------------------------------------------------------------


def test_upload_queues_a_batch_and_the_location_follows_it(app, client):
    response = upload(client, {"dana.md": DANA, "survey.csv": SURVEY}, kind="survey", segment="SMB")
    assert response.status_code == 202
    queued = response.json["batch"]
    assert response.headers["Location"] == f"/api/v1/batches/{queued['id']}"
    assert queued["metadata"] == {"kind": "survey", "segment": "SMB"}
    assert [j["status"] for j in queued["jobs"]] == ["queued", "queued"]
    assert (queued["total"], queued["done"], queued["finished"]) == (2, 0, False)

    work(app)
    batch = client.get(response.headers["Location"]).json["batch"]
    assert [(j["filename"], j["status"]) for j in batch["jobs"]] == [("dana.md", "added"), ("survey.csv", "added")]
    assert (batch["done"], batch["finished"], batch["counts"]["added"]) == (2, True, 2)
    assert all(j["document_id"] and j["passages"] >= 1 for j in batch["jobs"])
    # The file's own front matter wins over the batch's kind; the batch fills what the file leaves unset.
    dana = client.get(f"/api/v1/documents/{batch['jobs'][0]['document_id']}").json["document"]
    assert (dana["kind"], dana["segment"]) == ("interview", "SMB")


def test_the_same_file_twice_is_unchanged(app, client):
    first = upload(client, {"dana.md": DANA}).json["batch"]["id"]
    work(app)
    second = upload(client, {"dana.md": DANA}).json["batch"]["id"]
    work(app)
    jobs_ = [client.get(f"/api/v1/batches/{i}").json["batch"]["jobs"][0] for i in (first, second)]
    assert [j["status"] for j in jobs_] == ["added", "unchanged"]
    assert jobs_[0]["document_id"] == jobs_[1]["document_id"]
    assert len(client.get("/api/v1/documents").json["documents"]) == 1


def test_a_broken_file_fails_alone_with_a_message(app, client):
    batch_id = upload(client, {"empty.md": "", "dana.md": DANA}).json["batch"]["id"]
    work(app)
    batch = client.get(f"/api/v1/batches/{batch_id}").json["batch"]
    failed, added = batch["jobs"]
    assert (failed["status"], failed["document_id"]) == ("failed", None)
    assert failed["message"]
    assert added["status"] == "added"
    assert (batch["counts"]["failed"], batch["counts"]["added"], batch["finished"]) == (1, 1, True)


def test_a_hostile_file_name_is_kept_as_data_and_escaped_on_every_page(app, client):
    name = "<img src=x onerror=alert(1)>.txt"
    response = upload(client, {name: MARIA})  # no front matter: the name is its title
    assert response.status_code == 202
    assert response.json["batch"]["jobs"][0]["filename"] == name  # JSON carries it as data, verbatim
    work(app)
    document_id = client.get("/api/v1/documents").json["documents"][0]["id"]
    batch_id = response.json["batch"]["id"]
    for page in ("/documents", f"/documents/{document_id}", f"/upload/batches/{batch_id}"):
        body = client.get(page).get_data(as_text=True)
        assert "<img" not in body and "&lt;img src=x onerror=alert(1)&gt;" in body, page


@pytest.mark.parametrize(("files", "words"), [
    ({"malware.exe": b"MZ"}, ["malware.exe", "'.exe'", ".md"]),
    ({"dana.md": DANA, "notes": "no suffix"}, ["'notes'", "no suffix"]),
    ({"../": "x"}, ["no usable name"]),
])
def test_unsupported_or_unnamed_files_refuse_the_whole_upload(app, client, files, words):
    assert_error(upload(client, files), 400, *words)
    assert not jobs.run_one(app.extensions["insights"])  # nothing was queued
    assert_error(client.get("/api/v1/batches/1"), 404)


@pytest.mark.parametrize(("fields", "words"), [
    ({"kind": "podcast"}, ["podcast"]),
    ({"date": "someday"}, ["'date'", "someday"]),
])
def test_upload_rejects_bad_batch_fields(client, fields, words):
    assert_error(upload(client, {"dana.md": DANA}, **fields), 400, *words)


def test_upload_without_files_is_400(client):
    assert_error(client.post("/api/v1/uploads", data={"kind": "note"}), 400, "'files'")


def test_upload_wakes_a_running_worker(app, client):
    # A real worker, registered but not started: only its wake event is observed.
    worker = app.extensions["insights.worker"] = jobs.Worker(app.extensions["insights"])
    assert not worker.wake.is_set()
    assert upload(client, {"dana.md": DANA}).status_code == 202
    assert worker.wake.is_set()


def test_an_upload_larger_than_the_limit_is_413(tmp_path):
    app = make_app(tmp_path, MAX_CONTENT_LENGTH=1024)
    response = upload(app.test_client(), {"big.txt": "x" * 4096})
    assert_error(response, 413, "1,024")
    assert not jobs.run_one(app.extensions["insights"])
    app.extensions["insights"].close()


def test_api_is_exempt_from_csrf_but_the_upload_form_is_not(app, client):
    assert upload(client, {"dana.md": DANA}).status_code == 202  # WTF_CSRF_ENABLED is on in this app
    if not any(rule.rule == "/upload" for rule in app.url_map.iter_rules()):
        pytest.skip("no HTML upload form yet")
    form = {"files": [(io.BytesIO(DANA.encode()), "dana.md")]}
    response = client.post("/upload", data=form, content_type="multipart/form-data")
    assert response.status_code == 400
    assert not response.is_json  # a page for people, not the API's JSON


# -- errors ------------------------------------------------------------------------------------------


@pytest.mark.parametrize("path", ["/api/v1/documents/999", "/api/v1/batches/999"])
def test_missing_things_are_json_404(client, path):
    assert_error(client.get(path), 404, "999")


def test_unknown_api_paths_are_json_404(client):
    assert_error(client.get("/api/v1/no-such-thing"), 404)
    assert_error(client.get("/api/v2/search"), 404)


@pytest.mark.parametrize(("method", "path"), [
    ("post", "/api/v1/documents"),
    ("put", "/api/v1/search"),
    ("patch", "/api/v1/documents/1"),
    ("get", "/api/v1/uploads"),
])
def test_wrong_methods_are_json_405(client, method, path):
    assert_error(getattr(client, method)(path), 405)


def test_unexpected_failures_are_json_500_without_details(tmp_path, monkeypatch):
    app = make_app(tmp_path, PROPAGATE_EXCEPTIONS=False)  # behave as in production, not as under test

    def broken() -> list[dict[str, Any]]:
        raise RuntimeError("secret detail")

    monkeypatch.setattr(app.extensions["insights"], "documents", broken)
    response = app.test_client().get("/api/v1/documents")
    assert_error(response, 500, "internal server error")
    assert "secret" not in response.get_data(as_text=True)
    app.extensions["insights"].close()


def test_api_responses_keep_the_security_headers(client):
    response = client.get("/api/v1/documents/999")
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert "Content-Security-Policy" in response.headers


# -- the OpenAPI document ----------------------------------------------------------------------------


@pytest.fixture
def spec(client: FlaskClient) -> dict[str, Any]:
    """Return the served OpenAPI document."""
    response = client.get("/api/v1/openapi.json")
    assert response.status_code == 200
    return response.json


def api_routes(app: Flask) -> dict[str, set[str]]:
    """Return each /api/v1 rule in OpenAPI form (``<int:id>`` → ``{id}``) with its methods."""
    routes: dict[str, set[str]] = {}
    for rule in app.url_map.iter_rules():
        if rule.rule.startswith("/api/v1"):
            path = re.sub(r"<(?:[^:<>]+:)?([^<>]+)>", r"{\1}", rule.rule)
            routes.setdefault(path, set()).update(m.lower() for m in rule.methods - {"HEAD", "OPTIONS"})
    return routes


HTTP_METHODS = {"get", "put", "post", "delete", "patch", "head", "options", "trace"}


def test_openapi_documents_every_route_and_only_real_ones(app, spec):
    documented = {path: set(item) & HTTP_METHODS for path, item in spec["paths"].items()}
    assert documented == api_routes(app)


def test_openapi_operation_ids_are_the_endpoints(app, spec):
    endpoints = {(re.sub(r"<(?:[^:<>]+:)?([^<>]+)>", r"{\1}", r.rule), m.lower()): r.endpoint
                 for r in app.url_map.iter_rules() if r.rule.startswith("/api/v1")
                 for m in r.methods - {"HEAD", "OPTIONS"}}
    for (path, method), endpoint in endpoints.items():
        assert f"api.{spec['paths'][path][method]['operationId']}" == endpoint


def test_openapi_path_parameters_match_the_rule(spec):
    for path, item in spec["paths"].items():
        declared = {p["name"] for p in item.get("parameters", []) if p["in"] == "path"}
        for method in set(item) & HTTP_METHODS:
            declared |= {p["name"] for p in item[method].get("parameters", []) if p["in"] == "path"}
        assert declared == set(re.findall(r"{(\w+)}", path)), path


def test_openapi_document_is_valid(spec):
    validator = pytest.importorskip("openapi_spec_validator")
    validator.validate(spec)


def conforms(spec: dict[str, Any], name: str, instance: Any) -> None:
    """Validate ``instance`` against a component schema of the served document."""
    jsonschema = pytest.importorskip("jsonschema")
    from referencing import Registry
    from referencing.jsonschema import DRAFT202012

    registry = Registry().with_resource("urn:insights-api", DRAFT202012.create_resource(spec))
    schema = {"$ref": f"urn:insights-api#/components/schemas/{name}"}
    jsonschema.Draft202012Validator(schema, registry=registry).validate(instance)


def test_responses_match_their_documented_schemas(app, client, seeded, spec):
    conforms(spec, "SearchResult", search(client, "onboarding", tag="onboarding", **{"from": "2025-01"}).json)
    for doc in client.get("/api/v1/documents").json["documents"]:
        conforms(spec, "DocumentSummary", doc)
        conforms(spec, "Document", client.get(f"/api/v1/documents/{doc['id']}").json["document"])
    conforms(spec, "Tags", client.put(f"/api/v1/documents/{seeded['dana.md']}/tags", json={"tags": ["a"]}).json)
    queued = upload(client, {"empty.md": "", "dana.md": DANA}).json["batch"]
    conforms(spec, "Batch", queued)
    work(app)
    conforms(spec, "Batch", client.get(f"/api/v1/batches/{queued['id']}").json["batch"])
    for response in (client.get("/api/v1/search"), client.get("/api/v1/documents/999"), client.post("/api/v1/search")):
        conforms(spec, "Error", response.json)
