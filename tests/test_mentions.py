"""One definition of "about a competitor": the search filter, its facet and the competitor pages agree."""

from __future__ import annotations

import json
import re
from collections import Counter
from pathlib import Path

import pytest
from bs4 import BeautifulSoup
from click.testing import CliRunner
from flask import Flask
from flask.testing import FlaskClient

from insights import create_app
from insights.cli.main import cli
from insights.filters import Filters
from insights.repository import Repository
from insights.synthesis.competitors import CUSTOMER_KINDS

ANALYSIS = """---
title: RotaMate teardown
kind: competitor-analysis
competitor: RotaMate
---
# Pricing

Free for up to ten users; the paid plan costs two dollars fifty per user per month.

# Reports

Reports are weak: there is no overtime report and no export of labor cost per location.

# Setup

Setup takes nine minutes with a guided wizard that creates roles and locations for you.
"""

#: Filed under ShiftPilot by the batch; its second section also names RotaMate.
SHIFTPILOT = """# Scheduling

The schedule is built by an assistant from a labor budget in seconds.

# Sync

The phone and the web disagree for hours, which RotaMate never got wrong.
"""

INTERVIEW = """Lena: What did you use before?
Nadia: We ran the stores on rotamate for two years, it was cheap and simple.
Lena: Why did you switch?
Nadia: The schedule on the phone would not match the web, shifts came out twice.
"""

#: R1 names RotaMate only in its product column, R2 only in its text ("RotaMate's" is a whole word).
REVIEWS = """review_id,product,text
R1,RotaMate,Free for our small team and the schedule is simple enough for everyone to use
R2,ShiftCraft,"The app is fine, but I wish RotaMate's free plan had pushed you to lower prices"
R3,ShiftCraft,AutoFill builds our schedule in minutes and respects everyone's availability
"""

#: T1 names two competitors in a field; T2 names a product that only starts with one ("RotaMateX").
TICKETS = """ticket_id,customer,previous_tool,text
T1,Acme Cafe,"RotaMate, then ShiftPilot",The payroll export drops overtime hours for staff with two roles
T2,Birch Bakery,,The RotaMateX import tool left our schedule half empty after the move
T3,Cedar Clinic,,The mobile app logs me out every morning before my shift
"""

#: Counted by hand from the files above: (customer passages, analysis passages).
EXPECTED = {"RotaMate": (4, 4), "ShiftPilot": (1, 2)}


@pytest.fixture
def research(tmp_path: Path) -> Path:
    """Return a folder of research files about two competitors, named in metadata, text and fields."""
    folder = tmp_path / "research"
    folder.mkdir()
    for name, text in {"rotamate.md": ANALYSIS, "shiftpilot.md": SHIFTPILOT, "nadia.txt": INTERVIEW,
                       "reviews.csv": REVIEWS, "tickets.csv": TICKETS}.items():
        (folder / name).write_text(text, encoding="utf-8")
    return folder


def fill(repo: Repository, folder: Path) -> None:
    """Ingest the research the way a team files it."""
    repo.ingest([folder / "rotamate.md"])
    repo.ingest([folder / "shiftpilot.md"], {"kind": "competitor-analysis", "competitor": "ShiftPilot"})
    repo.ingest([folder / "nadia.txt"], {"kind": "interview"})
    repo.ingest([folder / "reviews.csv"], {"kind": "review"})
    repo.ingest([folder / "tickets.csv"], {"kind": "support-ticket"})


def split(kinds: Counter[str]) -> tuple[int, int]:
    """Return (customer passages, analysis passages) among counted kinds."""
    return sum(n for k, n in kinds.items() if k in CUSTOMER_KINDS), kinds["competitor-analysis"]


# -- the CLI ----------------------------------------------------------------------------------------


def scope(runner: CliRunner, competitor: str) -> list[dict]:
    """Return every passage a search filtered by one competitor may return, through the CLI."""
    return invoke(runner, "search", "schedule", "--competitor", competitor, "--mode", "semantic",
                  "--limit", "100")["hits"]


def invoke(runner: CliRunner, *args: str) -> dict:
    """Run a CLI command with --json and return its output."""
    result = runner.invoke(cli, [*args, "--json"])
    assert result.exit_code == 0, result.output
    return json.loads(result.output)


def test_cli_filter_finds_every_passage_the_competitor_list_counts(runner: CliRunner, research: Path) -> None:
    for args in (["rotamate.md"], ["shiftpilot.md", "--kind", "competitor-analysis", "--competitor", "ShiftPilot"],
                 ["nadia.txt", "--kind", "interview"], ["reviews.csv", "--kind", "review"],
                 ["tickets.csv", "--kind", "support-ticket"]):
        result = runner.invoke(cli, ["ingest", str(research / args[0]), *args[1:]])
        assert result.exit_code == 0, result.output
    listing = {c["name"]: (c["customer_passages"], c["analysis_passages"])
               for c in invoke(runner, "competitors")["competitors"]}
    assert listing == EXPECTED
    for name in EXPECTED:
        assert split(Counter(h["kind"] for h in scope(runner, name))) == listing[name], name
    hits = scope(runner, "rotamate")
    # The customers are in scope: the interview and the review that name it, the ticket whose field does.
    assert {h["kind"] for h in hits} == {"interview", "review", "support-ticket", "competitor-analysis"}
    assert not any("RotaMateX" in h["text"] for h in hits)
    assert scope(runner, "Acme") == []


# -- the library: derived data follows the documents --------------------------------------------------


def test_a_competitor_no_metadata_names_any_more_is_no_competitor(repo: Repository, research: Path) -> None:
    fill(repo, research)
    assert len(repo.scope(filters=Filters(competitor=("RotaMate",)))) == sum(EXPECTED["RotaMate"])
    [analysis] = [d for d in repo.documents() if d["competitor"] == "RotaMate"]
    repo.remove(analysis["id"])
    # Nothing files anything under RotaMate now: the passages naming it are no longer a competitor's.
    assert repo.catalog().competitors == ["ShiftPilot"]
    assert repo.scope(filters=Filters(competitor=("RotaMate",))) == []
    repo.ingest([research / "rotamate.md"])
    assert len(repo.scope(filters=Filters(competitor=("RotaMate",)))) == sum(EXPECTED["RotaMate"])


# -- HTTP: the API and the pages ----------------------------------------------------------------------


@pytest.fixture
def app(tmp_path: Path, research: Path) -> Flask:
    """Return an app over the research about two competitors."""
    app = create_app({"TESTING": True, "DATA_DIR": str(tmp_path / "data"), "MODEL": "hashing"})
    fill(app.extensions["insights"], research)
    return app


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    """Return a test client."""
    return app.test_client()


def api_search(client: FlaskClient, query: str) -> dict:
    """Return the API's answer to a semantic search with every candidate on one page."""
    response = client.get(f"/api/v1/search?q=schedule&mode=semantic&limit=200{query}")
    assert response.status_code == 200, response.json
    return response.json


def test_api_filter_facet_and_competitor_list_agree(client: FlaskClient) -> None:
    listing = {c["name"]: (c["customer_passages"], c["analysis_passages"])
               for c in client.get("/api/v1/competitors").json["competitors"]}
    assert listing == EXPECTED
    everything = api_search(client, "")
    facet = {f["value"]: f["count"] for f in everything["facets"]["competitor"]}
    assert facet == {name: sum(counts) for name, counts in EXPECTED.items()}
    for name, counts in EXPECTED.items():
        scoped = api_search(client, f"&competitor={name}")
        assert scoped["total"] == sum(counts)
        assert split(Counter(h["kind"] for h in scoped["hits"])) == counts
        # Within the filter, the facet counts the same passages again.
        assert {f["value"]: f["count"] for f in scoped["facets"]["competitor"]}[name] == sum(counts)
    assert api_search(client, "&competitor=Acme")["total"] == 0


def test_pages_count_what_the_filtered_search_finds(client: FlaskClient) -> None:
    page = BeautifulSoup(client.get("/competitors").data, "html.parser")
    rows = {row.td.get_text(strip=True): [int(td.get_text()) for td in row.select("td.number")]
            for row in page.select("table.competitors tbody tr")}
    assert rows == {name: list(counts) for name, counts in EXPECTED.items()}
    for name, counts in EXPECTED.items():
        search = BeautifulSoup(client.get(f"/?q=schedule&mode=semantic&competitor={name}").data, "html.parser")
        assert int(search.select_one(".summary-count strong").get_text()) == sum(counts)
        facet = {li.a.get_text(strip=True): int(re.sub(r"\D", "", li.select_one(".count").get_text()))
                 for li in search.select("ul.facet-competitor li")}
        assert facet[name] == sum(counts)
        assert client.get(f"/competitors/{name}").status_code == 200
    known = BeautifulSoup(client.get("/?q=schedule").data, "html.parser")
    unknown = BeautifulSoup(client.get("/?q=schedule&competitor=Acme").data, "html.parser")
    assert known.select("li.hit") and unknown.select("li.hit") == []


def test_library_and_documents_api_filter_by_the_same_definition(client: FlaskClient, app: Flask) -> None:
    repo = app.extensions["insights"]
    by_name = {d["filename"]: d["id"] for d in repo.documents()}
    # Which documents speak of RotaMate, counted by hand: its teardown (metadata), ShiftPilot's analysis
    # and Nadia's interview (their words), the reviews (a product field and a text), the tickets (a field).
    expected = {by_name[n] for n in ("rotamate.md", "shiftpilot.md", "nadia.txt", "reviews.csv", "tickets.csv")}
    listed = {d["id"] for d in client.get("/api/v1/documents?competitor=RotaMate").json["documents"]}
    assert listed == expected
    expected_pilot = {by_name[n] for n in ("shiftpilot.md", "tickets.csv")}
    assert {d["id"] for d in client.get("/api/v1/documents?competitor=shiftpilot").json["documents"]} == expected_pilot
    assert client.get("/api/v1/documents?competitor=Acme").json["documents"] == []
    page = BeautifulSoup(client.get("/documents?competitor=RotaMate").data, "html.parser")
    linked = {int(a["href"].rsplit("/", 1)[1]) for a in page.select("a[href^='/documents/']")
              if a["href"].rsplit("/", 1)[1].isdigit()}
    assert linked == expected
    # The Library offers every competitor the competitor pages know, not only those filed in metadata.
    options = {o.get_text(strip=True) for o in page.select("select[name=competitor] option")}
    assert {"RotaMate", "ShiftPilot"} <= options


def test_a_competitor_s_other_names_count_as_naming_it(repo: Repository, tmp_path: Path) -> None:
    folder = tmp_path / "aliases"
    folder.mkdir()
    (folder / "teardown.md").write_text(
        "---\ncompetitor: ShiftPilot\nkind: competitor-analysis\naliases: [PilotAI, Shift Pilot]\n---\n"
        "# Assistant\n\nThe assistant builds a week from a labor budget.\n", encoding="utf-8")
    (folder / "maya.txt").write_text("PilotAI scheduled people on their days off, so we stopped trusting it.\n",
                                     encoding="utf-8")
    (folder / "omar.txt").write_text("Our old shift pilot app kept crashing on Sundays.\n", encoding="utf-8")
    (folder / "lee.txt").write_text("The pilot program ran for a month; PilotAIX is another product.\n",
                                    encoding="utf-8")
    repo.ingest([folder / "teardown.md"])
    repo.ingest([folder / n for n in ("maya.txt", "omar.txt", "lee.txt")], {"kind": "interview"})
    about = repo.scope(filters=Filters(competitor=("ShiftPilot",)))
    texts = {repo.store.db.execute("SELECT text FROM passages WHERE id = ?", (i,)).fetchone()[0] for i in about}
    assert any("PilotAI scheduled" in t for t in texts)
    assert any("shift pilot app" in t for t in texts)
    assert not any("PilotAIX" in t for t in texts)  # a whole word only
    [maya] = [d["id"] for d in repo.documents() if d["filename"] == "maya.txt"]
    assert maya in repo.documents_about(["shiftpilot"])
    # Aliases belong to the competitor: PilotAI itself is no competitor of its own.
    assert repo.competitor_names() == ["ShiftPilot"]
    # Over its limits, the file that sets them fails.
    (folder / "many.md").write_text("---\ncompetitor: X\naliases: [" + ", ".join(f"n{i}" for i in range(21))
                                    + "]\n---\nText.\n", encoding="utf-8")
    report = repo.ingest([folder / "many.md"])
    assert report.failed and "at most 20 aliases" in report.failed[0].reason
