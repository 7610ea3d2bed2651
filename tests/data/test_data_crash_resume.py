"""SIGKILL a real `teachwhy generate` mid-run, rerun it: nothing lost, duplicated or re-asked."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

from data_fakes import base_url, fake_openai_server

from teachwhy.generate.records import read_jsonl, sidecar

COUNT = 12
CONCURRENCY = 2


def _command(out: Path) -> list[str]:
    return [
        sys.executable, "-m", "teachwhy", "generate", "documents",
        "--teacher", "openai-api/fake/m", "--count", str(COUNT), "--out", str(out),
        "--concurrency", str(CONCURRENCY), "--no-token-count", "--quiet",
    ]  # fmt: skip


def _lines(path: Path) -> int:
    return path.read_bytes().count(b"\n") if path.exists() else 0


def test_sigkill_then_rerun_resumes_without_loss_duplicates_or_repeated_calls(
    tmp_path: Path,
) -> None:
    out = tmp_path / "docs.jsonl"
    with fake_openai_server(delay=0.25) as server:
        env = {
            **os.environ,
            "FAKE_BASE_URL": base_url(server),
            "TEACHWHY_CACHE_DIR": str(tmp_path / "cache"),
            "HF_HUB_OFFLINE": "1",
        }
        proc = subprocess.Popen(
            _command(out), env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE
        )
        deadline = time.monotonic() + 90
        while _lines(out) < 3:
            assert proc.poll() is None, proc.communicate()[1].decode()[-2000:]
            assert time.monotonic() < deadline, "no records appeared"
            time.sleep(0.02)
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait()
        before = read_jsonl(out)
        assert 3 <= len(before) < COUNT, "the kill must land mid-run"
        assert not sidecar(out, "info", ".json").exists(), "no completion marker after a kill"

        rerun = subprocess.run(_command(out), env=env, capture_output=True, text=True, timeout=180)
        assert rerun.returncode == 0, rerun.stderr[-3000:]
        after = read_jsonl(out)
        ids = [r["meta"]["id"] for r in after]
        assert len(ids) == COUNT == len(set(ids)), "records lost or duplicated"
        assert [r["meta"]["index"] for r in after] == list(range(COUNT)), "sorted by index"
        by_id = {r["meta"]["id"]: r for r in after}
        for record in before:
            assert by_id[record["meta"]["id"]] == record, "a record changed on resume"

        # Only calls in flight at the kill (at most one per concurrent item) may be repeated.
        repeated = sum(n - 1 for n in server.requests.values() if n > 1)
        assert repeated <= CONCURRENCY, f"{repeated} model calls were repeated"
        assert sidecar(out, "info", ".json").exists()

        total = sum(server.requests.values())
        third = subprocess.run(_command(out), env=env, capture_output=True, text=True, timeout=180)
        assert third.returncode == 0, third.stderr[-3000:]
        assert sum(server.requests.values()) == total, "a finished run made model calls again"
        assert read_jsonl(out) == after
