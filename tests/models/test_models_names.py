"""Model names: every form resolves the same way, and every mistake says how to fix it."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from teachwhy.models import DEFAULT_MODEL, get_model, parse_model, resolve_model_name
from teachwhy.models import names as names_module
from teachwhy.spec.errors import TeachwhyError


@pytest.fixture
def no_keys(monkeypatch: pytest.MonkeyPatch) -> None:
    for needs in names_module.PROVIDERS.values():
        for var in needs.key_vars:
            monkeypatch.delenv(var, raising=False)
    for var in ("LOCAL_BASE_URL", "LOCAL_API_KEY", "MYSERVER_BASE_URL", "MYSERVER_API_KEY"):
        monkeypatch.delenv(var, raising=False)


def test_no_name_means_the_embedded_default() -> None:
    assert resolve_model_name(None) == DEFAULT_MODEL
    assert resolve_model_name("  ") == DEFAULT_MODEL
    assert resolve_model_name(DEFAULT_MODEL) == DEFAULT_MODEL
    assert parse_model(None).kind == "embedded"


def test_unknown_provider_lists_the_known_ones(no_keys: None) -> None:
    with pytest.raises(TeachwhyError) as e:
        resolve_model_name("opnai/gpt-4o")
    message = str(e.value)
    assert "unknown provider 'opnai'" in message
    assert "openai" in message and "anthropic" in message and DEFAULT_MODEL in message


def test_missing_api_key_names_the_variable(no_keys: None) -> None:
    with pytest.raises(TeachwhyError, match="set the environment variable OPENAI_API_KEY"):
        resolve_model_name("openai/gpt-4o-mini")
    with pytest.raises(TeachwhyError, match="ANTHROPIC_API_KEY"):
        resolve_model_name("anthropic/claude-sonnet-4-0")


def test_key_present_resolves_and_its_value_is_never_shown(
    no_keys: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("OPENAI_API_KEY", "sk-secret-value")
    assert resolve_model_name("openai/gpt-4o-mini") == "openai/gpt-4o-mini"
    assert names_module.api_key_status()["openai"] == ["OPENAI_API_KEY"]
    assert "sk-secret" not in json.dumps(names_module.api_key_status())


def test_missing_package_names_the_extra(no_keys: None, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ANTHROPIC_API_KEY", "x")
    real = names_module.package_available
    monkeypatch.setattr(names_module, "package_available", lambda p: p != "anthropic" and real(p))
    with pytest.raises(TeachwhyError, match=r"pip install teachwhy\[anthropic\]"):
        resolve_model_name("anthropic/claude-sonnet-4-0")


def test_openai_compatible_server_needs_its_base_url(
    no_keys: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    with pytest.raises(TeachwhyError, match="set MYSERVER_BASE_URL"):
        resolve_model_name("openai-api/myserver/some-model")
    monkeypatch.setenv("MYSERVER_BASE_URL", "https://example.org/v1")
    with pytest.raises(TeachwhyError, match="MYSERVER_API_KEY"):
        resolve_model_name("openai-api/myserver/some-model")
    # a server on this machine needs no key: a placeholder is passed to the client
    monkeypatch.setenv("MYSERVER_BASE_URL", "http://127.0.0.1:8080/v1")
    ref = parse_model("openai-api/myserver/some-model")
    assert ref.model_args == {"api_key": "local-server"}


def test_missing_path(tmp_path: Path) -> None:
    missing = tmp_path / "runs" / "nope"
    with pytest.raises(TeachwhyError, match="no such file or folder"):
        resolve_model_name(str(missing))
    with pytest.raises(TeachwhyError, match="no such file or folder"):
        resolve_model_name("./definitely-not-here")
    with pytest.raises(TeachwhyError, match="no such file or folder"):
        resolve_model_name("weights.gguf")


def test_local_paths_resolve_by_what_they_hold(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    hf = tmp_path / "hf"
    hf.mkdir()
    (hf / "config.json").write_text("{}")
    adapter = tmp_path / "adapter"
    adapter.mkdir()
    (adapter / "adapter_config.json").write_text("{}")
    gguf = tmp_path / "m.gguf"
    gguf.write_bytes(b"GGUF")
    empty = tmp_path / "empty"
    empty.mkdir()

    assert parse_model(str(hf)).kind == "hf_folder"
    assert parse_model(str(adapter)).kind == "adapter"
    assert parse_model(str(gguf)).kind == "gguf"
    monkeypatch.chdir(tmp_path)
    assert resolve_model_name("hf") == str(hf)  # relative, found on disk
    assert resolve_model_name("./adapter") == str(adapter)
    assert resolve_model_name(f"hf/{hf}") == str(hf)
    assert resolve_model_name(f"teachwhy/{gguf}") == str(gguf)
    assert parse_model(str(hf)).inspect_name == f"teachwhy/{hf}"
    with pytest.raises(TeachwhyError, match="neither config.json"):
        resolve_model_name(str(empty))


def test_bare_word_is_explained() -> None:
    with pytest.raises(TeachwhyError, match="expected provider/model"):
        resolve_model_name("gpt4")
    with pytest.raises(TeachwhyError, match="embedded models"):
        resolve_model_name("teachwhy/smollm3")


def test_get_model_raises_the_same_errors(no_keys: None) -> None:
    with pytest.raises(TeachwhyError, match="OPENAI_API_KEY"):
        get_model("openai/gpt-4o-mini", role="teacher")


def test_api_models_have_no_local_weights() -> None:
    from teachwhy.models import load_local_lm

    with pytest.raises(TeachwhyError, match="no local weights"):
        load_local_lm("openai/gpt-4o-mini")
