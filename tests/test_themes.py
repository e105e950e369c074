"""Themes and the competitor view through the library, the CLI, the JSON API and the pages."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from bs4 import BeautifulSoup
from click.testing import CliRunner
from flask import Flask
from flask.testing import FlaskClient

from insights import create_app
from insights.cli.main import cli
from insights.errors import NotFound
from insights.filters import Filters
from insights.repository import Repository

XSS = '<script>alert("x")</script>'

#: Ten tickets on two topics from named customers: one pasted twice, one too short to say anything.
TICKETS = """ticket_id,customer,segment,text
T1,Acme Cafe,SMB,The mobile app logs me out every morning so I sign in again before my shift starts
T2,Birch Bakery,SMB,The mobile app logs me out every evening so I sign in again before my shift ends
T3,Cedar Clinic,SMB,Our mobile app logs staff out every morning and they sign in again before each shift
T4,Dune Logistics,Enterprise,The mobile app logs workers out mid shift so they sign in again before clocking out
T5,Acme Cafe,SMB,The mobile app logs me out again this morning so I sign in again before my shift
T6,Birch Bakery,SMB,The mobile app logs me out every evening so I sign in again before my shift ends
T7,Elm Dental,Mid-market,Payroll export to Gusto drops overtime hours for staff with two roles
T8,Fir Foods,Mid-market,Payroll export to ADP drops overtime hours for staff with two locations
T9,Gum Grocers,Mid-market,The payroll export drops overtime and double time hours for our staff
T10,Hazel Hotel,Mid-market,Payroll export to Gusto drops the overtime hours of part time staff
T11,Ivy Inn,SMB,Thanks!
"""

DANA = """---
title: Interview with Dana
kind: interview
participant: P01 Dana
segment: SMB
date: 2026-03-14
---
Honestly the mobile app logs me out every single morning, so I sign in again before my shift.
"""

#: Evidence worked out by hand from the files above.
LOGOUT = {"passages": 7, "quotes": 6, "documents": 2, "participants": 5,
          "kinds": {"support-ticket": 4, "interview": 1}, "segments": {"SMB": 4, "Enterprise": 1}}
PAYROLL = {"passages": 4, "quotes": 4, "documents": 1, "participants": 4,
           "kinds": {"support-ticket": 4}, "segments": {"Mid-market": 4}}

RIVAL_ANALYSIS = """---
title: RotaMate teardown
kind: competitor-analysis
competitor: RotaMate
---
# Pricing

RotaMate is free for up to ten users and the paid plan costs two dollars fifty per user per month.

# Reports

RotaMate reports are weak: there is no overtime report and no export of labor cost per location.

# Setup

RotaMate setup takes nine minutes with a guided wizard that creates roles and locations for you.
"""

RIVAL_REVIEWS = """review_id,product,text
R1,RotaMate,Free for our small team and the schedule is simple enough for everyone to use
R2,RotaMate,We left because the reports could not show overtime or labor cost per location at all
R3,ShiftCraft,AutoFill builds our schedule in minutes and respects everyone's availability
R4,ShiftCraft,"The app is fine, but I wish RotaMate's free plan had pushed you to lower prices"
"""


@pytest.fixture
def research(tmp_path: Path) -> Path:
    """Return a folder with the tickets and the interview."""
    folder = tmp_path / "research"
    folder.mkdir()
    (folder / "tickets.csv").write_text(TICKETS, encoding="utf-8")
    (folder / "dana.md").write_text(DANA, encoding="utf-8")
    return folder


@pytest.fixture
def filled(repo: Repository, research: Path) -> Repository:
    """Return the repository holding the tickets (as support tickets) and the interview."""
    repo.ingest([research / "tickets.csv"], {"kind": "support-ticket"})
    repo.ingest([research / "dana.md"])
    return repo


@pytest.fixture
def rivals(filled: Repository, tmp_path: Path) -> Repository:
    """Return the repository with a competitor analysis and reviews naming the competitor in a field."""
    folder = tmp_path / "rivals"
    folder.mkdir()
    (folder / "rotamate.md").write_text(RIVAL_ANALYSIS, encoding="utf-8")
    (folder / "reviews.csv").write_text(RIVAL_REVIEWS, encoding="utf-8")
    filled.ingest([folder / "rotamate.md"])
    filled.ingest([folder / "reviews.csv"], {"kind": "review"})
    return filled


# -- the library -------------------------------------------------------------------------------------


def test_themes_group_by_topic_and_count_people_not_passages(filled: Repository) -> None:
    report = filled.themes()
    assert (report.passages, report.unthemed) == (12, 1)  # "Thanks!" is too short to join a theme
    assert [t.evidence.to_dict() for t in report.themes] == [LOGOUT, PAYROLL]  # most people first
    assert [t.id for t in report.themes] == [1, 2]
    logout, payroll = report.themes
    assert "logs" in logout.label and "overtime" in payroll.label
    texts = {filled.document(d["id"])["title"]: d for d in filled.documents()}
    assert set(texts) == {"tickets", "Interview with Dana"}


def test_a_pasted_copy_is_one_quote_that_says_how_many_it_stands_for(filled: Repository) -> None:
    logout = filled.themes(quotes=10).themes[0]
    copies = {q.hit.text: q.copies for q in logout.quotes}
    assert copies["The mobile app logs me out every evening so I sign in again before my shift ends"] == 2
    assert len(logout.quotes) == 6 and len(logout.passage_ids) == 7


def test_quotes_are_verbatim_and_cited(filled: Repository) -> None:
    for theme in filled.themes().themes:
        assert len(theme.quotes) == 3
        for quote in theme.quotes:
            doc = filled.document(quote.hit.document_id)
            assert doc["text"][quote.hit.char_start : quote.hit.char_end] == quote.hit.text
            assert quote.hit.passage_id in theme.passage_ids


def test_themes_are_deterministic(filled: Repository) -> None:
    assert filled.themes().to_dict() == filled.themes().to_dict()


def test_filters_and_questions_narrow_the_scope(filled: Repository) -> None:
    payroll = filled.themes(filters=Filters(segment=("Mid-market",)))
    assert payroll.passages == 4
    assert [t.evidence.to_dict() for t in payroll.themes] == [PAYROLL]
    assert filled.themes(filters=Filters(kind=("review",))).passages == 0
    asked = filled.themes("why does the app log people out?", mode="keyword")
    assert asked.query == "why does the app log people out?"
    assert {t.label for t in asked.themes} == {filled.themes().themes[0].label}


def test_one_theme_with_every_quote_and_an_unknown_one(filled: Repository) -> None:
    report = filled.themes(quotes=1, theme=1)
    assert len(report.theme(1).quotes) == 6 and len(report.theme(2).quotes) == 1
    with pytest.raises(NotFound, match="no theme 3 in this scope; it has 2 themes"):
        report.theme(3)


def test_interviewer_prompts_lead_to_answers_but_are_not_evidence(repo: Repository, research: Path) -> None:
    (research / "call.txt").write_text(
        "Priya: Does the mobile app log you out in the morning before your shift?\n"
        "Sam: Yes, the mobile app logs me out every morning and I sign in again before my shift.\n"
        "Priya: How often does the mobile app log you out before a shift starts?\n"
        "Sam: Every single morning the mobile app logs me out, so I sign in again before each shift.\n",
        encoding="utf-8")
    repo.ingest([research / "tickets.csv"], {"kind": "support-ticket"})
    repo.ingest([research / "call.txt"], {"kind": "interview"})
    logout = repo.themes(quotes=50).themes[0]
    prompts = {p["id"] for p in repo.document(2)["passages"] if p["locator"]["speaker"] == "Priya"}
    assert len(prompts) == 2 and not prompts & set(logout.passage_ids)
    assert "Sam" in {q.hit.locator.get("speaker") for q in logout.quotes}
    # Acme Cafe, Birch Bakery, Cedar Clinic, Dune Logistics and Sam (a speaker counts as a participant).
    assert logout.evidence.participants == 5 and logout.evidence.kinds["interview"] == 1


def test_labels_are_the_terms_that_set_a_group_apart() -> None:
    from insights.synthesis.labels import distinctive_terms

    texts = ["payroll export really drops overtime", "payroll export really misses overtime",
             "mobile session expired", "mobile session expired twice", "schedule is fine"]
    # A pair in both texts of a group outweighs its words; a word of a chosen pair is not repeated;
    # a word in one text only, or a filler word ("really"), is never chosen.
    assert distinctive_terms(texts, [[0, 1], [2, 3]]) == [["payroll export", "overtime"],
                                                           ["mobile session", "expired"]]
    # A competitor's view leaves its name out of labels: every theme there is about it.
    assert distinctive_terms(texts, [[0, 1]], unlabelled=frozenset({"payroll"})) == [["export", "overtime"]]


def test_an_empty_repository_has_no_themes(repo: Repository) -> None:
    report = repo.themes()
    assert (report.passages, report.unthemed, report.themes) == (0, 0, [])


# -- the CLI ------------------------------------------------------------------------------------------


def invoke(runner: CliRunner, *args: str):
    """Run the CLI; return the result."""
    return runner.invoke(cli, list(args), catch_exceptions=False)


def test_cli_themes_text_and_json(runner: CliRunner, research: Path) -> None:
    invoke(runner, "ingest", str(research / "tickets.csv"), "--kind", "support-ticket")
    invoke(runner, "ingest", str(research / "dana.md"))
    result = invoke(runner, "themes")
    assert result.exit_code == 0, result.output
    assert result.output.startswith("2 themes in 12 passages (1 in no theme)")
    assert "5 participants · 2 documents · 6 quotes (7 passages)" in result.output
    assert "(×2)" in result.output and "— tickets · support ticket · Birch Bakery · row 3" in result.output
    data = json.loads(invoke(runner, "themes", "--json", "--segment", "Mid-market").output)
    assert data["filters"] == {"segment": ["Mid-market"]}
    assert [t["evidence"] for t in data["themes"]] == [PAYROLL]
    drilled = json.loads(invoke(runner, "themes", "--theme", "1", "--json", "--quotes", "1").output)
    assert len(drilled["theme"]["quotes"]) == 6 and all("copies" in q for q in drilled["theme"]["quotes"])


@pytest.mark.parametrize(("args", "message"), [
    (["themes", "--theme", "9"], "no theme 9 in this scope"),
    (["themes", "--kind", "podcast"], "'podcast' is not one of"),
    (["themes", "--from", "someday"], "is not a date like"),
    (["competitors", "Acme"], "unknown competitor 'Acme'"),
    (["competitors", "us", "RotaMate"], "needs a question"),
    (["competitors", "a", "b", "c"], "at most two names"),
])
def test_cli_bad_input_is_one_clear_line(runner: CliRunner, research: Path, args: list[str], message: str) -> None:
    invoke(runner, "ingest", str(research / "tickets.csv"))
    result = invoke(runner, *args)
    assert result.exit_code != 0
    assert message in result.output and "Traceback" not in result.output


# -- competitors ----------------------------------------------------------------------------------------


def test_competitors_are_found_by_field_by_record_column_and_by_name(rivals: Repository) -> None:
    from insights.synthesis import competitors

    # The analysis is filed under RotaMate; R1, R2 name it in their product column, R4 in its text.
    assert competitors.overview(rivals) == [{"name": "RotaMate", "customer_passages": 3, "analysis_passages": 3}]
    view = competitors.view(rivals, "rotamate")
    assert view.name == "RotaMate"
    assert (view.customers.passages, view.analyses.passages) == (3, 3)
    cited = {q.hit.title for side in (view.customers, view.analyses) for t in side.themes for q in t.quotes}
    assert cited <= {"reviews", "RotaMate teardown"}


def test_compare_us_with_a_competitor_on_a_question(rivals: Repository) -> None:
    from insights.synthesis import competitors

    comparison = competitors.compare(rivals, "overtime reports", "us", "RotaMate")
    assert comparison.left.name == "us" and comparison.right.name == "RotaMate"
    # Us: customers' passages about no competitor (tickets, the interview, R3); never the analysis.
    assert comparison.left.passages == 13
    assert all("RotaMate" not in h.text and h.kind != "competitor-analysis" for h in comparison.left.hits)
    assert "reports" in comparison.right.hits[0].text.lower()
    with pytest.raises(Exception, match="not 'RotaMate' with itself"):
        competitors.compare(rivals, "pricing", "rotamate", "RotaMate")


def test_cli_competitors(runner: CliRunner, research: Path, tmp_path: Path) -> None:
    folder = tmp_path / "rivals"
    folder.mkdir()
    (folder / "rotamate.md").write_text(RIVAL_ANALYSIS, encoding="utf-8")
    (folder / "reviews.csv").write_text(RIVAL_REVIEWS, encoding="utf-8")
    invoke(runner, "ingest", str(research / "tickets.csv"), "--kind", "support-ticket")
    invoke(runner, "ingest", str(research / "dana.md"), str(folder / "rotamate.md"))
    invoke(runner, "ingest", str(folder / "reviews.csv"), "--kind", "review")
    assert "RotaMate                 customers     3  analyses     3" in invoke(runner, "competitors").output
    view = json.loads(invoke(runner, "competitors", "RotaMate", "--json").output)
    assert (view["customers"]["passages"], view["analyses"]["passages"]) == (3, 3)
    result = invoke(runner, "competitors", "us", "RotaMate", "--query", "overtime reports")
    assert result.exit_code == 0, result.output
    assert "== us (" in result.output and "== RotaMate (6 passages)" in result.output  # customers and analyses


def test_no_competitors_yet(runner: CliRunner) -> None:
    assert "No competitors yet" in invoke(runner, "competitors").output


# -- HTTP: the API and the pages ------------------------------------------------------------------------


@pytest.fixture
def app(tmp_path: Path, research: Path) -> Flask:
    """Return an app over the tickets, the interview, the competitor files and a hostile ticket file."""
    folder = tmp_path / "rivals"
    folder.mkdir()
    (folder / "rotamate.md").write_text(RIVAL_ANALYSIS, encoding="utf-8")
    (folder / "reviews.csv").write_text(RIVAL_REVIEWS, encoding="utf-8")
    hostile = "ticket_id,customer,text\n" + "".join(
        f"H{n},{XSS},Payroll export to Gusto drops overtime {XSS} hours for staff number {n}\n" for n in range(3))
    (folder / "hostile.csv").write_text(hostile, encoding="utf-8")
    app = create_app({"TESTING": True, "DATA_DIR": str(tmp_path / "data"), "MODEL": "hashing",
                      "WTF_CSRF_ENABLED": False})
    repo = app.extensions["insights"]
    repo.ingest([research / "tickets.csv"], {"kind": "support-ticket"})
    repo.ingest([research / "dana.md", folder / "rotamate.md"])
    repo.ingest([folder / "reviews.csv"], {"kind": "review"})
    repo.ingest([folder / "hostile.csv"], {"kind": "support-ticket", "segment": "Mid-market"})
    return app


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    """Return a test client."""
    return app.test_client()


def soup(response) -> BeautifulSoup:
    """Parse a response's HTML."""
    return BeautifulSoup(response.data, "html.parser")


def test_api_themes_and_one_theme(client: FlaskClient) -> None:
    response = client.get("/api/v1/themes?segment=SMB&segment=Enterprise&kind=support-ticket&quotes=1")
    assert response.status_code == 200
    data = response.json
    assert data["filters"] == {"kind": ["support-ticket"], "segment": ["SMB", "Enterprise"]}
    [logout] = data["themes"]
    assert logout["evidence"]["participants"] == 4 and len(logout["quotes"]) == 1
    one = client.get("/api/v1/themes/1?segment=SMB&segment=Enterprise&kind=support-ticket").json
    assert len(one["theme"]["quotes"]) == 5 == one["theme"]["evidence"]["quotes"]


@pytest.mark.parametrize(("url", "status", "message"), [
    ("/api/v1/themes/7", 404, "no theme 7 in this scope"),
    ("/api/v1/themes?kind=podcast", 400, "unknown kind 'podcast'"),
    ("/api/v1/themes?quotes=0", 400, "'quotes' must be a whole number between 1 and 50"),
    ("/api/v1/themes?mode=fuzzy", 400, "'mode' must be one of"),
    ("/api/v1/competitors/Acme", 404, "unknown competitor 'Acme'"),
    ("/api/v1/compare?q=pricing&left=us", 400, "'right' is required"),
    ("/api/v1/compare?q=pricing&left=us&right=us", 400, "not 'us' with itself"),
])
def test_api_bad_input(client: FlaskClient, url: str, status: int, message: str) -> None:
    response = client.get(url)
    assert response.status_code == status
    assert message in response.json["error"]["message"]


def test_api_competitors_and_compare(client: FlaskClient) -> None:
    assert client.get("/api/v1/competitors").json == {
        "competitors": [{"name": "RotaMate", "customer_passages": 3, "analysis_passages": 3}]}
    view = client.get("/api/v1/competitors/rotamate").json
    assert view["name"] == "RotaMate" and view["analyses"]["passages"] == 3
    compared = client.get("/api/v1/compare?q=overtime+reports&left=RotaMate&right=us").json
    assert (compared["left"]["name"], compared["right"]["name"]) == ("RotaMate", "us")
    assert compared["left"]["hits"] and compared["right"]["hits"]


def test_themes_page_lists_cards_with_evidence_quotes_and_a_drill_link(client: FlaskClient) -> None:
    page = soup(client.get("/themes?kind=support-ticket&segment=Mid-market"))
    cards = page.select("article.theme")
    assert len(cards) == 1
    card = cards[0]
    assert "overtime" in card.select_one("h2").get_text()
    evidence = " ".join(card.select_one(".evidence").get_text().split())
    # The hostile file's three rows are near-copies from one customer: one quote, one participant more.
    assert evidence == "5 participants 2 documents 5 distinct quotes (7 passages)"
    assert len(card.select("li.hit")) == 3
    link = card.select_one("h2 a")["href"]
    assert link.startswith("/themes/1?") and "kind=support-ticket" in link and "segment=Mid-market" in link
    drilled = soup(client.get(link))
    assert len(drilled.select("li.hit")) == 5
    assert "×3 copies" in drilled.select_one(".copies").get_text()
    assert drilled.select_one(".back a")["href"] == "/themes?" + link.split("?", 1)[1]


def test_theme_pages_escape_what_users_wrote(client: FlaskClient) -> None:
    body = client.get("/themes").get_data(as_text=True)
    assert "Payroll export to Gusto drops overtime" in body
    assert XSS not in body and "&lt;script&gt;" in body


def test_theme_pages_report_bad_input(client: FlaskClient) -> None:
    assert "unknown kind 'podcast'" in soup(client.get("/themes?kind=podcast")).select_one(".error").get_text()
    assert client.get("/themes/42").status_code == 404
    assert client.get("/themes/1?from=someday").status_code == 400


def test_competitor_pages(client: FlaskClient) -> None:
    listing = soup(client.get("/competitors"))
    assert [a.get_text() for a in listing.select("table.competitors a")] == ["RotaMate"]
    view = soup(client.get("/competitors/RotaMate"))
    assert [h.get_text(" ", strip=True).split(" ")[0:3] for h in view.select(".column > h2")] == [
        ["What", "customers", "say"], ["What", "our", "analyses"]]
    assert client.get("/competitors/Acme").status_code == 404
    compared = soup(client.get("/competitors/compare?q=overtime+reports&left=us&right=RotaMate"))
    assert [h.get_text(" ", strip=True).split(" ")[0] for h in compared.select(".column > h2")] == ["us", "RotaMate"]
    assert compared.select(".column li.hit")
    refused = client.get("/competitors/compare?q=&left=us&right=RotaMate")
    assert refused.status_code == 400 and "ask a question" in soup(refused).select_one(".error").get_text()


def test_nav_links_to_themes_and_competitors(client: FlaskClient) -> None:
    nav = soup(client.get("/themes")).select("header.site nav a")
    links = {a.get_text(): a["href"] for a in nav}
    assert (links["Themes"], links["Competitors"]) == ("/themes", "/competitors")
    assert soup(client.get("/competitors")).select_one('nav a[aria-current="page"]').get_text() == "Competitors"


def test_a_competitor_with_a_slash_in_its_name_has_a_page_and_an_api(client: FlaskClient, app: Flask,
                                                                      tmp_path: Path) -> None:
    note = tmp_path / "acme.md"
    note.write_text("---\ntitle: Acme teardown\nkind: competitor-analysis\ncompetitor: Acme/Tools\n---\n"
                    "Acme/Tools charges per seat and has no overtime report.\n", encoding="utf-8")
    app.extensions["insights"].ingest([note])
    links = {a.get_text(): a["href"] for a in soup(client.get("/competitors")).select("table.competitors a")}
    page = client.get(links["Acme/Tools"])
    assert page.status_code == 200
    assert soup(page).select_one("h1").get_text() == "Acme/Tools"
    for url in ("/api/v1/competitors/Acme/Tools", "/api/v1/competitors/acme%2Ftools"):
        response = client.get(url)
        assert response.status_code == 200, url
        assert response.json["name"] == "Acme/Tools" and response.json["analyses"]["passages"] == 1
    assert client.get("/competitors/compare?q=overtime&left=us&right=Acme/Tools").status_code == 200
    assert client.get("/api/v1/competitors/Acme/Nope").status_code == 404
