"""Insights: a self-hosted research repository with semantic search."""

from __future__ import annotations

import os
import secrets
from pathlib import Path
from typing import TYPE_CHECKING, Any

from insights.config import Settings

if TYPE_CHECKING:
    from flask import Flask


def create_app(test_config: dict[str, Any] | None = None) -> Flask:
    """Create and configure the web app over one repository."""
    # Imported here: every command imports this package, and only the server needs Flask (a third of a second).
    from flask import Flask

    app = Flask(__name__, template_folder=_templates(), static_folder="web/static")
    settings = Settings.from_env()
    app.config.from_mapping(
        DATA_DIR=str(settings.data_dir),
        MODEL=settings.model,
        MAX_CONTENT_LENGTH=int(settings.max_file_mb * 1_000_000) * 4,  # a whole batch per request
        MAX_FORM_PARTS=1000,  # files and fields; more gets a 413 that says so
        WORKER=True,
        PER_PAGE=10,
    )
    app.config.from_prefixed_env("INSIGHTS")
    if test_config is not None:
        app.config.from_mapping(test_config)
    data_dir = Path(app.config["DATA_DIR"])
    os.makedirs(data_dir, exist_ok=True)
    app.config.setdefault("SECRET_KEY", None)
    if not app.config["SECRET_KEY"]:
        app.config["SECRET_KEY"] = _secret_key(data_dir)

    from insights import web

    web.init_app(app, Settings.from_env(data_dir=data_dir, model=app.config["MODEL"]))
    return app


def _templates() -> str:
    """Return the Jinja templates folder: inside an installed wheel, else at the top of the checkout."""
    here = Path(__file__).resolve().parent
    bundled = here / "templates"
    return str(bundled if bundled.is_dir() else here.parent / "templates")


def _secret_key(data_dir: Path) -> str:
    """Return the data folder's session key, creating it once (readable by the owner only)."""
    path = data_dir / "secret_key"
    if not path.exists():
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w") as f:
            f.write(secrets.token_hex(32))
    return path.read_text().strip()
