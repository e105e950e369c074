"""Request threads keep their database connection between requests, and never serve a stale repository from it."""

from __future__ import annotations

from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskClient

from insights import create_app
from insights.config import Settings
from insights.repository import Repository


@pytest.fixture
def app(tmp_path: Path, notes: Path) -> Flask:
    """Return an app over a repository holding the sample notes."""
    app = create_app({"TESTING": True, "DATA_DIR": str(tmp_path / "data"), "MODEL": "hashing",
                      "WTF_CSRF_ENABLED": False})
    app.extensions["insights"].ingest([notes])
    return app


def texts(client: FlaskClient, question: str, mode: str = "keyword") -> list[str]:
    """Return the texts of the API's hits for a question."""
    response = client.get("/api/v1/search", query_string={"q": question, "mode": mode})
    assert response.status_code == 200
    return [hit["text"] for hit in response.get_json()["hits"]]


def test_a_request_thread_keeps_its_connection(app: Flask) -> None:
    client, store = app.test_client(), app.extensions["insights"].store
    assert texts(client, "payroll export")
    kept = store.db
    assert texts(client, "onboarding checklist")
    assert client.get("/?q=onboarding").status_code == 200
    assert store.db is kept


@pytest.mark.parametrize("mode", ["keyword", "hybrid"])
def test_writes_by_another_process_are_searched_at_once(app: Flask, tmp_path: Path, mode: str) -> None:
    """A CLI ingest or removal (another process, its own connection) shows in the next request's answers."""
    client = app.test_client()
    assert not any("zebra" in text for text in texts(client, "zebra crossing", mode))
    note = tmp_path / "street.md"
    note.write_text("---\ntitle: Street notes\n---\nThe zebra crossing outside the depot has no lights.\n")
    other = Repository(Settings(data_dir=tmp_path / "data", model="hashing"))
    other.ingest([note])
    assert "zebra" in texts(client, "zebra crossing", mode)[0]
    (document,) = [d for d in other.documents() if d["title"] == "Street notes"]
    other.remove(document["id"])
    other.close()
    assert not any("zebra" in text for text in texts(client, "zebra crossing", mode))


def test_a_connection_left_inside_a_transaction_is_closed(app: Flask) -> None:
    """A request that left a transaction open must not pin that snapshot, or its locks, for the next request."""
    store = app.extensions["insights"].store
    with app.app_context():
        left = store.db
        left.execute("BEGIN IMMEDIATE")
    assert store.db is not left
    other = Repository(Settings(data_dir=Path(app.config["DATA_DIR"]), model="hashing"))
    with other.store.transaction() as db:  # the write lock is free again
        db.execute("UPDATE meta SET value = value WHERE key = 'model'")
    other.close()
