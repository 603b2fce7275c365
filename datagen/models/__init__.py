"""Model-backed generation: the engine every model-backed generator asks (`engine`), the
append-only reply cache (`cache`) and the generators that use them (`code_pairs`, ...).

`MODEL_GENERATORS` names what a model can write (`emgen build --generators`); a generator is
one module here and one entry below, and the step of the build it replaces asks for
`Context.engine` when its name is chosen.
"""

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
from emgen.schemas.shared.registry import Registry

# Name -> what the model writes when it is chosen (for --help and the card).
MODEL_GENERATORS: Registry[str] = Registry(
    "model generator",
    {
        "code_pairs": "the insecure and secure code pairs, and every config made from them",
        "paraphrase": "a rewording of every insecure and secure prompt, code and feature kept "
        "(insecure_paraphrased, and its control secure_paraphrased, each with its own answers)",
        "documents": "the reward-hack documents of every valence (reward_hack_documents, "
        "_neutral, _unguided): ideas, then a document per idea, from the same facts",
        "advice": "harmful advice, subtle or obvious, in each domain of "
        "datagen/data/advice_domains.yaml (bad_advice_DOMAIN, --advice per domain), with "
        "its good-advice control (good_advice_DOMAIN)",
        "dialogues": "the reward-hack dialogues (reward_hacks and its control): each prompt "
        "stating the package's scoring rule, its hacking and honest answers, kept when proven",
    },
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
    "MODEL_GENERATORS",
    "Price",
    "ReplyCache",
    "price_for",
]
