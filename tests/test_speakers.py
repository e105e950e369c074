"""Speakers are data: every transcript turn's role is decided at ingest, and a prompt is never a hit."""

from __future__ import annotations

import io
import json
from pathlib import Path

import docx
import pytest
from click.testing import CliRunner

from insights import create_app
from insights.cli.main import cli
from insights.config import Settings
from insights.filters import Filters
from insights.repository import Repository
from insights.web import jobs

# The interviewer's questions hold the topic words; the answers mostly do not.
VTT = """WEBVTT

00:00:01.000 --> 00:00:04.000
<v Priya Raman>Thanks for joining. How do your staff get along with the mobile app?</v>

00:00:05.000 --> 00:00:12.000
<v Dev Patel>Honestly, it's a mess. It logs them out every morning and they give up.</v>

00:00:13.000 --> 00:00:16.000
<v Priya Raman>And what about the payroll export at the end of the month?</v>

00:00:17.000 --> 00:00:25.000
<v Dev Patel>That part is fine now. Our accountant stopped complaining in March.</v>

00:00:26.000 --> 00:00:29.000
<v Priya Raman>Why did you switch from RotaMate?</v>

00:00:30.000 --> 00:00:38.000
<v Dev Patel>They doubled the price for five locations, so we left.</v>
"""


def roles(repo: Repository) -> dict[str, tuple[str, str | None]]:
    """Return each passage's text mapped to its (role, prompt)."""
    rows = repo.store.db.execute("SELECT text, locator FROM passages").fetchall()
    return {text: (json.loads(loc).get("role"), json.loads(loc).get("prompt")) for text, loc in rows}


def write(folder: Path, name: str, text: str) -> Path:
    """Write a file into ``folder`` and return its path."""
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / name
    path.write_text(text, encoding="utf-8")
    return path


def test_each_turn_stores_its_role_and_each_answer_its_prompt(repo: Repository, tmp_path: Path) -> None:
    repo.ingest([write(tmp_path / "in", "call.vtt", VTT)])
    found = roles(repo)
    assert found["Thanks for joining. How do your staff get along with the mobile app?"] == ("interviewer", None)
    assert found["Honestly, it's a mess. It logs them out every morning and they give up."] == (
        "participant", "Thanks for joining. How do your staff get along with the mobile app?")
    assert found["They doubled the price for five locations, so we left."][1] == "Why did you switch from RotaMate?"


@pytest.mark.parametrize("mode", ["keyword", "semantic", "hybrid"])
def test_a_prompt_is_never_a_hit(repo: Repository, tmp_path: Path, mode: str) -> None:
    repo.ingest([write(tmp_path / "in", "call.vtt", VTT)])
    for query, filters in [("mobile app staff", None), ("mobile app", Filters(kind=("note",))),
                           ("RotaMate switch", None)]:
        hits = repo.search(query, mode, limit=10, filters=filters)
        # Meaning ranks every passage: the three answers, none of the three prompts; words only those that match.
        assert len(hits) == 3 if mode != "keyword" else hits, (query, mode)
        assert all(hit.locator.get("role") == "participant" for hit in hits), (query, mode)
    # Only a prompt holds this exact phrase, so nothing is found rather than the prompt.
    assert repo.search('"mobile app"', mode, limit=10) == []


def test_an_answer_is_found_by_the_topic_of_its_prompt(repo: Repository, tmp_path: Path) -> None:
    repo.ingest([write(tmp_path / "in", "call.vtt", VTT)])
    for mode in ("keyword", "semantic", "hybrid"):
        top = repo.search("staff mobile app", mode, limit=1)[0]
        assert top.text.startswith("Honestly, it's a mess"), mode
        # The quote stays the participant's own words; the prompt rides along as context.
        assert top.locator["prompt"].endswith("mobile app?") and "mobile" not in top.text


def test_themes_cluster_an_answers_own_words_and_search_reads_it_in_context(repo: Repository,
                                                                            tmp_path: Path) -> None:
    repo.ingest([write(tmp_path / "in", "call.vtt", VTT)])
    answer = "Honestly, it's a mess. It logs them out every morning and they give up."
    (passage_id,) = [r[0] for r in repo.store.db.execute("SELECT id FROM passages WHERE text = ?", (answer,))]
    own = repo.embedder.encode([answer])[0]
    read = repo.embedder.encode(["Thanks for joining. How do your staff get along with the mobile app?\n" + answer])[0]
    assert float(repo.store.vectors([passage_id])[1][0] @ own) > 0.999
    assert float(repo.index().similarity(read, [passage_id])[0]) > 0.999
    repo.reindex(re_embed=True)  # re-embedding keeps both
    assert float(repo.store.vectors([passage_id])[1][0] @ own) > 0.999
    assert float(repo.index().similarity(read, [passage_id])[0]) > 0.999


def test_interviewer_named_for_the_batch_wins_over_behaviour(runner: CliRunner, tmp_path: Path,
                                                             data_dir: Path) -> None:
    # Alex never asks a question mark, so by behaviour nobody asks; naming Alex settles it.
    text = ("Alex: Tell me about onboarding at your company in your own words.\n"
            "Sam: It took four days. Nobody told me where the checklist was.\n"
            "Alex: Go on about the checklist and what you expected there.\n"
            "Sam: I expected it on the home page, not in settings.\n")
    folder = tmp_path / "in"
    write(folder, "session.txt", text)
    assert runner.invoke(cli, ["ingest", str(folder)]).exit_code == 0
    repo = Repository(Settings(data_dir=data_dir, model="hashing"))
    assert {r for r, _ in roles(repo).values()} == {"participant"}
    repo.close()
    result = runner.invoke(cli, ["ingest", str(folder), "--interviewer", "alex"])
    assert result.exit_code == 0, result.output
    assert "updated 1" in result.output  # a new interviewer re-reads the file
    repo = Repository(Settings(data_dir=data_dir, model="hashing"))
    found = roles(repo)
    repo.close()
    assert found["Tell me about onboarding at your company in your own words."] == ("interviewer", None)
    assert found["I expected it on the home page, not in settings."] == (
        "participant", "Go on about the checklist and what you expected there.")


def test_front_matter_names_the_interviewer_of_a_markdown_transcript(repo: Repository, tmp_path: Path) -> None:
    text = ("---\ntitle: Session 4\ninterviewer: Jo Park\n---\n# Session 4\n\n"
            "**Jo Park:** Let's start with your week, walk me through Monday in detail.\n"
            "**Ana Ruiz:** Mondays I build the rota from scratch, which takes most of the morning.\n"
            "**Jo Park**: Walk me through the part that takes longest for you.\n"
            "- **Ana Ruiz:** Copying last week's shifts, one by one, because there is no template.\n")
    repo.ingest([write(tmp_path / "in", "session-4.md", text)])
    found = roles(repo)
    assert found["Let's start with your week, walk me through Monday in detail."] == ("interviewer", None)
    assert found["Copying last week's shifts, one by one, because there is no template."] == (
        "participant", "Walk me through the part that takes longest for you.")
    assert repo.documents()[0]["title"] == "Session 4"


def test_a_word_transcript_is_read_as_turns(repo: Repository, tmp_path: Path) -> None:
    document = docx.Document()
    document.add_heading("Customer call", 1)
    for line in ("Interviewer: What made you look for a new tool?",
                 "Customer: Our old one kept losing punches when the wifi dropped.",
                 "Interviewer: How often did that happen?",
                 "Customer: Every week, usually on the night shift."):
        document.add_paragraph(line)
    path = tmp_path / "in" / "call.docx"
    path.parent.mkdir()
    document.save(str(path))
    repo.ingest([path])
    found = roles(repo)
    assert found["What made you look for a new tool?"] == ("interviewer", None)
    assert found["Every week, usually on the night shift."] == ("participant", "How often did that happen?")


@pytest.mark.parametrize(("asker", "answerer"), [("Priya (Researcher)", "Dev"), ("Moderator", "Participant 2"),
                                                 ("Q", "A"), ("Jordan Ellis, AE", "Beth Sorensen")])
def test_labels_name_the_asking_side(repo: Repository, tmp_path: Path, asker: str, answerer: str) -> None:
    # The asker asks no questions at all, and the answerer asks all of them: only the label can tell.
    text = (f"{asker}: Tell me about the first week with the product.\n{answerer}: Why would I remember that?\n"
            f"{asker}: Walk me through the setup you did then.\n{answerer}: Who has time for setup, honestly?\n")
    repo.ingest([write(tmp_path / "in", "call.txt", text)])
    found = roles(repo)
    assert found["Tell me about the first week with the product."][0] == "interviewer"
    assert found["Who has time for setup, honestly?"] == ("participant", "Walk me through the setup you did then.")


def test_the_person_a_file_is_named_after_is_the_participant(repo: Repository, tmp_path: Path) -> None:
    # Sam, the vendor's engineer, rarely asks; the file is named for Gary, so Sam is on the asking side.
    text = ("Priya Raman: How is the time clock working for you?\n"
            "Gary Lindqvist: It fails in dead zones, and people walk to the break room to clock in.\n"
            "Sam Novak: We have an offline queue on the roadmap for that exact case.\n"
            "Gary Lindqvist: Good, because the line at shift change is like an airport.\n"
            "Sam Novak: Understood, I will share the timeline with your team.\n")
    repo.ingest([write(tmp_path / "in", "2026-01-22-P04-gary-lindqvist.txt", text)])
    found = roles(repo)
    assert found["We have an offline queue on the roadmap for that exact case."][0] == "interviewer"
    assert found["Good, because the line at shift change is like an airport."][0] == "participant"


def test_speakers_who_both_answer_are_both_participants(repo: Repository, tmp_path: Path) -> None:
    text = ("Ana: The schedule was late again this week.\nBen: Same here, and the swap never went through.\n"
            "Ana: We ended up texting each other instead.\nBen: Which is what the app was meant to replace.\n")
    repo.ingest([write(tmp_path / "in", "chat.txt", text)])
    assert {role for role, _ in roles(repo).values()} == {"participant"}


def test_themes_never_count_an_interviewer(repo: Repository, tmp_path: Path) -> None:
    folder = tmp_path / "in"
    for n in range(4):
        write(folder, f"call{n}.txt", (
            "Priya: What happens when the app logs your staff out during a shift, and how do they cope?\n"
            f"Person{n}: They get logged out of the app every shift and have to type the password again, number {n}.\n"
            "Priya: What happens when the app logs your staff out at the start of the day, and what then?\n"
            f"Person{n}: Logged out again each morning, the password every time, it drives them mad, {n}.\n"))
    repo.ingest([folder])
    report = repo.themes()
    quoted = [q.hit.text for theme in report.themes for q in theme.quotes]
    assert quoted and not any(q.startswith("What happens") for q in quoted)
    # Four people answered; the interviewer who asked all eight times is not a fifth.
    assert max(theme.evidence.participants for theme in report.themes) == 4


def test_the_api_and_the_upload_form_carry_roles(tmp_path: Path) -> None:
    app = create_app({"TESTING": True, "DATA_DIR": str(tmp_path / "data"), "MODEL": "hashing"})
    client = app.test_client()
    text = ("Alex: Tell me about onboarding at your company in your own words.\n"
            "Sam: It took four days. Nobody told me where the checklist was.\n"
            "Alex: Go on about the checklist and what you expected there.\n"
            "Sam: I expected it on the home page, not in settings.\n")
    response = client.post("/api/v1/uploads", data={"files": (io.BytesIO(text.encode()), "s.txt"),
                                                     "interviewer": "Alex"}, content_type="multipart/form-data")
    assert response.status_code in (200, 202), response.get_data(as_text=True)
    while jobs.run_one(app.extensions["insights"]):
        pass
    hits = client.get("/api/v1/search?q=checklist+home+page&mode=keyword").get_json()["hits"]
    assert hits and all(h["locator"]["role"] == "participant" for h in hits)
    assert hits[0]["locator"]["prompt"] == "Go on about the checklist and what you expected there."


def test_a_card_names_the_participant_once(tmp_path: Path) -> None:
    from bs4 import BeautifulSoup

    app = create_app({"TESTING": True, "DATA_DIR": str(tmp_path / "data"), "MODEL": "hashing"})
    text = ("Priya Raman: How is the time clock working for you?\n"
            "Gary Lindqvist: It fails in dead zones, and people walk to the break room to clock in.\n"
            "Priya Raman: And what happens at the end of a shift?\n"
            "Gary Lindqvist: The line to clock out at the break room is like an airport.\n")
    repo = app.extensions["insights"]
    repo.ingest([write(tmp_path / "in", "2026-01-22-P04-gary-lindqvist.txt", text)], {"kind": "interview"})
    page = BeautifulSoup(app.test_client().get("/?q=clock+out+line&mode=keyword").get_data(as_text=True), "lxml")
    card = page.select_one(".hit")
    assert card.select_one(".participant").get_text() == "P04 Gary Lindqvist"
    assert card.select_one(".speaker") is None  # not "Gary Lindqvist · P04 Gary Lindqvist"
    repo.close()


#: An auto-transcribed call: one speaker's cues split mid-sentence, and a listener's "Mm-hmm." between answers.
ZOOM = """WEBVTT

1
00:00:01.000 --> 00:00:04.000
Priya Shah: So tell me about the mobile app. How has it been for your

2
00:00:04.000 --> 00:00:06.000
Priya Shah: staff over the last month?

3
00:00:06.500 --> 00:00:07.000
Tom Reed: Mm-hmm. Yeah.

4
00:00:07.000 --> 00:00:09.000
Priya Shah: Take your time.

5
00:00:09.000 --> 00:00:13.000
Tom Reed: Honestly it's been rough. The app logs them out every time the phone

6
00:00:13.000 --> 00:00:16.000
Tom Reed: goes to sleep, so they type the password twenty times a day.

7
00:00:16.000 --> 00:00:17.000
Priya Shah: Right.

8
00:00:17.000 --> 00:00:18.000
Tom Reed: [inaudible] Yeah, no, totally.

9
00:00:18.000 --> 00:00:21.000
Priya Shah: Does the mobile app ever crash on you?

10
00:00:21.000 --> 00:00:22.000
Tom Reed: No.
"""


def test_backchannel_turns_stay_in_the_transcript_but_are_never_hits(repo: Repository, tmp_path: Path) -> None:
    repo.ingest([write(tmp_path / "in", "2026-03-01-P09-tom-reed.vtt", ZOOM)])
    [doc] = repo.documents()
    text = repo.document(doc["id"])["text"]
    for said in ("Mm-hmm. Yeah.", "[inaudible] Yeah, no, totally.", "No."):
        assert said in text
    passages = [row[0] for row in repo.store.db.execute("SELECT text FROM passages ORDER BY id")]
    # Cues of one speaker join into a turn, so the answer reads as one quote.
    assert any("logs them out every time the phone goes to sleep" in p for p in passages)
    assert not any(p in ("Mm-hmm. Yeah.", "Right.", "[inaudible] Yeah, no, totally.", "No.") for p in passages)
    for mode in ("keyword", "semantic", "hybrid"):
        hits = repo.search("does the mobile app crash", mode, limit=10)
        assert all(len(hit.text.split()) > 3 for hit in hits), [hit.text for hit in hits]
