"""The load test, CI-sized: 20 signed-in users for 15 s against a real server leave no 5xx and lose no upload."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
SCRIPT = ROOT / "bench" / "load_test.py"


def run(*args: str, timeout: float = 600) -> subprocess.CompletedProcess[str]:
    """Run the load test script with this interpreter and return what it did."""
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    return subprocess.run([sys.executable, str(SCRIPT), *args], cwd=ROOT, env=env, capture_output=True, text=True,
                          timeout=timeout)


@pytest.mark.slow
def test_twenty_users_for_fifteen_seconds_leave_no_5xx_and_lose_no_document(tmp_path):
    out = tmp_path / "load.json"
    done = run("--model", "hashing", "--seconds", "15", "--corpus", "examples/demo/interviews", "--json", str(out))
    assert done.returncode == 0, done.stdout + done.stderr
    result = json.loads(out.read_text())
    assert result["server_errors"] == {} and result["other_errors"] == {}
    documents = result["documents"]
    assert documents["lost"] == 0 and documents["unfinished"] == 0 and documents["failed"] == 0
    assert documents["stored"] > 5 and documents["deleted"] >= 1, documents
    assert result["requests"]["search"] > 20 and result["search_ms"]["alone"]["n"] == 40
    assert result["audit_mismatch"] == {} and set(documents["by_uploader"]) <= set(result["audited_document_adds"])


@pytest.mark.parametrize("host", ["10.0.0.1", "example.com", "0.0.0.0"])
def test_the_load_test_refuses_any_address_but_loopback(host):
    done = run("--host", host, "--seconds", "1", timeout=60)
    assert done.returncode != 0 and "only runs against loopback" in done.stderr
