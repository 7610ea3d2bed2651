"""Reports from saved results: the comparison table (HTML and JSON) and its figures (PNG).

This package reads files only (run.json and the evaluation results it points to); it never loads
a model or imports torch, so `teachwhy report RUN_DIR` works on any machine.
"""

from teachwhy.report.build import ReportFiles, build_report
from teachwhy.report.manifest import RunManifest, load_manifest, save_manifest
from teachwhy.report.table import Comparison, build_comparison

__all__ = [
    "Comparison",
    "ReportFiles",
    "RunManifest",
    "build_comparison",
    "build_report",
    "load_manifest",
    "save_manifest",
]
