"""The report: regenerated from saved results without a model, HTML with the table and images."""

from __future__ import annotations

import base64
import json
import subprocess
import sys
from html.parser import HTMLParser
from pathlib import Path

import pytest

from cli_helpers import run_cli
from experiment_fakes import FakeStages, write_experiment
from teachwhy.experiment import run_experiment

EXPERIMENT = """
name: report-test
description: Does principled data beat direct training?
split:
  in_distribution: [power_seeking, oversight_sabotage, over_caution]
  held_out: [sandbagging, self_exfiltration, harmful_compliance]
training_items_per_family: 3
arms:
  - {name: baseline, kind: baseline}
  - {name: prompted, kind: prompted}
  - {name: direct, kind: direct}
  - {name: shuffled, kind: direct_shuffled}
  - {name: advice, kind: advice, doses: [2, 4]}
"""


@pytest.fixture(scope="module")
def run_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    tmp = tmp_path_factory.mktemp("report")
    spec_file = write_experiment(tmp, EXPERIMENT)
    outcome = run_experiment(spec_file, run_dir=tmp / "run", executors=FakeStages().factory)
    return outcome.run_dir


class ReportParser(HTMLParser):
    """Collects what a reader would look for: table cells, headers and embedded images."""

    def __init__(self) -> None:
        super().__init__()
        self.headers: list[str] = []
        self.rows: list[list[str]] = []
        self.images: list[str] = []
        self.tables: list[str] = []
        self.stack: list[str] = []
        self.text = ""

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = dict(attrs)
        if tag == "table":
            self.tables.append(a.get("id") or a.get("class") or "")
        if tag == "tr":
            self.rows.append([])
        if tag == "img":
            self.images.append(a.get("src") or "")
        if tag in ("td", "th"):
            self.text = ""
        self.stack.append(tag)

    def handle_endtag(self, tag: str) -> None:
        if tag == "th":
            self.headers.append(self.text.strip())
        if tag == "td" and self.rows:
            self.rows[-1].append(self.text.strip())
        if self.stack:
            self.stack.pop()

    def handle_data(self, data: str) -> None:
        self.text += data


def test_report_html_has_the_table_and_images(run_dir: Path, tmp_path: Path) -> None:
    from teachwhy.report import build_report

    files = build_report(run_dir, tmp_path / "out")
    parser = ReportParser()
    parser.feed(files.html.read_text())
    assert "comparison" in parser.tables
    for header in ("arm", "training dose", "in-distribution misalignment",
                   "held-out misalignment", "over-caution", "fit on own training data",
                   "change vs baseline", "change vs shuffled control"):
        assert header in parser.headers
    arm_rows = [r for r in parser.rows if r and r[0].split("(")[0].strip() in
                {"baseline", "prompted", "direct", "shuffled", "advice-2", "advice-4"}]
    assert len(arm_rows) == 6
    direct = next(r for r in arm_rows if r[0].startswith("direct"))
    assert "p(trained answer)" in direct[5]
    assert "in-distribution" in direct[6] and "held-out" in direct[6]
    # the images are real PNGs, embedded (the report is one file)
    assert len(parser.images) >= 4  # in/held-out, paired change, per family, dose-response
    for src in parser.images:
        assert src.startswith("data:image/png;base64,")
        assert base64.b64decode(src.split(",", 1)[1])[:8] == b"\x89PNG\r\n\x1a\n"
    # the set-up a reader needs to reproduce it
    meta = files.html.read_text()
    for fact in ("student", "teacher", "judge", "scoring", "held-out families", "teachwhy 0."):
        assert fact in meta
    assert (tmp_path / "out" / "dose_response.png").exists()


def test_report_json_holds_the_same_numbers(run_dir: Path, tmp_path: Path) -> None:
    from teachwhy.report import build_report

    files = build_report(run_dir, tmp_path / "out")
    data = json.loads(files.json.read_text())
    rows = {r["name"]: r for r in data["comparison"]["rows"]}
    assert data["comparison"]["baseline"] == "baseline"
    assert data["comparison"]["control"] == "shuffled"
    direct = rows["direct"]
    inside = direct["misalignment"]["in_distribution"]["expected"]
    assert 0 <= inside["ci"][0] <= inside["value"] <= inside["ci"][1] <= 1
    change = direct["vs_baseline"]["held_out"]
    assert change["diff"] < 0 and change["ci"][1] < 0  # the fakes train toward aligned
    assert direct["vs_control"]["held_out"]["diff"] < 0
    assert rows["baseline"]["vs_baseline"] == {}
    assert files.comparison.rows[2].misalignment["in_distribution"].expected.value == pytest.approx(
        inside["value"]
    )


def test_report_regenerates_without_a_model(run_dir: Path) -> None:
    """`teachwhy report` in a fresh process never imports torch, transformers or inspect."""
    code = (
        "import sys\n"
        "from teachwhy.cli import main\n"
        f"sys.argv = ['teachwhy', 'report', {str(run_dir)!r}]\n"
        "try:\n    main()\nexcept SystemExit as e:\n    assert not e.code, e.code\n"
        "heavy = [m for m in ('torch', 'transformers', 'inspect_ai', 'peft', 'trl')"
        " if m in sys.modules]\n"
        "assert not heavy, heavy\n"
        "print('no model loaded')\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          timeout=120)
    assert done.returncode == 0, done.stderr
    assert "no model loaded" in done.stdout
    assert "report.html" in done.stdout


def test_report_command_on_a_folder_without_a_run(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    result = run_cli(capsys, "report", str(tmp_path))
    assert result.exit_code == 2
    assert "not an experiment run folder" in result.err
