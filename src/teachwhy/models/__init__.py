"""Models: one way to name and call every model, with an embedded offline default.

The only place in teachwhy that knows about providers, API keys, caches and local model
handles. Generation goes through Inspect (`get_model`, `generate_text`); training and
log-likelihood scoring use local transformers models (`load_local_lm`, `LoglikelihoodScorer`).
"""

from teachwhy.models.embedded import (
    DEFAULT_MODEL,
    EMBEDDED_MODELS,
    cache_dir,
    embedded_gguf_path,
    embedded_model_converted,
    embedded_model_dir,
)
from teachwhy.models.generation import (
    GenerationResult,
    TokenUsage,
    agenerate_many,
    agenerate_text,
    generate_many,
    generate_text,
    get_model,
)
from teachwhy.models.local_lm import LocalLM, load_local_lm
from teachwhy.models.names import ModelRef, api_key_status, parse_model, resolve_model_name
from teachwhy.models.scorer import ContinuationScore, LoglikelihoodScorer, LoglikRequest
from teachwhy.models.usage import Price, UsageLedger, global_ledger, load_prices

__all__ = [
    "DEFAULT_MODEL",
    "EMBEDDED_MODELS",
    "ContinuationScore",
    "GenerationResult",
    "LocalLM",
    "LoglikRequest",
    "LoglikelihoodScorer",
    "ModelRef",
    "Price",
    "TokenUsage",
    "UsageLedger",
    "agenerate_many",
    "agenerate_text",
    "api_key_status",
    "cache_dir",
    "embedded_gguf_path",
    "embedded_model_converted",
    "embedded_model_dir",
    "generate_many",
    "generate_text",
    "get_model",
    "global_ledger",
    "load_local_lm",
    "load_prices",
    "parse_model",
    "resolve_model_name",
]
