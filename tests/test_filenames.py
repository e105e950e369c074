"""Dates and participants read from file names, through the CLI and the Library page."""

from __future__ import annotations

import json
import unicodedata
from pathlib import Path

import pytest
from bs4 import BeautifulSoup
from click.testing import CliRunner

from insights import create_app
from insights.cli.main import cli

TRANSCRIPT = "Lena: What did you use before?\nGuest: A spreadsheet, and it broke every month end.\n"
FRONT_MATTER = "---\ndate: 2026-01-14\nparticipant: P02 Hannah B.\n---\nShe builds the schedule on Sundays.\n"
LONG = "2026-02-17-P04-" + "a" * 200

#: File name → (date, participant) for an interview, worked out by hand.
EXPECTED = {
    "2026-02-17-P11-nadia-haddad.txt": ("2026-02-17", "P11 Nadia Haddad"),
    "20260305-p4-kevin-o'brien-call.txt": ("2026-03-05", "P4 Kevin O'Brien"),
    "2026-02-18-P12-DeShawn-McDonald-interview-transcript.txt": ("2026-02-18", "P12 DeShawn McDonald"),
    "2026-02-17-P03-zoë-ångström.txt": ("2026-02-17", "P03 Zoë Ångström"),
    # Written as macOS stores names (decomposed): the same participant, composed.
    unicodedata.normalize("NFD", "2026-02-19-P05-zoë-ångström.txt"): ("2026-02-19", "P05 Zoë Ångström"),
    "2026-03-01.txt": ("2026-03-01", None),
    "2026-q1-roadmap.txt": (None, None),
    "notes-v2-final.txt": (None, None),
    "2026-13-45-P06-omar-said.txt": (None, "P06 Omar Said"),
    "2026-02-17-to-2026-02-19-diary.txt": (None, None),
    "2026-02-20-P07-follow-up-on-the-export-bug.txt": ("2026-02-20", None),
    "2026-02-21-P08-nadia-haddad-v2.txt": ("2026-02-21", None),
    "2026-02-22-nadia-haddad.txt": ("2026-02-22", None),
    LONG + ".txt": ("2026-02-17", None),
    # Its front matter wins over its name.
    "2026-01-15-P02-hannah-brooks-notes.md": ("2026-01-14", "P02 Hannah B."),
}


@pytest.fixture
def named(tmp_path: Path) -> Path:
    """Return a folder of transcripts whose names carry dates and participants, or look as if they might."""
    folder = tmp_path / "named"
    folder.mkdir()
    for name in EXPECTED:
        (folder / name).write_text(FRONT_MATTER if name.endswith(".md") else TRANSCRIPT, encoding="utf-8")
    return folder


def documents(runner: CliRunner) -> dict[str, tuple[str | None, str | None]]:
    """Return each document's (date, participant) by file name, as ``insights documents --json`` lists them."""
    result = runner.invoke(cli, ["documents", "--json"])
    assert result.exit_code == 0, result.output
    return {d["filename"]: (d["date"], d["participant"]) for d in json.loads(result.output)["documents"]}


def ingest(runner: CliRunner, *args: str) -> None:
    """Ingest through the CLI and insist that it worked."""
    result = runner.invoke(cli, ["ingest", *args])
    assert result.exit_code == 0, result.output


def test_cli_reads_dates_and_participants_from_interview_names(runner: CliRunner, named: Path) -> None:
    ingest(runner, str(named), "--kind", "interview")
    assert documents(runner) == EXPECTED


def test_a_participant_only_where_a_person_is_the_subject(runner: CliRunner, tmp_path: Path) -> None:
    people = {"note": "ana-silva", "survey": "ben-okafor", "sales-call": "cara-lund", "usability-test": "dev-rao"}
    for kind, person in people.items():
        folder = tmp_path / kind
        folder.mkdir()
        (folder / f"2026-02-17-P11-{person}.txt").write_text(TRANSCRIPT, encoding="utf-8")
        ingest(runner, str(folder), "--kind", kind)
    assert documents(runner) == {"2026-02-17-P11-ana-silva.txt": ("2026-02-17", None),
                                 "2026-02-17-P11-ben-okafor.txt": ("2026-02-17", None),
                                 "2026-02-17-P11-cara-lund.txt": ("2026-02-17", "P11 Cara Lund"),
                                 "2026-02-17-P11-dev-rao.txt": ("2026-02-17", "P11 Dev Rao")}


def test_the_batch_metadata_wins_over_the_name(runner: CliRunner, named: Path) -> None:
    ingest(runner, str(named / "2026-02-17-P11-nadia-haddad.txt"), "--kind", "interview",
           "--participant", "Nadia H.", "--date", "2026-02-16")
    assert documents(runner) == {"2026-02-17-P11-nadia-haddad.txt": ("2026-02-16", "Nadia H.")}


def test_library_page_shows_the_date_and_participant_of_a_name(tmp_path: Path, named: Path) -> None:
    app = create_app({"TESTING": True, "DATA_DIR": str(tmp_path / "data"), "MODEL": "hashing"})
    app.extensions["insights"].ingest([named / "2026-02-17-P11-nadia-haddad.txt"], {"kind": "interview"})
    page = BeautifulSoup(app.test_client().get("/documents").data, "html.parser")
    [row] = page.select("table.library tbody tr")
    cells = [td.get_text(strip=True) for td in row.select("td")]
    assert "2026-02-17" in cells and "P11 Nadia Haddad" in cells
