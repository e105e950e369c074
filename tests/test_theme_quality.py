"""Theme quality on the demo corpus with the real model: the planted pain points must stay recovered."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from insights.cli import demo
from insights.config import Settings
from insights.repository import Repository

pytestmark = pytest.mark.slow

sys.path.insert(0, str(Path(__file__).parent.parent / "bench"))
from theme_quality import measure  # noqa: E402

#: Measured on 2026-11-27 by bench/theme_quality.py (recall of each pain point's best theme), less a margin of 0.05.
#: Since page furniture and site chrome stopped being passages, new admins' setup (PP1) and AutoFill praise
#: (PP9) no longer share one theme (they met at 0.711, just under the 0.72 cut): purer themes, lower recall.
MEASURED = {"PP1": 0.50, "PP2": 0.62, "PP3": 0.84, "PP4": 0.79, "PP5": 0.50, "PP6": 0.63, "PP7": 0.67,
            "PP8": 0.56, "PP9": 0.70, "PP10": 0.78}
MARGIN = 0.05


@pytest.fixture(scope="module")
def quality(tmp_path_factory: pytest.TempPathFactory) -> dict:
    """Build the demo repository with the bundled model and measure its themes."""
    repo = Repository(Settings(data_dir=tmp_path_factory.mktemp("demo"), model="all-MiniLM-L6-v2"))
    demo.build(repo)
    return measure(repo)


@pytest.mark.parametrize("point", sorted(MEASURED, key=lambda p: int(p[2:])))
def test_each_planted_pain_point_keeps_its_recall(quality: dict, point: str) -> None:
    assert quality["pain_points"][point]["recall"] >= MEASURED[point] - MARGIN, quality["pain_points"][point]


def test_most_pain_points_are_recovered_by_one_theme_and_themes_stay_pure(quality: dict) -> None:
    assert quality["recovered"] >= 8  # a theme holds more than half of the pain point's records
    assert quality["mean_recall"] >= 0.66 - MARGIN
    assert quality["purity"] >= 0.73 - MARGIN
    # Each pain point's best theme holds at least two in three of the files the answer key names for it.
    assert all(row["primary_files"] >= 0.66 for row in quality["pain_points"].values())
