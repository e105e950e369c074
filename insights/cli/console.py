"""Shared pieces of the command line: the repository context, error translation and JSON output."""

from __future__ import annotations

import functools
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import click

from insights.config import Settings
from insights.errors import InsightsError
from insights.repository import Repository


class Context:
    """Settings from the group's options; the repository opens on first use."""

    def __init__(self, data_dir: Path | None, model: str | None) -> None:
        self.settings = Settings.from_env(data_dir=data_dir, model=model)
        self._repo: Repository | None = None

    @property
    def repo(self) -> Repository:
        """Return the repository, opening it on first use."""
        if self._repo is None:
            self._repo = Repository(self.settings)
        return self._repo


def handle_errors(command: Callable[..., Any]) -> Callable[..., Any]:
    """Turn library errors into one-line messages and a non-zero exit, never a traceback."""

    @functools.wraps(command)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return command(*args, **kwargs)
        except InsightsError as ex:
            raise click.ClickException(str(ex)) from ex

    return wrapper


def json_option(command: Callable[..., Any]) -> Callable[..., Any]:
    """Add ``--json`` for machine-readable output."""
    return click.option("--json", "as_json", is_flag=True, help="Print JSON instead of text.")(command)


def print_json(data: Any) -> None:
    """Print data as indented JSON."""
    click.echo(json.dumps(data, indent=2, ensure_ascii=False, default=str))
