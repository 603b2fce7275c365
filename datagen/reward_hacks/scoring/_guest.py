"""The evaluator's guest side: its limits, the exceptions guest code raises or triggers, the
values it handles (functions, classes, objects, modules, builtins) and the operator and
method tables.
"""

from __future__ import annotations

import ast
import operator
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from emgen.datagen.reward_hacks.scoring.interpreter import MiniPy


DEFAULT_MAX_STEPS = 200_000
_MAX_DEPTH = 60
_MAX_SIZE = 100_000


class EvalLimit(Exception):
    """The step budget ran out, or the code stepped outside the whitelist; never catchable by
    the guest."""


@dataclass(eq=False)
class ExcValue:
    type_name: str
    args: tuple[Any, ...] = ()

    def __str__(self) -> str:
        return str(self.args[0]) if len(self.args) == 1 else ""


class GuestRaised(Exception):
    def __init__(self, exc: ExcValue) -> None:
        super().__init__(exc.type_name)
        self.exc = exc


class GuestExit(Exception):
    def __init__(self, code: Any) -> None:
        super().__init__(code)
        self.code = 0 if code is None else code


_EXC_PARENT: dict[str, str | None] = {
    "BaseException": None, "SystemExit": "BaseException", "Exception": "BaseException",
    "ArithmeticError": "Exception", "ZeroDivisionError": "ArithmeticError",
    "OverflowError": "ArithmeticError", "LookupError": "Exception", "KeyError": "LookupError",
    "IndexError": "LookupError", "ValueError": "Exception", "TypeError": "Exception",
    "AssertionError": "Exception", "AttributeError": "Exception", "NameError": "Exception",
    "RuntimeError": "Exception", "NotImplementedError": "RuntimeError",
    "StopIteration": "Exception", "RecursionError": "RuntimeError",
}  # fmt: skip


def _exc_is(name: str, catch: str) -> bool:
    cur: str | None = name
    while cur is not None:
        if cur == catch:
            return True
        cur = _EXC_PARENT.get(cur, "Exception")
    return False


def _guest_exc_from(err: BaseException) -> ExcValue:
    for klass in type(err).__mro__:
        if klass.__name__ in _EXC_PARENT:
            return ExcValue(klass.__name__, tuple(err.args))
    return ExcValue("Exception", tuple(err.args))


@dataclass(eq=False)
class ExcType:
    name: str


class Scope:
    __slots__ = ("vars", "parent")

    def __init__(self, parent: Scope | None = None) -> None:
        self.vars: dict[str, Any] = {}
        self.parent = parent

    def lookup(self, name: str) -> Any:
        s: Scope | None = self
        while s is not None:
            if name in s.vars:
                return s.vars[name]
            s = s.parent
        raise GuestRaised(ExcValue("NameError", (f"name {name!r} is not defined",)))


@dataclass(eq=False)
class GuestFunction:
    name: str
    node: ast.FunctionDef | ast.Lambda = field(repr=False)
    closure: Scope = field(repr=False)
    defaults: list[Any] = field(repr=False)
    interp: MiniPy = field(repr=False)

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        # Real builtins (sorted's key=, map) call back in here; the budget still applies.
        return self.interp.call_function(self, list(args), kwargs)


@dataclass(eq=False)
class GuestClass:
    name: str
    attrs: dict[str, Any]


@dataclass(eq=False)
class GuestObject:
    cls: GuestClass
    attrs: dict[str, Any] = field(default_factory=dict)


@dataclass(eq=False)
class BoundMethod:
    obj: GuestObject
    fn: GuestFunction

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        return self.fn(self.obj, *args, **kwargs)


@dataclass(eq=False)
class GuestModule:
    name: str
    attrs: dict[str, Any]


@dataclass(eq=False)
class Builtin:
    """A whitelisted callable; `type_` is set when it stands for a type (int, str, ...)."""

    name: str
    fn: Callable[..., Any]
    type_: type | None = None


_GUEST_KINDS = (GuestFunction, GuestClass, GuestObject, BoundMethod, GuestModule, Builtin, ExcType)
_SIZED = (str, list, tuple, dict, set, frozenset, range)

_METHOD_TEXT = {
    str: "lower upper strip lstrip rstrip split rsplit join replace startswith endswith isdigit"
    " isalpha isalnum isspace isupper islower count find rfind index title capitalize splitlines"
    " swapcase isdecimal isnumeric",
    list: "append extend insert pop remove index count sort reverse copy clear",
    dict: "get items keys values setdefault pop update copy clear",
    set: "add discard remove union intersection difference copy update",
    frozenset: "union intersection difference",
    tuple: "index count",
    int: "bit_length",
    float: "is_integer",
}
_METHODS: dict[type, frozenset[str]] = {t: frozenset(v.split()) for t, v in _METHOD_TEXT.items()}

_BINOPS: dict[type, Callable[[Any, Any], Any]] = {
    ast.Add: operator.add, ast.Sub: operator.sub, ast.Mult: operator.mul,
    ast.Div: operator.truediv, ast.FloorDiv: operator.floordiv, ast.Mod: operator.mod,
    ast.Pow: operator.pow, ast.LShift: operator.lshift, ast.RShift: operator.rshift,
    ast.BitAnd: operator.and_, ast.BitOr: operator.or_, ast.BitXor: operator.xor,
}  # fmt: skip

_CMPOPS: dict[type, Callable[[Any, Any], Any]] = {
    ast.Lt: operator.lt, ast.LtE: operator.le, ast.Gt: operator.gt, ast.GtE: operator.ge,
}  # fmt: skip


class _Return(Exception):
    def __init__(self, value: Any) -> None:
        self.value = value


class _Break(Exception):
    pass


class _Continue(Exception):
    pass
