"""The README's main job, for real: `teachwhy run quickstart` on the embedded model (slow)."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

from teachwhy.report import load_manifest

QUICKSTART_BUDGET_S = 20 * 60


@pytest.mark.slow
def test_quickstart_runs_end_to_end(tmp_path: Path) -> None:
    env = {**os.environ, "HF_HUB_OFFLINE": "1", "TRANSFORMERS_OFFLINE": "1"}
    started = time.monotonic()
    done = subprocess.run(
        [sys.executable, "-m", "teachwhy", "run", "quickstart", "--quiet",
         "--out", str(tmp_path / "run")],
        capture_output=True, text=True, cwd=tmp_path, env=env, timeout=2 * QUICKSTART_BUDGET_S,
    )
    seconds = time.monotonic() - started
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    assert "report: " in done.stdout
    html = tmp_path / "run" / "report" / "report.html"
    text = html.read_text()
    assert 'id="comparison"' in text and text.count("data:image/png;base64,") >= 3

    manifest = load_manifest(tmp_path / "run")
    assert [a.name for a in manifest.arms] == [
        "baseline", "prompted", "direct", "documents_then_advice"
    ]
    assert all(a.status == "done" for a in manifest.arms)
    for name in ("direct", "documents_then_advice"):
        arm = manifest.arm(name)
        assert arm is not None and arm.dose is not None and arm.dose.steps > 0
        assert arm.fits and all(f.fitted for f in arm.fits), (name, arm.fits)
    # On a machine shared with other work this can run long; the budget is for a quiet one.
    print(f"quickstart took {seconds / 60:.1f} min")
