"""Shared fixtures: a repository on a temp folder with the hashing embedder, and a CLI runner."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from insights.config import Settings
from insights.repository import Repository


@pytest.fixture
def data_dir(tmp_path: Path) -> Path:
    """Return an empty repository folder."""
    return tmp_path / "data"


@pytest.fixture
def repo(data_dir: Path):
    """Return a repository that embeds with the deterministic hashing embedder."""
    repository = Repository(Settings(data_dir=data_dir, model="hashing"))
    yield repository
    repository.close()


@pytest.fixture
def runner(data_dir: Path, monkeypatch: pytest.MonkeyPatch) -> CliRunner:
    """Return a CLI runner whose commands use the temp repository and the hashing embedder."""
    monkeypatch.setenv("INSIGHTS_DATA_DIR", str(data_dir))
    monkeypatch.setenv("INSIGHTS_MODEL", "hashing")
    return CliRunner()


@pytest.fixture
def notes(tmp_path: Path) -> Path:
    """Return a folder of three small research files in different formats."""
    folder = tmp_path / "notes"
    folder.mkdir()
    (folder / "dana.md").write_text(
        "---\ntitle: Interview with Dana\nkind: interview\nparticipant: P01 Dana\nsegment: SMB\n"
        "date: 2026-03-14\ntags: [onboarding, mobile]\n---\n"
        "# Onboarding\n\nIt took me four days to get the first schedule out. I did not know where to start.\n\n"
        "## Mobile\n\nThe app keeps logging me out every morning, so I sign in again before each shift.\n",
        encoding="utf-8",
    )
    (folder / "maria call.txt").write_text(
        "Interviewer: How was setup?\nMaria: Confusing. The onboarding checklist is buried in settings.\n"
        "Interviewer: Anything else?\nMaria: The payroll export failed with ERR-PAY-214 twice last month.\n",
        encoding="utf-8",
    )
    (folder / "survey.csv").write_text(
        "respondent_id,segment,plan,response\n"
        "R1,Enterprise,Business,We need SSO and audit logs before rolling out to every store.\n"
        "R2,SMB,Starter,Pricing is fair for a small cafe like ours.\n"
        "R3,Mid-market,Team,Jumping to Business just for labor forecasting is steep.\n",
        encoding="utf-8",
    )
    return folder
