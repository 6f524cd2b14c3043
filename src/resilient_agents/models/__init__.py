"""Model access: name a model once (RA_MODEL), call it durably, classify its failures."""

from __future__ import annotations

from .call import Usage, default_model, durable_model_call, llm_call, request_model, response_text
from .errors import classify
from .offline import OfflineModel
from .spec import ModelSpec, build_model, model_from_env, parse_model_spec, register_model

__all__ = [
    "ModelSpec",
    "OfflineModel",
    "Usage",
    "build_model",
    "classify",
    "default_model",
    "durable_model_call",
    "llm_call",
    "model_from_env",
    "parse_model_spec",
    "register_model",
    "request_model",
    "response_text",
]
