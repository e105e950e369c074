"""The ``insights`` command line: a thin shell over the Repository."""

from __future__ import annotations

import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import click

from ingest.errors import MetadataError
from ingest.metadata import KINDS, MAX_NAME_CHARS, normalize_date, validate_metadata
from ingest.parsers import ParseOptions
from insights.cli import audit, backup
from insights.cli.accounts import tokens, users
from insights.cli.collections import collections
from insights.cli.console import Context, handle_errors, json_option, print_json
from insights.cli.saved import insight
from insights.config import Settings
from insights.filters import Filters
from insights.repository import Repository
from insights.search import exports, weak
from insights.search.engine import FUSIONS, MODES, mark
from insights.storage.atomic import atomic_write
from insights.storage.ingestion import IngestReport
from insights.synthesis.themes import Theme


def validate_date(ctx: click.Context, param: click.Parameter, value: str | None) -> str | None:
    """Accept YYYY-MM-DD or YYYY-MM dates."""
    if value is None:
        return None
    date = normalize_date(value)
    if date is None:
        raise click.BadParameter(f"{value!r} is not a date like 2026-03-14")
    return date


@click.group()
@click.version_option(package_name="insights")
@click.option("--data-dir", type=click.Path(file_okay=False, path_type=Path), envvar="INSIGHTS_DATA_DIR",
              help="Repository folder (default ./insights-data; env INSIGHTS_DATA_DIR).")
@click.option("--model", envvar="INSIGHTS_MODEL",
              help="Embedding model: all-MiniLM-L6-v2 (bundled, default), a sentence-transformers path, or hashing.")
@click.pass_context
def cli(ctx: click.Context, data_dir: Path | None, model: str | None) -> None:
    """Insights: a searchable home for user research, on your own machine.

    Example: insights ingest notes/ && insights search "why do admins give up?"
    """
    ctx.obj = Context(data_dir, model)


cli.add_command(insight)
for command in (audit.audit, backup.backup, backup.restore, users, tokens, collections):
    cli.add_command(command)


def filter_options(command: Callable[..., Any]) -> Callable[..., Any]:
    """Add the search filters shared by every command that searches."""
    options = [
        click.option("--kind", multiple=True, type=click.Choice(KINDS), help="Only this source kind (repeatable)."),
        click.option("--tag", multiple=True, help="Only documents with this tag (repeatable: all must match)."),
        click.option("--participant", multiple=True, help="Only this participant (repeatable)."),
        click.option("--segment", multiple=True, help="Only this segment (repeatable)."),
        click.option("--competitor", multiple=True, help="Only about this competitor (repeatable)."),
        click.option("--author", multiple=True, help="Only by this author (repeatable)."),
        click.option("--document", "document_ids", multiple=True, type=int, help="Only this document id (repeatable)."),
        click.option("--from", "date_from", callback=validate_date, help="Dated on or after, e.g. 2026-01-01."),
        click.option("--to", "date_to", callback=validate_date, help="Dated on or before, e.g. 2026-06-30."),
    ]
    for option in reversed(options):
        command = option(command)
    return command


def make_filters(kw: dict[str, Any]) -> Filters:
    """Build Filters from the filter options' values."""
    return Filters(kind=kw["kind"], tag=kw["tag"], participant=kw["participant"], segment=kw["segment"],
                   competitor=kw["competitor"], author=kw["author"], document=kw["document_ids"],
                   date_from=kw["date_from"], date_to=kw["date_to"])


@cli.command()
@click.argument("paths", nargs=-1, required=True, type=click.Path(path_type=Path))
@click.option("--kind", type=click.Choice(KINDS), help="Source kind for files that don't set one.")
@click.option("--tag", "tags", multiple=True, help="Tag every file (repeatable).")
@click.option("--participant", help="Participant for files that don't name one.")
@click.option("--segment", help="Segment for files that don't name one.")
@click.option("--competitor", help="Competitor the files are about.")
@click.option("--author", help="Author of the files.")
@click.option("--date", callback=validate_date, help="Date for files that don't carry one, e.g. 2026-03-14.")
@click.option("--text-column", help="CSV column holding the text (default: detected).")
@click.option("--text-field", help="JSON Lines field holding the text (default: detected).")
@click.option("--interviewer", "interviewers", multiple=True, metavar="NAME",
              help="Who asks in these transcripts (repeatable); others are detected by label and behaviour.")
@click.option("--prune", is_flag=True, help="Remove documents from these folders whose files are gone.")
@click.option("--collection", metavar="NAME", help="Restrict the files written to this collection's members.")
@json_option
@click.pass_obj
@handle_errors
def ingest(obj: Context, paths: tuple[Path, ...], tags: tuple[str, ...], text_column: str | None,
           text_field: str | None, interviewers: tuple[str, ...], prune: bool, collection: str | None, as_json: bool,
           **batch: Any) -> None:
    """Add files and folders to the repository; unchanged files are skipped.

    Example: insights ingest interviews/ --kind interview --tag onboarding
    """
    try:  # a bad flag fails once, not once per file
        validate_metadata({k: v for k, v in batch.items() if v} | {"tags": list(tags)})
    except MetadataError as ex:
        raise click.UsageError(str(ex)) from None
    metadata = {k: v for k, v in batch.items() if v} | {"tags": list(tags)}
    options = ParseOptions(text_column=text_column, text_field=text_field, interviewers=names(interviewers))
    collection_id = obj.repo.collections.get(collection).id if collection else None
    with click.progressbar(length=1, label="Ingesting", file=sys.stderr, show_pos=True) as bar:

        def progress(done: int, total: int, path: str) -> None:
            bar.length = total
            bar.update(1)

        report = obj.repo.ingest(paths, metadata, options, prune=prune, progress=progress, collection=collection_id)
    if as_json:
        print_json(report.to_dict())
    else:
        echo_report(report, prune=prune)
    if report.failed:
        sys.exit(1)


def names(values: tuple[str, ...]) -> tuple[str, ...]:
    """Return the names given, each flag also split at commas, in a stable order."""
    found = {n.strip() for value in values for n in value.split(",") if n.strip()}
    if any(len(n) > MAX_NAME_CHARS for n in found):
        raise click.UsageError(f"an interviewer's name is at most {MAX_NAME_CHARS} characters")
    return tuple(sorted(found))


def echo_report(report: IngestReport, prune: bool = False, summary_to_stderr: bool = False) -> None:
    """Print an ingest's one-line summary, then a line per warning and per failure (on stderr)."""
    removed = f", removed {len(report.removed)}" if prune else ""
    click.echo(f"added {report.count('added')}, updated {report.count('updated')}, "
               f"unchanged {report.count('unchanged')}, failed {len(report.failed)}{removed}", err=summary_to_stderr)
    for path, warning in report.warnings:
        click.echo(f"warning: {path}: {warning}", err=True)
    for problem in report.failed:
        click.echo(f"failed: {problem.path}: {problem.reason}", err=True)


@cli.command()
@click.argument("question")
@click.option("--mode", type=click.Choice(MODES), default="hybrid", show_default=True, help="How to rank.")
@click.option("--limit", type=click.IntRange(1, 1000), default=10, show_default=True, help="How many hits.")
@click.option("--offset", type=click.IntRange(0), default=0, help="Skip this many hits (paging).")
@filter_options
@json_option
@click.pass_obj
@handle_errors
def search(obj: Context, question: str, mode: str, limit: int, offset: int, as_json: bool, **kw: Any) -> None:
    """Find the quotes that answer a question, each with its citation.

    Example: insights search "why do new admins struggle?" --kind interview --limit 5
    """
    filters = make_filters(kw)
    page = obj.repo.search_page(question, mode=mode, limit=limit, filters=filters, offset=offset)
    hits, match = page["hits"], page["match"]
    if as_json:
        print_json({"query": question, "mode": mode, "filters": filters.to_dict(), "weak_match": match.weak,
                    "hits": [h.to_dict() for h in hits]})
        return
    if not hits:
        click.echo("No passages match." + (" Try removing a filter." if filters else ""))
    elif match.weak:
        click.echo(weak.notice(match) + " The closest passages follow.\n")
    for rank, hit in enumerate(hits, offset + 1):
        click.echo(f"{rank}. {click.style(hit.title, bold=True)} [{hit.kind}] {hit.place}")
        if hit.locator.get("prompt"):
            click.echo("   asked: " + str(hit.locator["prompt"]))
        quote = mark(hit.text, hit.highlights, "\x1b[1m", "\x1b[22m") if sys.stdout.isatty() else hit.text
        click.echo("   “" + " ".join(quote.split()) + "”")
        click.echo(f"   document {hit.document_id}, chars {hit.char_start}–{hit.char_end}, score {hit.score:.4f}\n")


@cli.command()
@click.argument("question")
@click.option("--format", "fmt", type=click.Choice(exports.FORMATS), default="csv", show_default=True,
              help="csv (a spreadsheet, formulas neutralised) or md (block quotes with citations).")
@click.option("--out", type=click.Path(dir_okay=False, path_type=Path), help="Write to this file (default: stdout).")
@click.option("--mode", type=click.Choice(MODES), default="hybrid", show_default=True, help="How to rank.")
@click.option("--limit", type=click.IntRange(1, exports.EXPORT_LIMIT), default=exports.EXPORT_LIMIT,
              show_default=True, help="How many quotes.")
@filter_options
@click.pass_obj
@handle_errors
def export(obj: Context, question: str, fmt: str, out: Path | None, mode: str, limit: int, **kw: Any) -> None:
    """Export the quotes that answer a question, each with its citation, as CSV or Markdown.

    Example: insights export "what do customers say about RotaMate?" --format md --out rotamate.md
    """
    if out is not None and not out.parent.is_dir():
        raise click.BadParameter(f"no folder {out.parent}", param_hint="--out")
    body, quotes = obj.repo.export(question, fmt, mode, limit, make_filters(kw))
    if out is None:
        click.echo(body, nl=False)
        return
    atomic_write(out, body.encode("utf-8"))
    click.echo(f"wrote {quotes} quotes to {out}", err=True)


@cli.command()
@click.option("--query", "-q", default="", help="Only the passages that best answer this question.")
@click.option("--mode", type=click.Choice(MODES), default="hybrid", show_default=True, help="How --query ranks.")
@click.option("--quotes", type=click.IntRange(1, 50), default=3, show_default=True, help="Quotes shown per theme.")
@click.option("--theme", "theme_id", type=click.IntRange(1), help="Drill into theme N: show every quote of it.")
@filter_options
@json_option
@click.pass_obj
@handle_errors
def themes(obj: Context, query: str, mode: str, quotes: int, theme_id: int | None, as_json: bool,
           **kw: Any) -> None:
    """Group the passages of a scope (a question and/or filters) into themes, strongest evidence first.

    Example: insights themes --kind support-ticket --segment SMB
    """
    report = obj.repo.themes(query, make_filters(kw), mode, quotes, theme_id)
    if theme_id is not None:
        theme = report.theme(theme_id)
        if as_json:
            print_json({"query": query, "filters": report.filters.to_dict(), "theme": theme.to_dict()})
        else:
            echo_theme(theme)
        return
    if as_json:
        print_json(report.to_dict())
        return
    click.echo(f"{len(report.themes)} themes in {report.passages} passages ({report.unthemed} in no theme)\n")
    if not report.passages:
        click.echo("No passages in this scope." + (" Try removing a filter." if report.filters else ""))
    for theme in report.themes:
        echo_theme(theme)


def echo_theme(theme: Theme, indent: str = "") -> None:
    """Print a theme: label, evidence counts and breakdowns, then its quotes with citations."""
    e = theme.evidence
    click.echo(f"{indent}{theme.id}. {click.style(theme.label, bold=True)}")
    click.echo(f"{indent}   {e.participants} participants · {e.documents} documents · {e.quotes} quotes "
               f"({e.passages} passages)")
    for name, counts in (("kinds", e.kinds), ("segments", e.segments)):
        if counts:
            click.echo(f"{indent}   {name}: " + ", ".join(f"{k} {n}" for k, n in counts.items()))
    for quote in theme.quotes:
        copies = f" (×{quote.copies})" if quote.copies > 1 else ""
        click.echo(f"{indent}   “{' '.join(quote.hit.text.split())}”{copies}\n{indent}     — {quote.hit.citation}")
    click.echo("")


@cli.command()
@click.argument("names", nargs=-1, metavar="[NAME [OTHER]]")
@click.option("--query", "-q", default="", help="With two names: the question to compare them on.")
@json_option
@click.pass_obj
@handle_errors
def competitors(obj: Context, names: tuple[str, ...], query: str, as_json: bool) -> None:
    """List competitors; show one's themes (customers vs our analyses); or compare two (or us) on a question.

    Example: insights competitors us RotaMate --query "what do they say about pricing?"
    """
    from insights.synthesis import competitors as rivals

    if len(names) > 2:
        raise click.UsageError("give at most two names: NAME to see one, NAME OTHER --query Q to compare")
    if len(names) == 2:
        if not query.strip():
            raise click.UsageError("comparing two sides needs a question: --query \"...\"")
        comparison = rivals.compare(obj.repo, query, *names)
        if as_json:
            print_json(comparison.to_dict())
            return
        for side in (comparison.left, comparison.right):
            click.echo(click.style(f"== {side.name} ({side.passages} passages) ==", bold=True))
            for hit in side.hits:
                click.echo(f"  “{' '.join(hit.text.split())}”\n    — {hit.citation}")
            click.echo("  themes: " + (" | ".join(t.label for t in side.themes.themes) or "none") + "\n")
        return
    if names:
        view = rivals.view(obj.repo, names[0])
        if as_json:
            print_json(view.to_dict())
            return
        for title, report in ((f"What customers say about {view.name}", view.customers),
                              (f"What our competitor analyses say about {view.name}", view.analyses)):
            click.echo(click.style(f"== {title}: {len(report.themes)} themes in {report.passages} passages ==",
                                   bold=True))
            for theme in report.themes:
                echo_theme(theme, "  ")
        return
    listing = rivals.overview(obj.repo)
    if as_json:
        print_json({"competitors": listing})
        return
    for row in listing:
        click.echo(f"{row['name']:<24} customers {row['customer_passages']:>5}  analyses {row['analysis_passages']:>5}")
    if not listing:
        click.echo("No competitors yet: set competitor on a document (front matter, --competitor, upload form).")


def _raise_file_limit(wanted: int) -> None:
    """Let the process hold ``wanted`` open files if the system allows it (the default is often 1,024)."""
    import resource

    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft != resource.RLIM_INFINITY and soft < wanted:
        ceiling = wanted if hard == resource.RLIM_INFINITY else min(wanted, hard)
        resource.setrlimit(resource.RLIMIT_NOFILE, (ceiling, hard))


@cli.command()
@json_option
@click.pass_obj
@handle_errors
def documents(obj: Context, as_json: bool) -> None:
    """List every document with its kind, date and passage count.

    Example: insights documents --json
    """
    docs = obj.repo.documents()
    if as_json:
        print_json({"documents": docs})
        return
    for d in docs:
        click.echo(f"{d['id']:>5}  {d['kind']:<19} {d['passages']:>5}  {d['date'] or '':<10}  {d['title']}")
    click.echo(f"{len(docs)} documents")


@cli.command()
@click.argument("document_id", metavar="DOC", type=int)
@json_option
@click.pass_obj
@handle_errors
def show(obj: Context, document_id: int, as_json: bool) -> None:
    """Show one document: its metadata, full text and passages.

    Example: insights show 12
    """
    doc = obj.repo.document(document_id)
    if as_json:
        print_json(doc)
        return
    for key in ("title", "kind", "date", "participant", "segment", "competitor", "author", "source"):
        if doc[key]:
            click.echo(f"{key}: {doc[key]}")
    click.echo(f"tags: {', '.join(doc['tags']) or '-'}\npassages: {len(doc['passages'])}\n")
    click.echo(doc["text"])


@cli.command()
@click.argument("document_ids", metavar="DOC...", nargs=-1, required=True, type=int)
@click.pass_obj
@handle_errors
def remove(obj: Context, document_ids: tuple[int, ...]) -> None:
    """Delete documents with their passages and vectors.

    Example: insights remove 12 13
    """
    for document_id in document_ids:
        doc = obj.repo.remove(document_id)
        click.echo(f"removed {document_id}: {doc['title']}")


@cli.command()
@click.option("--re-embed", is_flag=True, help="Embed every passage again with the configured model.")
@click.pass_obj
@handle_errors
def reindex(obj: Context, re_embed: bool) -> None:
    """Rebuild the vector index from the stored vectors (or re-embed with --re-embed).

    Example: INSIGHTS_MODEL=/models/e5-small insights reindex --re-embed
    """
    stats = obj.repo.reindex(re_embed=re_embed)
    click.echo(f"indexed {stats['indexed']} passages with {stats['model']}")


def serve_options(command: Callable[..., Any]) -> Callable[..., Any]:
    """Add --host, --port, --allowed-host and --threads."""
    command = click.option("--threads", default=8, show_default=True, type=int, help="Request threads.")(command)
    command = click.option(
        "--allowed-host", "allowed", multiple=True, envvar="INSIGHTS_ALLOWED_HOSTS",
        help="Another host name the server answers to, as people type it in the browser (repeatable; "
             "env INSIGHTS_ALLOWED_HOSTS, comma-separated). Loopback names and the --host address always are.",
    )(command)
    command = click.option("--port", default=8000, show_default=True, type=int, help="Port to listen on.")(command)
    return click.option("--host", default="127.0.0.1", show_default=True, help="Address to listen on.")(command)


@cli.command()
@serve_options
@click.pass_obj
@handle_errors
def serve(obj: Context, host: str, port: int, allowed: tuple[str, ...], threads: int) -> None:
    """Serve the web app and the JSON API with a production WSGI server (waitress).

    Example: insights serve --host 0.0.0.0 --allowed-host research.example.com
    """
    run_server(obj.settings, host, port, threads, allowed)


@cli.command()
@click.option("--corpus", type=click.Path(exists=True, file_okay=False, path_type=Path), default=None,
              help="Demo corpus folder (default: examples/demo of this checkout).")
@click.option("--no-serve", is_flag=True, help="Build the demo repository and stop.")
@serve_options
@click.pass_obj
@handle_errors
def demo(obj: Context, corpus: Path | None, no_serve: bool, host: str, port: int, allowed: tuple[str, ...],
         threads: int) -> None:
    """Build a research repository from the bundled demo corpus (once) and serve it.

    Example: insights --data-dir demo-data demo --port 8000
    """
    from insights.cli import demo as demo_corpus

    folder = corpus or demo_corpus.CORPUS
    if not folder.is_dir():
        raise click.ClickException(f"no demo corpus at {folder}; pass --corpus PATH")
    click.echo(f"Building the demo repository in {obj.settings.data_dir} (the first time embeds about 1,000 passages)…",
               err=True)
    echo_report(demo_corpus.build(obj.repo, folder), summary_to_stderr=True)
    if not no_serve:
        run_server(obj.settings, host, port, threads, allowed)


#: Open connections the server keeps; idle ones are closed after 30 s of silence.
CONNECTION_LIMIT = 1000


def run_server(settings: Settings, host: str, port: int, threads: int, allowed: tuple[str, ...] = ()) -> None:
    """Build the app, load the model and indexes, and serve until interrupted."""
    import waitress

    from insights import create_app
    from insights.web.guard import allowed_hosts, is_loopback

    if not is_loopback(host):
        refuse_without_accounts(settings, host)
    names = allowed_hosts((n for value in allowed for n in value.split(",")), bind=host)
    app = create_app({"DATA_DIR": str(settings.data_dir), "MODEL": settings.model, "ALLOWED_HOSTS": names,
                      "SERVED_ON": host})
    repo = app.extensions["insights"]
    # Pay for the model and the indexes now, so the first question is answered at once.
    click.echo(f"Loading {repo.model} and the indexes…", err=True)
    if repo.store.counts()["passages"]:
        repo.search("warm up", limit=1)
    else:
        repo.embedder.encode(["warm up"])
    click.echo(f"Insights is serving {settings.data_dir} at http://{host}:{port}/  (Ctrl+C to stop)")
    click.echo(f"It answers to the host names {', '.join(names)}.", err=True)
    # Idle connections cost a socket, not a thread: allow many, and close the silent ones soon.
    _raise_file_limit(CONNECTION_LIMIT + 256)
    waitress.serve(app, host=host, port=port, threads=threads, ident="insights", connection_limit=CONNECTION_LIMIT,
                   channel_timeout=30, cleanup_interval=5)


def refuse_without_accounts(settings: Settings, host: str) -> None:
    """Refuse to serve other machines while no account exists: anyone reaching it could read and change all."""
    repo = Repository(settings)
    try:
        if repo.accounts.exist():
            return
    finally:
        repo.close()
    raise click.ClickException(
        f"refusing to serve on {host} with no accounts: anyone who can reach this machine could read, change and "
        "delete everything. Create the first admin, then everyone signs in:\n"
        "    insights users add NAME --role admin\n"
        "or serve on 127.0.0.1 (the default) for yourself alone.")


@cli.command()
@json_option
@click.pass_obj
@handle_errors
def stats(obj: Context, as_json: bool) -> None:
    """Show counts of documents and passages, the model, and the index state.

    Example: insights stats --json
    """
    data = obj.repo.stats()
    if as_json:
        print_json(data)
        return
    for key, value in data.items():
        click.echo(f"{key}: {value}")


@cli.command("eval")
@click.argument("directory", metavar="DIR", type=click.Path(exists=True, file_okay=False, path_type=Path))
@click.option("--mode", type=click.Choice([*MODES, "all"]), default="all", show_default=True,
              help="Which ranking to score.")
@click.option("--limit-queries", type=click.IntRange(1), help="Score only the first N judged queries.")
@click.option("--fusion", type=click.Choice(FUSIONS), default="confidence", show_default=True,
              help="How hybrid combines the two rankings (rrf: reciprocal rank fusion, for comparison).")
@click.option("--data-dir", "keep_in", type=click.Path(file_okay=False, path_type=Path),
              help="Keep the evaluation repository here and reuse it next time (default: a temporary folder).")
@json_option
@click.pass_obj
@handle_errors
def eval_command(obj: Context, directory: Path, mode: str, limit_queries: int | None, fusion: str,
                 keep_in: Path | None, as_json: bool) -> None:
    """Score search on a BEIR folder (corpus.jsonl, queries.jsonl, qrels.tsv): nDCG@10, recall, MRR.

    Example: insights eval examples/golden --mode all --json
    """
    import tempfile

    from insights.cli.evaluation import evaluate, load_beir, settings_for

    dataset = load_beir(directory)
    modes = MODES if mode == "all" else (mode,)
    with tempfile.TemporaryDirectory(prefix="insights-eval-") as scratch:
        settings = settings_for(obj.settings, dataset, keep_in or Path(scratch))
        click.echo(f"Ingesting {dataset.corpus} into {settings.data_dir}…", err=True)
        repo = Repository(settings)
        try:
            result = evaluate(repo, dataset, modes, limit_queries, fusion)
        finally:
            repo.close()
    if as_json:
        print_json(result)
        return
    click.echo(f"{result['dataset']}: {result['queries']} queries, {result['documents']:,} documents, "
               f"{result['passages']:,} passages; ingest {result['ingest_seconds']} s"
               + (f" ({result['passages_per_second']} passages/s)" if result["passages_per_second"] else " (reused)"))
    click.echo(f"{'mode':<10}{'nDCG@10':>9}{'R@10':>8}{'R@100':>8}{'MRR@10':>8}{'half a':>8}{'half b':>8}{'p50 ms':>8}")
    for name, m in result["modes"].items():
        halves = [m["halves"].get(h, float("nan")) for h in "ab"]
        click.echo(f"{name:<10}{m['ndcg@10']:>9.4f}{m['recall@10']:>8.4f}{m['recall@100']:>8.4f}{m['mrr@10']:>8.4f}"
                   f"{halves[0]:>8.4f}{halves[1]:>8.4f}{m['query_ms_p50']:>8.1f}")
    click.echo(f"wall time {result['wall_seconds']} s")
