"""One way to name every model: `provider/model` strings, the embedded default, or a local path.

Resolution checks what can be checked before any call is made (the provider exists, its API key
is set, its client package is installed, a path exists), so a bad name fails at start-up with a
message that says how to fix it, not after an hour of work.
"""

from __future__ import annotations

import importlib.util
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal
from urllib.parse import urlparse

from teachwhy.models.embedded import DEFAULT_MODEL, EMBEDDED_MODELS
from teachwhy.spec.errors import TeachwhyError

ModelKind = Literal["embedded", "gguf", "hf_folder", "adapter", "provider"]

LOCAL_PROVIDER = "teachwhy"
"""The Inspect provider that serves the embedded model and local folders or GGUF files."""


@dataclass(frozen=True)
class ProviderNeeds:
    """What a provider needs before it can be called."""

    key_vars: tuple[str, ...] = ()
    """Environment variables holding its API key (any one will do)."""
    package: str | None = None
    """Import name of the client package it needs."""
    pip_name: str | None = None
    """What to pip-install for that package: a teachwhy extra like `teachwhy[openai]`."""


_OPENAI_CLIENT = {"package": "openai", "pip_name": "teachwhy[openai]"}

PROVIDERS: dict[str, ProviderNeeds] = {
    "openai": ProviderNeeds(
        ("OPENAI_API_KEY", "AZURE_OPENAI_API_KEY", "AZUREAI_OPENAI_API_KEY"), **_OPENAI_CLIENT
    ),
    "anthropic": ProviderNeeds(
        ("ANTHROPIC_API_KEY", "AZUREAI_ANTHROPIC_API_KEY", "AZURE_ANTHROPIC_API_KEY"),
        "anthropic",
        "teachwhy[anthropic]",
    ),
    "google": ProviderNeeds(
        ("GOOGLE_API_KEY", "GEMINI_API_KEY", "VERTEX_API_KEY"), "google.genai", "teachwhy[google]"
    ),
    "mistral": ProviderNeeds(("MISTRAL_API_KEY",), "mistralai", "mistralai"),
    "grok": ProviderNeeds(("XAI_API_KEY", "GROK_API_KEY"), "xai_sdk", "xai-sdk"),
    "groq": ProviderNeeds(("GROQ_API_KEY",), "groq", "groq"),
    "together": ProviderNeeds(("TOGETHER_API_KEY",), **_OPENAI_CLIENT),
    "fireworks": ProviderNeeds(("FIREWORKS_API_KEY",), **_OPENAI_CLIENT),
    "openrouter": ProviderNeeds(("OPENROUTER_API_KEY",), **_OPENAI_CLIENT),
    "deepseek": ProviderNeeds(("DEEPSEEK_API_KEY",), **_OPENAI_CLIENT),
    "perplexity": ProviderNeeds(("PERPLEXITY_API_KEY",), **_OPENAI_CLIENT),
    "hf-inference-providers": ProviderNeeds(("HF_TOKEN",), **_OPENAI_CLIENT),
    "llama-cpp-python": ProviderNeeds((), **_OPENAI_CLIENT),
    "ollama": ProviderNeeds((), **_OPENAI_CLIENT),
    "sglang": ProviderNeeds((), **_OPENAI_CLIENT),
    "vllm": ProviderNeeds((), "vllm", "teachwhy[vllm]"),
    "hf": ProviderNeeds((), "transformers", "transformers"),
    "mockllm": ProviderNeeds(),
    "none": ProviderNeeds(),
    LOCAL_PROVIDER: ProviderNeeds(),
}
"""Providers teachwhy checks up front. Other Inspect providers (and plugins) are passed through."""


@dataclass(frozen=True)
class ModelRef:
    """A resolved model name: what it is, and how Inspect and transformers should reach it."""

    name: str
    """Canonical name, the same string in every config, record and cache key."""
    kind: ModelKind
    provider: str
    """Inspect provider that generates with it."""
    path: Path | None = None
    """Local file or folder (None for the embedded model and remote providers)."""
    model_args: dict[str, str] = field(default_factory=dict)
    """Extra Inspect model arguments implied by the environment (e.g. a local server's key)."""

    @property
    def inspect_name(self) -> str:
        """The `provider/model` string Inspect's `get_model` takes."""
        if self.kind == "provider" or self.kind == "embedded":
            return self.name
        return f"{LOCAL_PROVIDER}/{self.path}"

    @property
    def is_local(self) -> bool:
        """Whether it runs in this process (no server, no key, no cost)."""
        return self.kind != "provider" or self.provider in ("hf", "vllm", "mockllm", "none")


def _looks_like_path(name: str) -> bool:
    return name.startswith(("/", "./", "../", "~")) or name.endswith(".gguf") or name in (".", "..")


def _local_ref(path: Path, name_as_given: str) -> ModelRef:
    path = path.expanduser().resolve()
    if path.is_file():
        if path.suffix != ".gguf":
            raise TeachwhyError(
                f"model '{name_as_given}': {path} is a file but not a .gguf; point at a GGUF file, "
                "a Hugging Face model folder (with config.json) or a PEFT adapter folder"
            )
        return ModelRef(str(path), "gguf", LOCAL_PROVIDER, path)
    if (path / "adapter_config.json").is_file():
        return ModelRef(str(path), "adapter", LOCAL_PROVIDER, path)
    if (path / "config.json").is_file():
        return ModelRef(str(path), "hf_folder", LOCAL_PROVIDER, path)
    raise TeachwhyError(
        f"model '{name_as_given}': folder {path} has neither config.json (a Hugging Face model) "
        "nor adapter_config.json (a PEFT adapter); point at the folder a training run saved"
    )


def _missing_path(name: str) -> TeachwhyError:
    return TeachwhyError(
        f"model '{name}': no such file or folder ({Path(name).expanduser().resolve()}); "
        "give an existing Hugging Face folder, PEFT adapter folder or .gguf file, "
        f"or a provider/model name such as {DEFAULT_MODEL}"
    )


def package_available(package: str) -> bool:
    """Whether a package can be imported, without importing it."""
    try:
        return importlib.util.find_spec(package) is not None
    except (ImportError, ValueError):  # a missing parent package, e.g. google.genai
        return False


def _is_local_url(url: str) -> bool:
    host = urlparse(url if "://" in url else f"http://{url}").hostname or ""
    return host in ("localhost", "127.0.0.1", "::1", "0.0.0.0")


def _check_provider(provider: str, model: str, full_name: str) -> dict[str, str]:
    """Raise a TeachwhyError naming the fix if a provider cannot be called; return model args."""
    if provider == "openai-api" or provider == "openai-api-completions":
        return _check_openai_compatible(model, full_name)
    needs = PROVIDERS.get(provider)
    if needs is None:
        if _inspect_knows(provider):
            return {}
        known = ", ".join(sorted([*PROVIDERS, "openai-api"]))
        raise TeachwhyError(
            f"model '{full_name}': unknown provider '{provider}'. Name models as provider/model "
            f"(providers: {known}), or give a local path (start it with ./ or /), "
            f"or leave it out to use the embedded {DEFAULT_MODEL}"
        )
    fixes = []
    if needs.package and not package_available(needs.package):
        fixes.append(
            f"the {provider} provider needs the '{needs.package}' package: "
            f"pip install {needs.pip_name or needs.package}"
        )
    key_needed = needs.key_vars and not (provider == "vllm" and os.environ.get("VLLM_BASE_URL"))
    if key_needed and not any(os.environ.get(var) for var in needs.key_vars):
        fixes.append(
            f"no API key for {provider}: set the environment variable "
            + " or ".join(needs.key_vars)
        )
    if fixes:
        raise TeachwhyError(
            f"model '{full_name}': " + "; and ".join(fixes)
            + f" (or use the embedded {DEFAULT_MODEL}, which needs neither)"
        )
    return {}


def _check_openai_compatible(model: str, full_name: str) -> dict[str, str]:
    service, _, served = model.partition("/")
    if not service or not served:
        raise TeachwhyError(
            f"model '{full_name}': name OpenAI-compatible servers openai-api/<service>/<model>, "
            "e.g. openai-api/local/smollm2 with LOCAL_BASE_URL=http://127.0.0.1:8000/v1"
        )
    if not package_available("openai"):
        raise TeachwhyError(
            f"model '{full_name}': OpenAI-compatible servers need the 'openai' package; "
            "install it with: pip install teachwhy[openai]"
        )
    prefix = service.upper().replace("-", "_")
    base_url = os.environ.get(f"{prefix}_BASE_URL")
    if not base_url:
        raise TeachwhyError(
            f"model '{full_name}': set {prefix}_BASE_URL to the server's URL "
            f"(e.g. http://127.0.0.1:8000/v1)"
        )
    if os.environ.get(f"{prefix}_API_KEY"):
        return {}
    if _is_local_url(base_url):
        # a local llama.cpp / vLLM server checks no key, but the client insists on one
        return {"api_key": "local-server"}
    raise TeachwhyError(
        f"model '{full_name}': no API key for the server at {base_url}; "
        f"set the environment variable {prefix}_API_KEY"
    )


def _inspect_knows(provider: str) -> bool:
    """Whether an Inspect provider (built in or from a plugin) has this name."""
    from inspect_ai._util.registry import registry_find, registry_unqualified_name

    import teachwhy._registry  # noqa: F401  (registers the teachwhy provider)

    return bool(
        registry_find(
            lambda info: info.type == "modelapi" and registry_unqualified_name(info) == provider
        )
    )


def parse_model(name: str | None, *, check: bool = True) -> ModelRef:
    """Resolve a model name; `check=False` skips the key and package checks (for listing)."""
    if name is None or not name.strip():
        return ModelRef(DEFAULT_MODEL, "embedded", LOCAL_PROVIDER)
    name = name.strip()
    if name in EMBEDDED_MODELS:
        return ModelRef(name, "embedded", LOCAL_PROVIDER)
    if Path(name).expanduser().exists():
        return _local_ref(Path(name), name)
    provider, sep, model = name.partition("/")
    if provider in (LOCAL_PROVIDER, "hf") and (_looks_like_path(model) or Path(model).exists()):
        # teachwhy/<path> and hf/<local folder> are the same local model as the bare path
        if not Path(model).expanduser().exists():
            raise _missing_path(model)
        return _local_ref(Path(model), name)
    if _looks_like_path(name):
        raise _missing_path(name)
    if not sep or not model:
        raise TeachwhyError(
            f"model '{name}': expected provider/model (e.g. {DEFAULT_MODEL}, openai/gpt-4o-mini) "
            "or a path to a local model (start it with ./ or /)"
        )
    if provider == LOCAL_PROVIDER:
        known = ", ".join(EMBEDDED_MODELS)
        raise TeachwhyError(
            f"model '{name}': the teachwhy provider serves the embedded models ({known}) "
            "and local paths (teachwhy//abs/path); check the spelling"
        )
    model_args = _check_provider(provider, model, name) if check else {}
    return ModelRef(name, "provider", provider, None, model_args)


def resolve_model_name(name: str | None) -> str:
    """Canonical name of a model (None means the embedded default); raises TeachwhyError.

    Accepts Inspect `provider/model` strings, the embedded `teachwhy/smollm2-135m`, and local
    paths (a Hugging Face folder, a PEFT adapter folder, a .gguf file), which resolve to
    absolute paths.
    """
    return parse_model(name).name


def api_key_status() -> dict[str, list[str]]:
    """For each provider, the names (never values) of its key variables that are set."""
    found: dict[str, list[str]] = {}
    for provider, needs in PROVIDERS.items():
        set_vars = [var for var in needs.key_vars if os.environ.get(var)]
        if needs.key_vars:
            found[provider] = set_vars
    return found
