"""A batch full of bad files: each fails alone with its reason, the rest lands, nothing half-written stays."""

from __future__ import annotations

import io
import json
import os
import zipfile
from pathlib import Path

import pytest
from click.testing import CliRunner
from fpdf import FPDF
from pypdf import PdfReader, PdfWriter

from insights.cli.main import cli
from insights.config import Settings
from insights.repository import Repository


def pdf_bytes(text: str) -> bytes:
    """Return a one-page PDF holding ``text``."""
    pdf = FPDF()
    pdf.add_page()
    pdf.set_font("Helvetica", size=12)
    pdf.multi_cell(0, 10, text)
    return bytes(pdf.output())


def encrypted_pdf(text: str) -> bytes:
    """Return a password-protected PDF."""
    writer = PdfWriter()
    writer.append(PdfReader(io.BytesIO(pdf_bytes(text))))
    writer.encrypt(user_password="secret", owner_password="owner")
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def zip_bomb(path: Path, size: int = 1 << 30) -> None:
    """Write a .docx whose document part inflates to ``size`` bytes, streaming so the test stays small."""
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        with archive.open("word/document.xml", "w", force_zip64=True) as member:
            block = b"\0" * (1 << 20)
            for _ in range(size >> 20):
                member.write(block)


@pytest.fixture
def batch(tmp_path: Path) -> Path:
    """Return a folder of good and bad files."""
    folder = tmp_path / "batch"
    folder.mkdir()
    (folder / "good note.md").write_text("# Pricing\n\nThe Business plan at $14 is steep for us.\n")
    (folder / "café notes ü.md").write_text("Ünïcödé names must work: the geofence rejected me at the door.\n")
    (folder / "latin1.txt").write_bytes("Le café était fermé; the export broke again.".encode("cp1252"))
    (folder / "report.pdf").write_bytes(pdf_bytes("Competitor RotaMate has weak reporting."))
    (folder / "ragged.csv").write_text("id,segment,response\n1,SMB,Too expensive for us\n2,SMB\n3,Ent,Need SSO,extra\n")
    (folder / "tickets.jsonl").write_text('{"id": 1, "body": "Logged out again mid-shift"}\n{broken\n'
                                          '{"id": 3, "body": "Swap approvals take days"}\n')
    (folder / "empty.md").write_bytes(b"")
    (folder / "blank.txt").write_text("   \n\n\t \n")
    (folder / "junk.txt").write_bytes(bytes(range(256)) * 40)
    (folder / "junk.pdf").write_bytes(os.urandom(4096))
    (folder / "truncated.pdf").write_bytes(pdf_bytes("Cut short " * 50)[:700])
    (folder / "locked.pdf").write_bytes(encrypted_pdf("Secret roadmap"))
    (folder / "notzip.docx").write_bytes(b"This is plain text wearing a .docx name.")
    zip_bomb(folder / "bomb.docx")
    (folder / "huge.txt").write_text("word " * 600_000)  # 3 MB, over the 2 MB limit set below
    (folder / "loop").symlink_to(folder)  # a folder symlink loop must not hang the walk
    (folder / "self.md").symlink_to(folder / "self.md")  # a file symlink loop
    return folder


EXPECTED_FAILURES = {
    "empty.md": "empty",
    "blank.txt": "empty",
    "junk.txt": "binary",
    "junk.pdf": "PDF",
    "truncated.pdf": "PDF",
    "locked.pdf": "encrypted",
    "notzip.docx": "zip",
    "bomb.docx": "zip bomb",
    "huge.txt": "too large",
    "self.md": "symlink loop",
}
EXPECTED_ADDED = {"good note.md", "café notes ü.md", "latin1.txt", "report.pdf", "ragged.csv", "tickets.jsonl"}


def test_each_bad_file_fails_alone_and_the_rest_lands(batch: Path, data_dir: Path,
                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("INSIGHTS_DATA_DIR", str(data_dir))
    monkeypatch.setenv("INSIGHTS_MODEL", "hashing")
    monkeypatch.setenv("INSIGHTS_MAX_FILE_MB", "2")
    result = CliRunner().invoke(cli, ["ingest", str(batch), "--json"])
    assert result.exit_code == 1, result.output
    report = json.loads(result.stdout)
    failures = {Path(f["path"]).name: f["reason"] for f in report["failed"]}
    assert set(failures) == set(EXPECTED_FAILURES), failures
    for name, words in EXPECTED_FAILURES.items():
        assert words.lower() in failures[name].lower(), (name, failures[name])
    added = {Path(f["path"]).name for f in report["files"] if f["status"] == "added"}
    assert added == EXPECTED_ADDED
    warnings = {Path(w["path"]).name: w["warning"] for w in report["warnings"]}
    assert "line 2" in warnings["tickets.jsonl"]
    assert "ragged.csv" in warnings

    # The text output names each file and its reason on one line.
    text = CliRunner().invoke(cli, ["ingest", str(batch)])
    lines = [line for line in text.output.splitlines() if line.startswith("failed: ")]
    assert len(lines) == len(EXPECTED_FAILURES)
    assert any(line.startswith(f"failed: {batch / 'locked.pdf'}: ") for line in lines)

    repo = Repository(Settings(data_dir=data_dir, model="hashing"))
    counts = repo.store.counts()
    assert counts["documents"] == len(EXPECTED_ADDED)
    assert counts["passages"] == counts["vectors"] == len(repo.index())
    cafe = repo.search("café était fermé", mode="keyword")[0]
    assert "café était fermé" in cafe.text
    tickets = [h.text for h in repo.search("logged out swap approvals", mode="keyword")]
    assert "Logged out again mid-shift" in tickets and "Swap approvals take days" in tickets


def test_an_unsupported_file_named_explicitly_fails_and_one_found_in_a_folder_is_passed_over(
        runner: CliRunner, tmp_path: Path) -> None:
    (tmp_path / "slides.pptx").write_bytes(b"PK\x03\x04")
    (tmp_path / "ok.md").write_text("Fine note about onboarding.")
    result = runner.invoke(cli, ["ingest", str(tmp_path / "slides.pptx")])
    assert result.exit_code == 1 and "unsupported file type '.pptx'" in result.output
    result = runner.invoke(cli, ["ingest", str(tmp_path)])
    assert result.exit_code == 0 and "added 1," in result.output
