"""What `teachwhy models` shows: embedded models, the cache, and which keys are set (names only)."""

from __future__ import annotations

import os
import sqlite3
from typing import Any

from teachwhy.models.cache import default_cache_path
from teachwhy.models.embedded import (
    DEFAULT_MODEL,
    EMBEDDED_MODELS,
    cache_dir,
    converted_dir,
    embedded_gguf_available,
    embedded_gguf_path,
    embedded_model_converted,
)
from teachwhy.models.names import PROVIDERS


def _cached_responses() -> int:
    path = default_cache_path()
    if not path.is_file():
        return 0
    try:
        with sqlite3.connect(str(path), timeout=5) as db:
            return int(db.execute("SELECT COUNT(*) FROM responses").fetchone()[0])
    except sqlite3.Error:
        return 0


def _openai_compatible_services() -> list[dict[str, Any]]:
    """Services configured for openai-api/<service>/<model> (a *_BASE_URL variable is set)."""
    known_base_urls = {"OPENAI", "TOGETHER", "GROQ", "MISTRAL", "VLLM", "INSPECT_EVAL_MODEL"}
    services = []
    for var in sorted(os.environ):
        if var.endswith("_BASE_URL") and os.environ[var]:
            prefix = var[: -len("_BASE_URL")]
            if prefix in known_base_urls:
                continue
            services.append({
                "service": prefix.lower().replace("_", "-"),
                "base_url_var": var,
                "key_var": f"{prefix}_API_KEY",
                "key_set": bool(os.environ.get(f"{prefix}_API_KEY")),
            })
    return services


def model_listing() -> dict[str, Any]:
    """Everything `teachwhy models` prints, as plain data (no key values, only names)."""
    embedded = []
    for name, model in EMBEDDED_MODELS.items():
        present = embedded_gguf_available(name)
        gguf = embedded_gguf_path(name) if present else None
        converted = embedded_model_converted(name)
        embedded.append({
            "name": name,
            "default": name == DEFAULT_MODEL,
            "description": model.description,
            "license": model.license,
            "gguf": str(gguf) if gguf else None,
            "gguf_mb": gguf.stat().st_size / 1e6 if gguf else 0.0,
            "converted": converted,
            "hf_folder": str(converted_dir(name)) if converted else None,
        })
    providers = {
        provider: {
            "vars": list(needs.key_vars),
            "set": [var for var in needs.key_vars if os.environ.get(var)],
        }
        for provider, needs in PROVIDERS.items()
        if needs.key_vars
    }
    return {
        "embedded": embedded,
        "cache": {"dir": str(cache_dir()), "responses": _cached_responses()},
        "providers": providers,
        "openai_compatible": _openai_compatible_services(),
    }
