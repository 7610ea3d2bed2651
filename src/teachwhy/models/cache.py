"""On-disk response cache for generation calls (one sqlite file, safe across processes).

The key is a stable hash of what changes the output: the model (for local models, also the
identity of its weight files, so retraining into the same folder is a new model), the
messages, the tools, and the generation settings. Concurrency, timeouts and retries never
enter it. The sample index enters only when sampling (temperature > 0): greedy decoding of
the same request is one answer, sampled decoding is one answer per sample.
"""

from __future__ import annotations

import hashlib
import json
import sqlite3
import threading
import time
from pathlib import Path
from typing import Any

from teachwhy.models.embedded import cache_dir, embedded_gguf_path
from teachwhy.models.names import ModelRef

KEY_VERSION = 1


def default_cache_path() -> Path:
    """`$TEACHWHY_CACHE_DIR/responses.sqlite` (default ~/.cache/teachwhy/responses.sqlite)."""
    return cache_dir() / "responses.sqlite"


def weights_fingerprint(root: Path) -> str:
    """Names, sizes and modification times of a model's top-level files (no weight hashing)."""
    files = [root] if root.is_file() else sorted(p for p in root.iterdir() if p.is_file())
    parts = [f"{p.name}:{p.stat().st_size}:{p.stat().st_mtime_ns}" for p in files]
    return hashlib.sha256("\n".join(parts).encode()).hexdigest()[:16]


def model_identity(ref: ModelRef, model_args: dict[str, Any] | None = None) -> str:
    """The model part of a cache key: its name, local weights' fingerprint and output args."""
    identity = ref.name
    weights = embedded_gguf_path(ref.name) if ref.kind == "embedded" else ref.path
    if weights is not None:  # a reinstalled or retrained model is a different model
        identity += "@" + weights_fingerprint(weights)
    args = {k: v for k, v in (model_args or {}).items() if k not in _NON_OUTPUT_ARGS}
    if args:
        identity += json.dumps(args, sort_keys=True, default=str)
    return identity


# model arguments that change how a call is made, never what it answers
_NON_OUTPUT_ARGS = frozenset(
    {"api_key", "base_url", "max_connections", "timeout", "client_timeout", "max_retries",
     "http_client", "stream"}
)


def cache_key(
    model: str,
    messages: list[dict[str, Any]],
    tools: list[dict[str, Any]] | None,
    settings: dict[str, Any],
    sample_index: int = 0,
) -> str:
    """Stable hash of one generation request (see the module docstring for what enters it)."""
    sampling = float(settings.get("temperature") or 0.0) > 0
    payload = {
        "v": KEY_VERSION,
        "model": model,
        "messages": messages,
        "tools": tools or [],
        "settings": {k: v for k, v in sorted(settings.items()) if v is not None},
        "sample": sample_index if sampling else 0,
    }
    text = json.dumps(payload, sort_keys=True, ensure_ascii=False, default=str)
    return hashlib.sha256(text.encode()).hexdigest()


class ResponseCache:
    """A key -> JSON value store in sqlite (WAL mode, so parallel runs can share it)."""

    def __init__(self, path: Path | None = None) -> None:
        self.path = path or default_cache_path()
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self._lock = threading.Lock()
        self._db = sqlite3.connect(str(self.path), timeout=60, check_same_thread=False)
        with self._lock:
            self._db.execute("PRAGMA journal_mode=WAL")
            self._db.execute(
                "CREATE TABLE IF NOT EXISTS responses "
                "(key TEXT PRIMARY KEY, value TEXT NOT NULL, created REAL NOT NULL)"
            )
            self._db.commit()

    def get(self, key: str) -> dict[str, Any] | None:
        with self._lock:
            row = self._db.execute("SELECT value FROM responses WHERE key = ?", (key,)).fetchone()
        return json.loads(row[0]) if row else None

    def put(self, key: str, value: dict[str, Any]) -> None:
        text = json.dumps(value, ensure_ascii=False)
        with self._lock:
            self._db.execute(
                "INSERT OR REPLACE INTO responses (key, value, created) VALUES (?, ?, ?)",
                (key, text, time.time()),
            )
            self._db.commit()

    def __len__(self) -> int:
        with self._lock:
            return int(self._db.execute("SELECT COUNT(*) FROM responses").fetchone()[0])

    def clear(self) -> None:
        with self._lock:
            self._db.execute("DELETE FROM responses")
            self._db.commit()

    def close(self) -> None:
        with self._lock:
            self._db.close()


_caches: dict[Path, ResponseCache] = {}
_caches_lock = threading.Lock()


def response_cache(path: Path | None = None) -> ResponseCache:
    """The shared cache for a path (default: under the teachwhy cache dir)."""
    path = (path or default_cache_path()).expanduser().resolve()
    with _caches_lock:
        if path not in _caches:
            _caches[path] = ResponseCache(path)
        return _caches[path]
