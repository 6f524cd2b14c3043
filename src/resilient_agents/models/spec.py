"""One way to name a model: `RA_MODEL`.

    RA_MODEL unset or "offline"          the deterministic offline model (no network)
    RA_MODEL=openai:gpt-4o-mini          OpenAI (OPENAI_API_KEY)
    RA_MODEL=anthropic:claude-sonnet-4-5 Anthropic (ANTHROPIC_API_KEY)
    RA_MODEL=ollama:llama3.1             Ollama on localhost:11434 (OLLAMA_BASE_URL to move it)
    RA_MODEL=openrouter:<model>          OpenRouter (OPENROUTER_API_KEY)
    RA_MODEL=http://host:port/v1#<model> any OpenAI-compatible endpoint: vLLM, LM Studio... (RA_API_KEY if needed)
    RA_MODEL=registered:<name>           a model registered in this process with `register_model` (tests)

Provider wire formats are pydantic-ai's; the SDKs' own retries are switched off because Restate retries.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from urllib.parse import urlsplit

from pydantic_ai.models import Model

from ..exceptions import ConfigurationError

_REGISTRY: dict[str, Model] = {}
_LOOPBACK = {"127.0.0.1", "localhost", "::1"}


@dataclass(frozen=True)
class ModelSpec:
    """A parsed RA_MODEL value."""

    provider: str
    """offline, openai, anthropic, openai-compatible or registered."""
    model_name: str
    base_url: str | None = None
    api_key_env: str | None = None

    @property
    def is_offline(self) -> bool:
        return self.provider in ("offline", "registered")

    @property
    def is_loopback(self) -> bool:
        return self.base_url is not None and (urlsplit(self.base_url).hostname or "") in _LOOPBACK

    def describe(self) -> str:
        if self.provider == "offline":
            return "the offline model (deterministic, no network: not a real LLM; set RA_MODEL for one)"
        if self.base_url:
            return f"{self.model_name} at {self.base_url}"
        return f"{self.provider}:{self.model_name}"


def parse_model_spec(raw: str | None) -> ModelSpec:
    """Parse RA_MODEL; raises ConfigurationError with the accepted forms when it is not one of them."""
    value = (raw or "").strip()
    if value in ("", "offline"):
        return ModelSpec("offline", "offline")
    if value.startswith(("http://", "https://")):
        url, _, name = value.partition("#")
        if not name:
            raise ConfigurationError(
                f"RA_MODEL={value!r} names an endpoint but no model: append '#<model>', e.g. {url}#llama3.1"
            )
        return ModelSpec("openai-compatible", name, url.rstrip("/"), "RA_API_KEY")
    provider, sep, name = value.partition(":")
    if not sep or not name:
        raise ConfigurationError(_bad_spec(value))
    match provider:
        case "openai":
            return ModelSpec("openai", name, None, "OPENAI_API_KEY")
        case "anthropic":
            return ModelSpec("anthropic", name, None, "ANTHROPIC_API_KEY")
        case "ollama":
            base = os.environ.get("OLLAMA_BASE_URL", "http://localhost:11434/v1")
            return ModelSpec("openai-compatible", name, base, None)
        case "openrouter":
            return ModelSpec("openai-compatible", name, "https://openrouter.ai/api/v1", "OPENROUTER_API_KEY")
        case "registered":
            return ModelSpec("registered", name)
    raise ConfigurationError(_bad_spec(value))


def _bad_spec(value: str) -> str:
    return (
        f"RA_MODEL={value!r} is not a model name: use openai:<model>, anthropic:<model>, ollama:<model>, "
        "openrouter:<model>, http(s)://<endpoint>/v1#<model>, or leave it unset for the offline model"
    )


def register_model(name: str, model: Model) -> None:
    """Make `model` reachable as `RA_MODEL=registered:<name>` in this process (scripted models in tests)."""
    _REGISTRY[name] = model


def real_models_allowed() -> bool:
    """False under the test plugin: a test that would reach a real provider fails instead."""
    return os.environ.get("RA_ALLOW_REAL_MODELS", "1") != "0"


def build_model(spec: ModelSpec) -> Model:
    """A pydantic-ai Model for `spec`. Raises ConfigurationError for a missing key or a blocked real model."""
    if spec.provider == "offline":
        from .offline import OfflineModel

        return OfflineModel()
    if spec.provider == "registered":
        try:
            return _REGISTRY[spec.model_name]
        except KeyError:
            known = ", ".join(sorted(_REGISTRY)) or "none"
            raise ConfigurationError(f"no model registered as {spec.model_name!r} (registered: {known})") from None
    if not real_models_allowed() and not spec.is_loopback:
        raise ConfigurationError(
            f"real model {spec.describe()} blocked: RA_ALLOW_REAL_MODELS=0 (tests use scripted or offline models)"
        )
    key = os.environ.get(spec.api_key_env) if spec.api_key_env else None
    if spec.provider in ("openai", "anthropic") and not key:
        raise ConfigurationError(
            f"RA_MODEL={spec.provider}:{spec.model_name} needs {spec.api_key_env}: export {spec.api_key_env}=..."
        )
    if spec.provider == "anthropic":
        from pydantic_ai.models.anthropic import AnthropicModel
        from pydantic_ai.providers.anthropic import AnthropicProvider

        return AnthropicModel(spec.model_name, provider=AnthropicProvider(api_key=key))
    from pydantic_ai.models.openai import OpenAIChatModel
    from pydantic_ai.providers.openai import OpenAIProvider

    provider = OpenAIProvider(base_url=spec.base_url, api_key=key or "not-needed")
    return OpenAIChatModel(spec.model_name, provider=provider)


def model_from_env() -> Model:
    """The model `RA_MODEL` names (the offline model when unset)."""
    return build_model(parse_model_spec(os.environ.get("RA_MODEL")))
