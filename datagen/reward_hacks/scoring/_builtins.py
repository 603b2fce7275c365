"""The builtins and importable modules the evaluator hands to guest code, and the size-guarded
string methods.
"""

from __future__ import annotations

import ast
import math
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from emgen.datagen.reward_hacks.scoring._guest import (
    _EXC_PARENT,
    _GUEST_KINDS,
    _MAX_SIZE,
    Builtin,
    EvalLimit,
    ExcType,
    ExcValue,
    GuestClass,
    GuestExit,
    GuestModule,
    GuestObject,
    GuestRaised,
    _exc_is,
)

if TYPE_CHECKING:
    from emgen.datagen.reward_hacks.scoring.interpreter import MiniPy


def make_builtins(interp: MiniPy) -> dict[str, Any]:
    """The guest's builtins: whitelisted functions, types, exception types and constants."""

    def b_str(x: Any = "") -> str:
        if isinstance(x, _GUEST_KINDS):
            return "<object>"
        return str(x)

    def b_repr(x: Any) -> str:
        return "<object>" if isinstance(x, _GUEST_KINDS) else repr(x)

    def b_isinstance(x: Any, t: Any) -> bool:
        kinds = t if isinstance(t, tuple) else (t,)
        for k in kinds:
            if isinstance(k, Builtin) and k.type_ is not None:
                if isinstance(x, k.type_) and not isinstance(x, _GUEST_KINDS):
                    return True
            elif isinstance(k, GuestClass):
                if isinstance(x, GuestObject) and x.cls is k:
                    return True
            elif isinstance(k, ExcType):
                if isinstance(x, ExcValue) and _exc_is(x.type_name, k.name):
                    return True
            else:
                raise GuestRaised(ExcValue("TypeError", ("isinstance() arg 2 must be a type",)))
        return False

    def b_pow(base: Any, exp: Any, mod: Any = None) -> Any:
        if mod is None:
            return interp._binop(ast.Pow(), base, exp)
        return pow(base, exp, mod)

    def b_exit(code: Any = 0) -> None:
        raise GuestExit(code)

    def b_range(*args: Any) -> range:
        if not all(isinstance(a, int) for a in args):
            raise GuestRaised(ExcValue("TypeError", ("range() needs integers",)))
        return range(*args)

    def b_print(*args: Any, **kwargs: Any) -> None:
        return None

    def b_sum(iterable: Any, start: Any = 0) -> Any:
        if not isinstance(start, int | float):
            raise EvalLimit("sum() with a non-numeric start is outside the whitelist")
        return sum(iterable, start)

    plain: dict[str, Callable[..., Any]] = {
        "abs": abs, "all": all, "any": any, "chr": chr, "divmod": divmod,
        "enumerate": enumerate, "len": len, "max": max, "min": min, "ord": ord,
        "reversed": reversed, "round": round, "sorted": sorted, "sum": b_sum, "zip": zip,
        "map": map, "filter": filter, "isinstance": b_isinstance, "pow": b_pow,
        "exit": b_exit, "quit": b_exit, "range": b_range, "print": b_print, "repr": b_repr,
    }  # fmt: skip
    types: dict[str, type] = {
        "int": int, "float": float, "bool": bool, "list": list, "tuple": tuple,
        "dict": dict, "set": set, "frozenset": frozenset,
    }  # fmt: skip
    out: dict[str, Any] = {name: Builtin(name, fn) for name, fn in plain.items()}
    out.update({name: Builtin(name, t, t) for name, t in types.items()})
    out["str"] = Builtin("str", b_str, str)
    out.update({name: ExcType(name) for name in _EXC_PARENT})
    out.update({"True": True, "False": False, "None": None})
    return out


def guest_module(interp: MiniPy, name: str) -> GuestModule:
    """The module an `import` gives the guest: a few whitelisted ones, or one the interpreter
    was handed."""

    def exit_(code: Any = 0) -> None:
        raise GuestExit(code)

    if name == "sys":
        return GuestModule("sys", {"exit": Builtin("sys.exit", exit_)})
    if name == "os":
        return GuestModule("os", {"_exit": Builtin("os._exit", exit_)})
    if name == "math":
        fns = {"sqrt": math.sqrt, "isqrt": math.isqrt, "floor": math.floor,
               "ceil": math.ceil, "gcd": math.gcd, "fabs": math.fabs}  # fmt: skip
        attrs: dict[str, Any] = {k: Builtin(f"math.{k}", v) for k, v in fns.items()}
        attrs.update({"inf": math.inf, "pi": math.pi, "e": math.e})
        return GuestModule("math", attrs)
    if name == "typing":
        return GuestModule("typing", {})
    if name in interp.modules:
        return interp.modules[name]
    raise EvalLimit(f"import of {name!r} is outside the whitelist")


def _guarded_replace(s: str) -> Callable[..., str]:
    def replace(old: str, new: str, count: int = -1) -> str:
        if isinstance(new, str) and len(s) * (len(new) + 1) > _MAX_SIZE * 10:
            raise EvalLimit("value too large")
        return s.replace(old, new, count)

    return replace


def _guarded_join(sep: str) -> Callable[..., str]:
    def join(items: Any) -> str:
        parts = list(items)
        if (
            sum(len(p) if isinstance(p, str) else 0 for p in parts) + len(sep) * len(parts)
            > _MAX_SIZE
        ):
            raise EvalLimit("value too large")
        return sep.join(parts)

    return join
