"""Limits on one file: columns, passages, parse time, token length and metadata size; each fails alone."""

from __future__ import annotations

import base64
import itertools
import json
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from ingest.chunking import chunk_document
from ingest.deadline import Deadline
from ingest.errors import MetadataError, ParseError, ParseTimeout
from ingest.metadata import (
    MAX_NAME_CHARS,
    MAX_TAG_CHARS,
    MAX_TAGS,
    MAX_TITLE_CHARS,
    normalize_metadata,
    normalize_tags,
    record_fields,
    validate_metadata,
)
from ingest.model import DocumentBuilder
from ingest.parsers import ParseOptions, get_parser
from ingest.parsers.tabular import MAX_COLUMNS
from insights.cli.main import cli
from insights.config import Settings
from insights.repository import Repository


@pytest.fixture
def make_repo(data_dir: Path) -> Iterator[Callable[..., Repository]]:
    """Return a factory of hashing-embedder repositories with some settings changed."""
    opened: list[Repository] = []

    def make(**settings: Any) -> Repository:
        opened.append(Repository(Settings(data_dir=data_dir, model="hashing", **settings)))
        return opened[-1]

    yield make
    for repository in opened:
        repository.close()


def failures(report: Any) -> dict[str, str]:
    """Each failed file's name and reason."""
    return {Path(p.path).name: p.reason for p in report.failed}


def added(report: Any) -> set[str]:
    """The names of the files that were added."""
    return {Path(r.path).name for r in report.results if r.status == "added"}


# --- columns --------------------------------------------------------------------------------------


def duplicate_header_csv(columns: int) -> bytes:
    """A one-row CSV whose header repeats one name ``columns`` times."""
    return (",".join(["answer"] * columns) + "\n" + ",".join(["it is slow"] * columns) + "\n").encode()


def test_thousands_of_duplicate_headers_fail_fast_with_the_column_limit(repo: Repository, tmp_path: Path) -> None:
    (tmp_path / "wide.csv").write_bytes(duplicate_header_csv(4000))
    (tmp_path / "fine.md").write_text("Exports are slow on Mondays.\n")
    started = time.perf_counter()
    report = repo.ingest([tmp_path])
    assert time.perf_counter() - started < 5  # generous: guards against the cubic de-duplication
    assert failures(report) == {"wide.csv": f"has 4,000 columns, more than the {MAX_COLUMNS:,} allowed in a table"}
    assert added(report) == {"fine.md"}


def test_duplicate_headers_up_to_the_limit_are_named_in_linear_time() -> None:
    started = time.perf_counter()
    doc = get_parser(".csv")(duplicate_header_csv(MAX_COLUMNS), ParseOptions())
    assert time.perf_counter() - started < 1  # the cubic version takes seconds here, growing with the cube
    assert set(doc.sections[0].metadata) == {f"answer_{n}" for n in range(2, MAX_COLUMNS + 1)}


# --- passages per file ----------------------------------------------------------------------------


def test_a_file_with_too_many_passages_fails_alone_before_embedding(make_repo: Callable[..., Repository],
                                                                     tmp_path: Path) -> None:
    paragraph = "The payroll export dropped overtime again and nobody noticed until Friday. " * 8
    (tmp_path / "long.txt").write_text("\n\n".join([paragraph.strip()] * 12))
    (tmp_path / "short.md").write_text("Swap approvals take days.\n")
    repo = make_repo(max_passages=10)
    report = repo.ingest([tmp_path])
    assert failures(report) == {"long.txt": "yields 12 passages, more than the 10 allowed per file "
                                            "(INSIGHTS_MAX_PASSAGES); split it into smaller files"}
    assert added(report) == {"short.md"}
    counts = repo.store.counts()
    assert counts["passages"] == counts["vectors"] == 1


def test_the_default_passage_cap_is_ten_thousand(repo: Repository, tmp_path: Path) -> None:
    records = "".join(json.dumps({"id": n, "text": f"Feedback {n}"}) + "\n" for n in range(10_001))
    (tmp_path / "many.jsonl").write_text(records)
    report = repo.ingest([tmp_path / "many.jsonl"])
    assert failures(report) == {"many.jsonl": "yields 10,001 passages, more than the 10,000 allowed per file "
                                              "(INSIGHTS_MAX_PASSAGES); split it into smaller files"}
    assert repo.store.counts()["passages"] == 0


def test_limits_come_from_the_environment(runner: CliRunner, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    assert (Settings().max_passages, Settings().max_parse_seconds) == (10_000, 60.0)
    monkeypatch.setenv("INSIGHTS_MAX_PASSAGES", "2")
    monkeypatch.setenv("INSIGHTS_MAX_PARSE_SECONDS", "0.5")
    assert (Settings.from_env().max_passages, Settings.from_env().max_parse_seconds) == (2, 0.5)
    (tmp_path / "three.jsonl").write_text('{"text": "one"}\n{"text": "two"}\n{"text": "three"}\n')
    result = runner.invoke(cli, ["ingest", str(tmp_path / "three.jsonl")])
    assert result.exit_code == 1
    assert f"failed: {tmp_path / 'three.jsonl'}: yields 3 passages, more than the 2 allowed" in result.output


# --- parse time -----------------------------------------------------------------------------------


def test_a_file_that_takes_too_long_to_read_fails_alone(make_repo: Callable[..., Repository], tmp_path: Path) -> None:
    (tmp_path / "big.jsonl").write_text("".join(f'{{"id": {n}, "text": "Note {n}"}}\n' for n in range(100_000)))
    (tmp_path / "small.md").write_text("Swap approvals take days.\n")
    repo = make_repo(max_parse_seconds=0.05)  # far longer than a small file takes
    report = repo.ingest([tmp_path])
    assert failures(report) == {"big.jsonl": "took longer than the 0.05 s allowed to read one file "
                                             "(INSIGHTS_MAX_PARSE_SECONDS); split it into smaller files"}
    assert added(report) == {"small.md"}


def ticking(ticks: int) -> Deadline:
    """A deadline on a clock that advances one second each time it is read: it allows ``ticks`` checks."""
    clock = itertools.count()
    return Deadline(ticks, clock=lambda: float(next(clock)))


def docx_bytes(paragraphs: int) -> bytes:
    import io

    import docx

    document = docx.Document()
    for n in range(paragraphs):
        document.add_paragraph(f"Paragraph {n} about onboarding.")
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()


def pdf_bytes(pages: int) -> bytes:
    from fpdf import FPDF

    pdf = FPDF()
    pdf.set_font("Helvetica", size=12)
    for n in range(pages):
        pdf.add_page()
        pdf.multi_cell(0, 10, f"Page {n} about exports.")
    return bytes(pdf.output())


LOOPS = {
    ".txt": b"A line of prose about the export.\n" * 300,
    ".md": b"# Heading\n\nText under it.\n\n" * 300,
    ".html": b"<p>One paragraph of visible text.</p>" * 300,
    ".csv": b"id,answer\n" + b"".join(b"%d,It is slow today\n" % n for n in range(300)),
    ".jsonl": b"".join(b'{"id": %d, "text": "It is slow"}\n' % n for n in range(300)),
    ".vtt": b"WEBVTT\n\n" + b"".join(b"00:00:%02d.000 --> 00:00:%02d.500\n<v Ann>Hi there\n\n" % (n % 60, n % 60)
                                     for n in range(300)),
    ".srt": b"".join(b"%d\n00:00:%02d,000 --> 00:00:%02d,500\nAnn: Hi there\n\n" % (n, n % 60, n % 60)
                     for n in range(300)),
}


@pytest.mark.parametrize("suffix", [*LOOPS, ".txt transcript", ".docx", ".pdf"])
def test_every_parser_checks_the_deadline_in_its_main_loop(suffix: str) -> None:
    if suffix == ".txt transcript":
        suffix, data = ".txt", b"Ann: Hi\nBen: Hello\n" * 150
    elif suffix == ".docx":
        data = docx_bytes(200)
    elif suffix == ".pdf":
        data = pdf_bytes(60)
    else:
        data = LOOPS[suffix]
    parser = get_parser(suffix)
    assert parser(data, ParseOptions(deadline=ticking(10_000))).sections  # a generous limit: read
    with pytest.raises(ParseTimeout, match="took longer than the 50 s allowed"):
        parser(data, ParseOptions(deadline=ticking(50)))


def test_the_chunker_checks_the_deadline() -> None:
    builder = DocumentBuilder()
    for n in range(300):
        builder.add(f"Block {n} about exports.")
    doc = builder.build()
    assert len(chunk_document(doc, deadline=ticking(10_000))) == 300
    with pytest.raises(ParseTimeout):
        chunk_document(doc, deadline=ticking(50))


# --- over-long tokens -----------------------------------------------------------------------------


def test_a_huge_base64_token_is_kept_in_the_text_but_is_no_passage(repo: Repository, tmp_path: Path) -> None:
    blob = base64.b64encode(bytes(range(256)) * 6000).decode()  # 2 MB without whitespace
    (tmp_path / "paste.txt").write_text(f"The export crashed with this attachment:\n\n{blob}\n\nPlease help.\n")
    report = repo.ingest([tmp_path])
    assert report.failed == []
    doc = repo.document(report.results[0].document_id or 0)
    assert blob in doc["text"]
    assert [p["text"] for p in doc["passages"]] == ["The export crashed with this attachment:", "Please help."]
    assert all(len(p["text"]) <= repo.settings.chunk_chars for p in doc["passages"])
    assert repo.search("export crashed attachment", mode="keyword")


def test_a_long_run_of_real_text_without_spaces_is_cut_to_the_passage_cap(repo: Repository, tmp_path: Path) -> None:
    # Chinese (and Japanese, Thai) prose has no spaces: it must be cut, not dropped.
    prose = "新管理员第一周不知道从哪里开始设置排班。" * 150  # 3,000 characters, no whitespace
    (tmp_path / "zh.txt").write_text(prose + "\n")
    report = repo.ingest([tmp_path])
    doc = repo.document(report.results[0].document_id or 0)
    passages = doc["passages"]
    assert [len(p["text"]) for p in passages] == [800, 800, 800, 600]
    assert "".join(p["text"] for p in passages) == prose
    assert all(doc["text"][p["char_start"] : p["char_end"]] == p["text"] for p in passages)


# --- metadata -------------------------------------------------------------------------------------


def test_the_limits_are_sane() -> None:
    assert (MAX_TITLE_CHARS, MAX_NAME_CHARS, MAX_TAG_CHARS, MAX_TAGS) == (300, 200, 64, 100)


def test_tags_over_the_limits_are_refused_with_a_short_message() -> None:
    assert normalize_tags(["x" * MAX_TAG_CHARS] + [f"t{n}" for n in range(MAX_TAGS - 1)])
    with pytest.raises(MetadataError) as excinfo:
        normalize_tags(["ok", "y" * 1_000_000])
    assert str(excinfo.value) == f"a tag is at most 64 characters; '{'y' * 40}…' has 1,000,000"
    assert isinstance(excinfo.value, ValueError)  # the web edges catch it as a bad value
    with pytest.raises(MetadataError, match="^at most 100 tags per document; got 100,000$"):
        normalize_tags(",".join(f"t{n}" for n in range(100_000)))


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("title", "t" * 1_100_000, "title is at most 300 characters; this one has 1,100,000"),
        ("participant", "p" * 200_000, "participant is at most 200 characters; this one has 200,000"),
        ("segment", "s" * 201, "segment is at most 200 characters; this one has 201"),
        ("competitor", "c" * 201, "competitor is at most 200 characters; this one has 201"),
        ("author", "a" * 201, "author is at most 200 characters; this one has 201"),
        ("tags", [f"t{n}" for n in range(101)], "at most 100 tags per document; got 101"),
        ("kind", "podcast" * 100_000, "kind 'podcastpodcastpodcastpodcastpodcastpodca…' is not one of interview, "
                                      "usability-test, survey, support-ticket, review, competitor-analysis, "
                                      "sales-call, persona, note"),
        ("date", "soon", "date 'soon' is not a date like 2024-05-17"),
    ],
)
def test_batch_metadata_is_validated_in_one_place(field: str, value: Any, message: str) -> None:
    with pytest.raises(MetadataError) as excinfo:
        validate_metadata({field: value})
    assert str(excinfo.value) == message


def test_valid_batch_metadata_comes_back_canonical() -> None:
    assert validate_metadata({"Kind": "Usability test", "date": "2026-03-14", "tags": "B, a",
                              "title": "t" * MAX_TITLE_CHARS, "participant": "P01"}) == {
        "kind": "usability-test", "date": "2026-03-14", "tags": ["a", "b"], "title": "t" * MAX_TITLE_CHARS,
        "participant": "P01"}


def test_a_huge_value_in_a_warning_is_cut_short() -> None:
    _, warnings = normalize_metadata({"kind": "x" * 1_000_000, "date": "y" * 1_000_000})
    assert all(len(w) < 200 for w in warnings), warnings


def test_front_matter_over_a_limit_fails_the_file_alone(repo: Repository, tmp_path: Path) -> None:
    (tmp_path / "long title.md").write_text(f"---\ntitle: {'t' * 1_100_000}\n---\nBody text.\n")
    tags = ", ".join(f"t{n}" for n in range(100_000))
    (tmp_path / "many tags.md").write_text(f"---\ntags: [{tags}]\n---\nBody text.\n")
    (tmp_path / "long tag.md").write_text(f"---\ntags: [ok, {'z' * 1_000_000}]\n---\nBody text.\n")
    (tmp_path / "fine.md").write_text("---\ntitle: Fine\n---\nBody text.\n")
    report = repo.ingest([tmp_path])
    assert failures(report) == {
        "long title.md": "front matter: title is at most 300 characters; this one has 1,100,000",
        "many tags.md": "front matter: at most 100 tags per document; got 100,000",
        "long tag.md": f"front matter: a tag is at most 64 characters; '{'z' * 40}…' has 1,000,000",
    }
    assert added(report) == {"fine.md"}


def test_over_long_batch_metadata_fails_each_file_with_the_reason(repo: Repository, notes: Path) -> None:
    report = repo.ingest([notes], {"participant": "p" * 200_000})
    assert set(failures(report).values()) == {"participant is at most 200 characters; this one has 200,000"}
    assert repo.store.counts()["documents"] == 0


@pytest.mark.parametrize(
    ("name", "data"),
    [
        ("heading.md", f"# {'Heading words ' * 100_000}\n\nBody text.\n"),
        ("page.html", f"<title>{'Heading words ' * 100_000}</title><p>Body text.</p>"),
    ],
)
def test_a_title_found_in_the_file_is_shortened_not_refused(repo: Repository, tmp_path: Path, name: str,
                                                            data: str) -> None:
    (tmp_path / name).write_text(data)
    report = repo.ingest([tmp_path / name])
    assert report.failed == []
    title = repo.documents()[0]["title"]
    assert len(title) <= MAX_TITLE_CHARS and title.startswith("Heading words Heading") and title.endswith("words…")


def test_an_upload_named_at_length_gets_a_shortened_title(repo: Repository, tmp_path: Path) -> None:
    (tmp_path / "parked.md").write_text("Body text.\n")
    report = repo.ingest_upload(tmp_path / "parked.md", f"{'Long file name ' * 100}.md")
    assert report.failed == []
    title = repo.documents()[0]["title"]
    assert len(title) <= MAX_TITLE_CHARS and title.startswith("Long file name") and title.endswith("…")


def test_an_absurd_record_field_is_left_out_of_the_filter_columns(repo: Repository, tmp_path: Path) -> None:
    assert record_fields({"participant": "p" * (MAX_NAME_CHARS + 1), "segment": "SMB"}) == {"segment": "SMB"}
    essay = "I pasted my whole answer into the name column " * 20
    (tmp_path / "survey.csv").write_text(f"respondent,segment,answer\n{essay},SMB,Too expensive\nR2,Ent,Need SSO\n")
    report = repo.ingest([tmp_path], options=ParseOptions(text_column="answer"))
    assert report.failed == []
    hits = {h.text: h for h in repo.search("expensive SSO", mode="keyword")}
    assert hits["Too expensive"].participant is None and hits["Too expensive"].segment == "SMB"
    assert hits["Need SSO"].participant == "R2"


def test_parse_errors_list_a_hostile_header_briefly() -> None:
    header = ",".join(f"{'column name ' * 100}{n}" for n in range(900))
    with pytest.raises(ParseError) as excinfo:
        get_parser(".csv")((header + "\n" + ",".join(["1"] * 900) + "\n").encode(), ParseOptions())
    assert len(str(excinfo.value)) < 2000
    assert str(excinfo.value).endswith("(880 more)")


def test_an_evaluation_corpus_is_one_file_of_many_records_and_is_not_capped(tmp_path: Path) -> None:
    from insights.cli.evaluation import document_ids, ingest, load_beir, settings_for

    beir = tmp_path / "beir"
    beir.mkdir()
    (beir / "corpus.jsonl").write_text("".join(json.dumps({"_id": f"d{n}", "title": f"Title {n}", "text": ""}) + "\n"
                                               for n in range(10_001)))
    (beir / "queries.jsonl").write_text('{"_id": "q1", "text": "Title 7"}\n')
    (beir / "qrels.tsv").write_text("query-id\tcorpus-id\tscore\nq1\td7\t1\n")
    dataset = load_beir(beir)
    settings = settings_for(Settings(model="hashing"), dataset, tmp_path / "data")
    assert settings.max_passages > 10_001
    repo = Repository(settings)
    try:
        assert ingest(repo, dataset)["passages"] == 10_001  # title-only records, every one
        assert len(set(document_ids(repo).values())) == 10_001
    finally:
        repo.close()
