"""RA_MODEL parsing and model construction: one way to name a model, clear errors for everything else."""

from __future__ import annotations

import pytest

from resilient_agents import ConfigurationError, OfflineModel, parse_model_spec
from resilient_agents.models import build_model, register_model
from resilient_agents.testing import ScriptedModel


@pytest.mark.parametrize(
    ("raw", "provider", "name", "base_url"),
    [
        (None, "offline", "offline", None),
        ("", "offline", "offline", None),
        ("offline", "offline", "offline", None),
        ("openai:gpt-4o-mini", "openai", "gpt-4o-mini", None),
        ("anthropic:claude-sonnet-4-5", "anthropic", "claude-sonnet-4-5", None),
        ("ollama:llama3.1", "openai-compatible", "llama3.1", "http://localhost:11434/v1"),
        ("openrouter:meta/llama", "openai-compatible", "meta/llama", "https://openrouter.ai/api/v1"),
        ("http://127.0.0.1:8000/v1#qwen", "openai-compatible", "qwen", "http://127.0.0.1:8000/v1"),
        ("registered:script", "registered", "script", None),
    ],
)
def test_parses_every_documented_form(raw: str | None, provider: str, name: str, base_url: str | None) -> None:
    spec = parse_model_spec(raw)
    assert (spec.provider, spec.model_name, spec.base_url) == (provider, name, base_url)


@pytest.mark.parametrize("raw", ["gpt-4o", "mistral:large", "openai:", "http://localhost:8000/v1"])
def test_unparseable_spec_names_the_accepted_forms(raw: str) -> None:
    with pytest.raises(ConfigurationError) as info:
        parse_model_spec(raw)
    assert raw.strip() in str(info.value)
    assert "offline" in str(info.value) or "#<model>" in str(info.value)


def test_offline_is_the_default() -> None:
    assert isinstance(build_model(parse_model_spec(None)), OfflineModel)
    assert "not a real LLM" in parse_model_spec(None).describe()


def test_missing_api_key_is_a_clear_error(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("RA_ALLOW_REAL_MODELS", "1")
    monkeypatch.delenv("OPENAI_API_KEY", raising=False)
    with pytest.raises(ConfigurationError, match="needs OPENAI_API_KEY: export OPENAI_API_KEY"):
        build_model(parse_model_spec("openai:gpt-4o-mini"))


def test_real_models_are_blocked_in_tests() -> None:
    with pytest.raises(ConfigurationError, match="blocked"):
        build_model(parse_model_spec("openai:gpt-4o-mini"))


def test_loopback_endpoints_are_allowed_in_tests() -> None:
    model = build_model(parse_model_spec("http://127.0.0.1:9/v1#local"))
    assert model.model_name == "local"


def test_registered_models() -> None:
    scripted = ScriptedModel(["hi"])
    register_model("unit-script", scripted)
    assert build_model(parse_model_spec("registered:unit-script")) is scripted
    with pytest.raises(ConfigurationError, match="no model registered as 'missing'"):
        build_model(parse_model_spec("registered:missing"))
