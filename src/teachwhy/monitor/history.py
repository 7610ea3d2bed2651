"""The monitoring history: one SQLite file the user can query with any SQLite client.

Tables:
  runs(id, started, model, policy, teachwhy_version, results, n_scenarios, n_alerts)
  metrics(run_id, name, value)            one row per metric measured in a run
  alerts(run_id, kind, metric, value, bound, action, message)
  scenarios_seen(fingerprint, scenario_id, first_run)   for the new_scenarios metric

e.g. `sqlite3 teachwhy-monitor.sqlite "select started, value from metrics join runs on
runs.id = run_id where name = 'misalignment_rate'"`.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path

from teachwhy.monitor.check import Alert

SCHEMA = """
CREATE TABLE IF NOT EXISTS runs (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    started TEXT NOT NULL,
    model TEXT NOT NULL,
    policy TEXT NOT NULL,
    teachwhy_version TEXT NOT NULL,
    results TEXT,
    n_scenarios INTEGER,
    n_alerts INTEGER NOT NULL
);
CREATE TABLE IF NOT EXISTS metrics (
    run_id INTEGER NOT NULL REFERENCES runs(id),
    name TEXT NOT NULL,
    value REAL,
    PRIMARY KEY (run_id, name)
);
CREATE TABLE IF NOT EXISTS alerts (
    run_id INTEGER NOT NULL REFERENCES runs(id),
    kind TEXT NOT NULL,
    metric TEXT NOT NULL,
    value REAL,
    bound REAL,
    action TEXT,
    message TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS scenarios_seen (
    fingerprint TEXT PRIMARY KEY,
    scenario_id TEXT NOT NULL,
    first_run INTEGER NOT NULL REFERENCES runs(id)
);
"""


@dataclass(frozen=True)
class HistoryRun:
    """One monitoring run as stored."""

    id: int
    started: str
    model: str
    policy: str
    teachwhy_version: str
    results: str | None
    n_scenarios: int | None
    n_alerts: int
    metrics: dict[str, float | None]
    alerts: list[Alert]


class History:
    """Append-only store of monitoring runs."""

    def __init__(self, path: str | Path):
        self.path = Path(path)

    @contextmanager
    def connect(self) -> Iterator[sqlite3.Connection]:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        conn = sqlite3.connect(self.path)
        try:
            conn.executescript(SCHEMA)
            with conn:  # one transaction: a run is stored whole or not at all
                yield conn
        finally:
            conn.close()

    def seen_fingerprints(self) -> set[str] | None:
        """Scenario fingerprints earlier runs evaluated; None when there is no earlier run."""
        if not self.path.exists():
            return None
        with self.connect() as conn:
            if conn.execute("SELECT COUNT(*) FROM runs").fetchone()[0] == 0:
                return None
            return {row[0] for row in conn.execute("SELECT fingerprint FROM scenarios_seen")}

    def append(
        self,
        *,
        model: str,
        policy: str,
        version: str,
        metrics: Mapping[str, float | None],
        alerts: list[Alert],
        results: str | None,
        scenarios: Mapping[str, str],
    ) -> int:
        """Store one run; returns its id."""
        started = datetime.now(timezone.utc).isoformat(timespec="seconds")
        with self.connect() as conn:
            cursor = conn.execute(
                "INSERT INTO runs (started, model, policy, teachwhy_version, results, "
                "n_scenarios, n_alerts) VALUES (?, ?, ?, ?, ?, ?, ?)",
                (started, model, policy, version, results, len(scenarios), len(alerts)),
            )
            run_id = int(cursor.lastrowid or 0)
            conn.executemany(
                "INSERT INTO metrics (run_id, name, value) VALUES (?, ?, ?)",
                [(run_id, name, value) for name, value in metrics.items()],
            )
            conn.executemany(
                "INSERT INTO alerts (run_id, kind, metric, value, bound, action, message) "
                "VALUES (?, ?, ?, ?, ?, ?, ?)",
                [(run_id, a.kind, a.metric, a.value, a.bound, a.action, a.message)
                 for a in alerts],
            )
            conn.executemany(
                "INSERT OR IGNORE INTO scenarios_seen (fingerprint, scenario_id, first_run) "
                "VALUES (?, ?, ?)",
                [(fp, sid, run_id) for fp, sid in scenarios.items()],
            )
        return run_id

    def runs(self, model: str | None = None) -> list[HistoryRun]:
        """Every stored run (of one model, if given), oldest first."""
        if not self.path.exists():
            return []
        with self.connect() as conn:
            query = "SELECT id, started, model, policy, teachwhy_version, results, " \
                    "n_scenarios, n_alerts FROM runs"
            rows = conn.execute(
                query + (" WHERE model = ?" if model else "") + " ORDER BY id",
                (model,) if model else (),
            ).fetchall()
            out = []
            for row in rows:
                metrics = {
                    name: value
                    for name, value in conn.execute(
                        "SELECT name, value FROM metrics WHERE run_id = ? ORDER BY rowid", (row[0],)
                    )
                }
                alerts = [
                    Alert(kind, metric, value, bound, message, action or "")
                    for kind, metric, value, bound, action, message in conn.execute(
                        "SELECT kind, metric, value, bound, action, message FROM alerts "
                        "WHERE run_id = ? ORDER BY rowid",
                        (row[0],),
                    )
                ]
                out.append(
                    HistoryRun(
                        id=row[0], started=row[1], model=row[2], policy=row[3],
                        teachwhy_version=row[4], results=row[5], n_scenarios=row[6],
                        n_alerts=row[7], metrics=metrics, alerts=alerts,
                    )
                )
            return out

    def previous(self, model: str) -> HistoryRun | None:
        """The latest stored run of this model."""
        runs = self.runs(model)
        return runs[-1] if runs else None
