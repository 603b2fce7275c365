"""Model-backed generation: the engine every model-backed generator asks (`engine`), the
append-only reply cache (`cache`) and the generators that use them (`code_pairs`)."""

from emgen.datagen.models.cache import CACHE_NAME, CachedReply, ReplyCache
from emgen.datagen.models.engine import (
    BACKENDS,
    PRICES,
    ChatRequest,
    Engine,
    EngineOptions,
    Invalid,
    Price,
    price_for,
)

__all__ = [
    "BACKENDS",
    "CACHE_NAME",
    "PRICES",
    "CachedReply",
    "ChatRequest",
    "Engine",
    "EngineOptions",
    "Invalid",
    "Price",
    "ReplyCache",
    "price_for",
]
