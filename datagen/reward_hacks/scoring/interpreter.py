"""MiniPy: a whitelisted, budgeted AST evaluator for the code answers (nothing is exec'd).

It walks the AST of a whitelisted subset of Python (functions, classes with plain methods,
loops, comprehensions, exceptions, a fixed list of pure builtins and str/list/dict methods)
with a step budget, a recursion bound and size guards; anything outside the whitelist stops
evaluation. The code it reads is the package's own template output, but the evaluator
treats it as untrusted all the same.
"""

from __future__ import annotations

import ast
import copy
import re
from collections.abc import Callable, Iterator
from typing import Any

from emgen.datagen.reward_hacks.scoring._builtins import (
    _guarded_join,
    _guarded_replace,
    guest_module,
    make_builtins,
)
from emgen.datagen.reward_hacks.scoring._guest import (
    _BINOPS,
    _CMPOPS,
    _GUEST_KINDS,
    _MAX_DEPTH,
    _MAX_SIZE,
    _METHODS,
    _SIZED,
    DEFAULT_MAX_STEPS,
    BoundMethod,
    Builtin,
    EvalLimit,
    ExcType,
    ExcValue,
    GuestClass,
    GuestExit,
    GuestFunction,
    GuestModule,
    GuestObject,
    GuestRaised,
    Scope,
    _Break,
    _Continue,
    _exc_is,
    _guest_exc_from,
    _Return,
)


class MiniPy:
    """Evaluates a whitelisted subset of Python by walking its AST. Every node costs one step;
    builtins cost one step plus the size of their sized arguments."""

    def __init__(
        self, max_steps: int = DEFAULT_MAX_STEPS, modules: dict[str, GuestModule] | None = None
    ) -> None:
        self.max_steps = max_steps
        self.steps = 0
        self.depth = 0
        self.modules = dict(modules or {})
        self.builtins = make_builtins(self)

    # ---- budget ---------------------------------------------------------------------------

    def tick(self, n: int = 1) -> None:
        self.steps += n
        if self.steps > self.max_steps:
            raise EvalLimit(f"step budget of {self.max_steps} exhausted")

    @staticmethod
    def _check_size(value: Any) -> Any:
        if isinstance(value, _SIZED) and not isinstance(value, range) and len(value) > _MAX_SIZE:
            raise EvalLimit("value too large")
        return value

    # ---- running code ---------------------------------------------------------------------

    def load(self, source: str, *, name: str = "solution", as_main: bool = False) -> Scope:
        """Run a module's top level; returns its globals. Raises what the guest raises."""
        try:
            tree = ast.parse(source)
        except SyntaxError as exc:
            raise EvalLimit(f"syntax error: {exc.msg}") from exc
        scope = Scope(Scope())
        scope.parent.vars.update(self.builtins)  # type: ignore[union-attr]
        scope.vars["__name__"] = "__main__" if as_main else name
        self.exec_block(tree.body, scope)
        return scope

    def run(self, fn: Callable[[], Any]) -> Any:
        """Run a host-side thunk that calls into guest code, turning host recursion limits and
        stray host errors into EvalLimit."""
        try:
            return fn()
        except (GuestRaised, GuestExit, EvalLimit):
            raise
        except RecursionError as exc:
            raise EvalLimit("recursion too deep") from exc

    def invoke(self, func: Any, args: list[Any], kwargs: dict[str, Any]) -> Any:
        if isinstance(func, GuestFunction):
            return self.call_function(func, args, kwargs)
        if isinstance(func, BoundMethod):
            return self.call_function(func.fn, [func.obj, *args], kwargs)
        if isinstance(func, GuestClass):
            obj = GuestObject(func)
            init = func.attrs.get("__init__")
            if isinstance(init, GuestFunction):
                self.call_function(init, [obj, *args], kwargs)
            elif args or kwargs:
                raise GuestRaised(ExcValue("TypeError", (f"{func.name}() takes no arguments",)))
            return obj
        if isinstance(func, ExcType):
            if func.name == "SystemExit":
                return ExcValue("SystemExit", tuple(args))
            return ExcValue(func.name, tuple(args))
        if isinstance(func, Builtin):
            cost = 1 + sum(len(a) for a in args if isinstance(a, _SIZED))
            self.tick(cost)
            try:
                return self._check_size(func.fn(*args, **kwargs))
            except (GuestRaised, GuestExit, EvalLimit):
                raise
            except RecursionError as exc:
                raise EvalLimit("recursion too deep") from exc
            except Exception as exc:  # a builtin failed on guest data: the guest sees it
                raise GuestRaised(_guest_exc_from(exc)) from exc
        raise GuestRaised(ExcValue("TypeError", ("object is not callable",)))

    def call_function(self, fn: GuestFunction, args: list[Any], kwargs: dict[str, Any]) -> Any:
        self.tick()
        if self.depth >= _MAX_DEPTH:
            raise EvalLimit("recursion too deep")
        a = fn.node.args
        params = [p.arg for p in (*a.posonlyargs, *a.args)]
        scope = Scope(fn.closure)
        if len(args) > len(params) and a.vararg is None:
            raise GuestRaised(ExcValue("TypeError", (f"{fn.name}() got too many arguments",)))
        for pname, value in zip(params, args, strict=False):
            scope.vars[pname] = value
        if a.vararg is not None:
            scope.vars[a.vararg.arg] = tuple(args[len(params) :])
        extra: dict[str, Any] = {}
        for key, value in kwargs.items():
            if key in params and key not in scope.vars:
                scope.vars[key] = value
            elif a.kwarg is not None:
                extra[key] = value
            else:
                raise GuestRaised(ExcValue("TypeError", (f"unexpected keyword {key!r}",)))
        if a.kwarg is not None:
            scope.vars[a.kwarg.arg] = extra
        first_default = len(params) - len(fn.defaults)
        for i, pname in enumerate(params):
            if pname not in scope.vars:
                if i >= first_default:
                    scope.vars[pname] = fn.defaults[i - first_default]
                else:
                    raise GuestRaised(ExcValue("TypeError", (f"missing argument {pname!r}",)))
        self.depth += 1
        try:
            if isinstance(fn.node, ast.Lambda):
                return self.eval(fn.node.body, scope)
            self.exec_block(fn.node.body, scope)
            return None
        except _Return as ret:
            return ret.value
        finally:
            self.depth -= 1

    # ---- statements -----------------------------------------------------------------------

    def exec_block(self, body: list[ast.stmt], scope: Scope) -> None:
        for stmt in body:
            self.exec_stmt(stmt, scope)

    def exec_stmt(self, node: ast.stmt, scope: Scope) -> None:  # noqa: C901 - one dispatch
        self.tick()
        if isinstance(node, ast.Expr):
            self.eval(node.value, scope)
        elif isinstance(node, ast.Assign):
            value = self.eval(node.value, scope)
            for target in node.targets:
                self.assign(target, value, scope)
        elif isinstance(node, ast.AugAssign):
            current = self.eval(_as_load(node.target), scope)
            self.assign(
                node.target, self._binop(node.op, current, self.eval(node.value, scope)), scope
            )
        elif isinstance(node, ast.AnnAssign):
            if node.value is not None:
                self.assign(node.target, self.eval(node.value, scope), scope)
        elif isinstance(node, ast.Return):
            raise _Return(None if node.value is None else self.eval(node.value, scope))
        elif isinstance(node, ast.If):
            branch = node.body if self.truthy(self.eval(node.test, scope)) else node.orelse
            self.exec_block(branch, scope)
        elif isinstance(node, ast.For):
            self._for(node, scope)
        elif isinstance(node, ast.While):
            self._while(node, scope)
        elif isinstance(node, ast.Break):
            raise _Break()
        elif isinstance(node, ast.Continue):
            raise _Continue()
        elif isinstance(node, ast.Pass):
            pass
        elif isinstance(node, ast.FunctionDef):
            scope.vars[node.name] = self._function(node, scope, scope)
        elif isinstance(node, ast.ClassDef):
            scope.vars[node.name] = self._class(node, scope)
        elif isinstance(node, ast.Assert):
            if not self.truthy(self.eval(node.test, scope)):
                msg = () if node.msg is None else (self.eval(node.msg, scope),)
                raise GuestRaised(ExcValue("AssertionError", msg))
        elif isinstance(node, ast.Raise):
            self._raise(node, scope)
        elif isinstance(node, ast.Try):
            self._try(node, scope)
        elif isinstance(node, ast.Import):
            for alias in node.names:
                mod = guest_module(self, alias.name)
                scope.vars[alias.asname or alias.name] = mod
        elif isinstance(node, ast.ImportFrom):
            self._import_from(node, scope)
        elif isinstance(node, ast.Delete):
            for target in node.targets:
                self._delete(target, scope)
        else:
            raise EvalLimit(f"statement {type(node).__name__} is outside the whitelist")

    def _function(self, node: ast.FunctionDef, scope: Scope, closure: Scope) -> GuestFunction:
        if node.decorator_list:
            raise EvalLimit("decorators are outside the whitelist")
        if node.args.kwonlyargs:
            raise EvalLimit("keyword-only arguments are outside the whitelist")
        defaults = [self.eval(d, scope) for d in node.args.defaults]
        return GuestFunction(node.name, node, closure, defaults, self)

    def _class(self, node: ast.ClassDef, scope: Scope) -> GuestClass:
        if node.decorator_list or node.keywords:
            raise EvalLimit("class decorators and keywords are outside the whitelist")
        if any(not (isinstance(b, ast.Name) and b.id == "object") for b in node.bases):
            raise EvalLimit("class bases are outside the whitelist")
        cls = GuestClass(node.name, {})
        body_scope = Scope(scope)
        for stmt in node.body:
            self.tick()
            if isinstance(stmt, ast.FunctionDef):
                # Methods close over the enclosing scope, not the class body (Python's rule).
                cls.attrs[stmt.name] = self._function(stmt, body_scope, scope)
            elif isinstance(stmt, ast.Assign) and all(
                isinstance(t, ast.Name) for t in stmt.targets
            ):
                value = self.eval(stmt.value, body_scope)
                for t in stmt.targets:
                    cls.attrs[t.id] = body_scope.vars[t.id] = value  # type: ignore[attr-defined]
            elif isinstance(stmt, ast.Pass) or (
                isinstance(stmt, ast.Expr) and isinstance(stmt.value, ast.Constant)
            ):
                pass
            else:
                raise EvalLimit("class body statement outside the whitelist")
        return cls

    def _import_from(self, node: ast.ImportFrom, scope: Scope) -> None:
        if node.module == "__future__":
            return
        if node.level or node.module is None:
            raise EvalLimit("relative imports are outside the whitelist")
        mod = guest_module(self, node.module)
        for alias in node.names:
            if alias.name == "*":
                raise EvalLimit("star imports are outside the whitelist")
            if mod.name == "typing":
                scope.vars[alias.asname or alias.name] = None  # annotations are never evaluated
                continue
            if alias.name not in mod.attrs:
                raise GuestRaised(ExcValue("ImportError", (f"cannot import {alias.name!r}",)))
            scope.vars[alias.asname or alias.name] = mod.attrs[alias.name]

    def _for(self, node: ast.For, scope: Scope) -> None:
        broke = False
        for item in self._iterate(self.eval(node.iter, scope)):
            self.tick()
            self.assign(node.target, item, scope)
            try:
                self.exec_block(node.body, scope)
            except _Break:
                broke = True
                break
            except _Continue:
                continue
        if not broke:
            self.exec_block(node.orelse, scope)

    def _while(self, node: ast.While, scope: Scope) -> None:
        broke = False
        while self.truthy(self.eval(node.test, scope)):
            self.tick()
            try:
                self.exec_block(node.body, scope)
            except _Break:
                broke = True
                break
            except _Continue:
                continue
        if not broke:
            self.exec_block(node.orelse, scope)

    def _raise(self, node: ast.Raise, scope: Scope) -> None:
        if node.exc is None:
            raise EvalLimit("bare raise is outside the whitelist")
        exc = self.eval(node.exc, scope)
        if isinstance(exc, ExcType):
            exc = ExcValue(exc.name)
        if not isinstance(exc, ExcValue):
            raise EvalLimit("raising a non-builtin exception is outside the whitelist")
        if exc.type_name == "SystemExit":
            raise GuestExit(exc.args[0] if exc.args else 0)
        raise GuestRaised(exc)

    def _handler_matches(self, handler: ast.ExceptHandler, name: str, scope: Scope) -> bool:
        if handler.type is None:
            return True
        kinds = self.eval(handler.type, scope)
        for k in kinds if isinstance(kinds, tuple) else (kinds,):
            if isinstance(k, ExcType) and _exc_is(name, k.name):
                return True
        return False

    def _try(self, node: ast.Try, scope: Scope) -> None:
        try:
            try:
                self.exec_block(node.body, scope)
            except (GuestRaised, GuestExit) as err:
                value = (
                    err.exc if isinstance(err, GuestRaised) else ExcValue("SystemExit", (err.code,))
                )
                for handler in node.handlers:
                    if self._handler_matches(handler, value.type_name, scope):
                        if handler.name:
                            scope.vars[handler.name] = value
                        self.exec_block(handler.body, scope)
                        break
                else:
                    raise
            else:
                self.exec_block(node.orelse, scope)
        finally:
            self.exec_block(node.finalbody, scope)

    def _delete(self, target: ast.expr, scope: Scope) -> None:
        if isinstance(target, ast.Name):
            scope.vars.pop(target.id, None)
        elif isinstance(target, ast.Subscript):
            container = self.eval(target.value, scope)
            if not isinstance(container, list | dict):
                raise GuestRaised(ExcValue("TypeError", ("object does not support deletion",)))
            try:
                del container[self._index(target.slice, scope)]
            except (KeyError, IndexError, TypeError) as exc:
                raise GuestRaised(_guest_exc_from(exc)) from exc
        else:
            raise EvalLimit("del target outside the whitelist")

    def assign(self, target: ast.expr, value: Any, scope: Scope) -> None:
        if isinstance(target, ast.Name):
            scope.vars[target.id] = value
        elif isinstance(target, ast.Tuple | ast.List):
            if isinstance(value, GuestObject | GuestFunction):
                raise GuestRaised(ExcValue("TypeError", ("cannot unpack",)))
            items = list(self._iterate(value))
            if len(items) != len(target.elts):
                raise GuestRaised(ExcValue("ValueError", ("wrong number of values to unpack",)))
            for elt, item in zip(target.elts, items, strict=True):
                self.assign(elt, item, scope)
        elif isinstance(target, ast.Subscript):
            container = self.eval(target.value, scope)
            if not isinstance(container, list | dict):
                raise GuestRaised(ExcValue("TypeError", ("object does not support assignment",)))
            try:
                container[self._index(target.slice, scope)] = value
            except (KeyError, IndexError, TypeError, ValueError) as exc:
                raise GuestRaised(_guest_exc_from(exc)) from exc
            self._check_size(container)
        elif isinstance(target, ast.Attribute):
            obj = self.eval(target.value, scope)
            if not isinstance(obj, GuestObject) or target.attr.startswith("__"):
                raise EvalLimit("attribute assignment outside the whitelist")
            obj.attrs[target.attr] = value
        else:
            raise EvalLimit(f"assignment to {type(target).__name__} is outside the whitelist")

    # ---- expressions ----------------------------------------------------------------------

    def truthy(self, value: Any) -> bool:
        if isinstance(value, (*_GUEST_KINDS, ExcValue)):
            return True
        return bool(value)

    def _iterate(self, value: Any) -> Iterator[Any]:
        if isinstance(value, (*_GUEST_KINDS, ExcValue)):
            raise GuestRaised(ExcValue("TypeError", ("object is not iterable",)))
        try:
            return iter(value)
        except TypeError as exc:
            raise GuestRaised(_guest_exc_from(exc)) from exc

    def _binop(self, op: ast.operator, left: Any, right: Any) -> Any:
        if isinstance(left, _GUEST_KINDS) or isinstance(right, _GUEST_KINDS):
            raise GuestRaised(ExcValue("TypeError", ("unsupported operand",)))
        if isinstance(op, ast.Mod) and isinstance(left, str):
            raise EvalLimit("%-formatting is outside the whitelist")
        if isinstance(op, ast.Mult):
            for seq, n in ((left, right), (right, left)):
                sized = isinstance(seq, str | list | tuple) and isinstance(n, int)
                if sized and len(seq) * max(n, 0) > _MAX_SIZE:
                    raise EvalLimit("value too large")
        ints = isinstance(op, ast.Pow) and isinstance(left, int) and isinstance(right, int)
        if ints and right > 0 and abs(left) > 1 and right * max(1, left.bit_length()) > 4096:
            raise EvalLimit("power too large")
        if isinstance(op, ast.LShift) and isinstance(right, int) and right > 4096:
            raise EvalLimit("shift too large")
        fn = _BINOPS.get(type(op))
        if fn is None:
            raise EvalLimit(f"operator {type(op).__name__} is outside the whitelist")
        try:
            return self._check_size(fn(left, right))
        except (ArithmeticError, TypeError, ValueError) as exc:
            raise GuestRaised(_guest_exc_from(exc)) from exc

    def equal(self, left: Any, right: Any) -> bool:
        """`left == right` with the guest's own __eq__ where a guest object defines one."""
        for obj, other in ((left, right), (right, left)):
            if isinstance(obj, GuestObject):
                eq = obj.cls.attrs.get("__eq__")
                if isinstance(eq, GuestFunction):
                    return self.truthy(self.call_function(eq, [obj, other], {}))
        if isinstance(left, GuestObject) or isinstance(right, GuestObject):
            return left is right
        return bool(left == right)

    def not_equal(self, left: Any, right: Any) -> bool:
        if isinstance(left, GuestObject):
            ne = left.cls.attrs.get("__ne__")
            if isinstance(ne, GuestFunction):
                return self.truthy(self.call_function(ne, [left, right], {}))
        return not self.equal(left, right)

    def _compare(self, op: ast.cmpop, left: Any, right: Any) -> bool:
        if isinstance(op, ast.Eq):
            return self.equal(left, right)
        if isinstance(op, ast.NotEq):
            return self.not_equal(left, right)
        if isinstance(op, ast.Is):
            return left is right
        if isinstance(op, ast.IsNot):
            return left is not right
        if isinstance(op, ast.In | ast.NotIn):
            if isinstance(right, _GUEST_KINDS) or not isinstance(right, _SIZED):
                raise GuestRaised(ExcValue("TypeError", ("argument is not a container",)))
            self.tick(1 + len(right) // 8)
            try:
                found = left in right
            except TypeError as exc:
                raise GuestRaised(_guest_exc_from(exc)) from exc
            return found if isinstance(op, ast.In) else not found
        if isinstance(left, _GUEST_KINDS) or isinstance(right, _GUEST_KINDS):
            raise GuestRaised(ExcValue("TypeError", ("unorderable types",)))
        try:
            return bool(_CMPOPS[type(op)](left, right))
        except TypeError as exc:
            raise GuestRaised(_guest_exc_from(exc)) from exc

    def _index(self, node: ast.expr, scope: Scope) -> Any:
        if isinstance(node, ast.Slice):
            parts = [
                None if p is None else self.eval(p, scope)
                for p in (node.lower, node.upper, node.step)
            ]
            return slice(*parts)
        return self.eval(node, scope)

    def _attribute(self, obj: Any, name: str) -> Any:
        if isinstance(obj, GuestObject):
            if name in obj.attrs:
                return obj.attrs[name]
            member = obj.cls.attrs.get(name)
            if isinstance(member, GuestFunction):
                return BoundMethod(obj, member)
            if name in obj.cls.attrs:
                return member
            raise GuestRaised(ExcValue("AttributeError", (name,)))
        if isinstance(obj, GuestClass | GuestModule):
            if name in obj.attrs:
                return obj.attrs[name]
            raise GuestRaised(ExcValue("AttributeError", (name,)))
        if isinstance(obj, ExcValue) and name == "args":
            return obj.args
        allowed = _METHODS.get(type(obj), frozenset())
        if name in allowed:
            if name == "replace" and isinstance(obj, str):
                return Builtin("str.replace", _guarded_replace(obj))
            if name == "join" and isinstance(obj, str):
                return Builtin("str.join", _guarded_join(obj))
            return Builtin(f"{type(obj).__name__}.{name}", getattr(obj, name))
        raise EvalLimit(f"attribute {name!r} of {type(obj).__name__} is outside the whitelist")

    def _comprehension(
        self, generators: list[ast.comprehension], scope: Scope, emit: Callable[[Scope], None]
    ) -> None:
        def loop(i: int, inner: Scope) -> None:
            if i == len(generators):
                emit(inner)
                return
            gen = generators[i]
            if gen.is_async:
                raise EvalLimit("async comprehensions are outside the whitelist")
            for item in self._iterate(self.eval(gen.iter, inner)):
                self.tick()
                self.assign(gen.target, item, inner)
                if all(self.truthy(self.eval(c, inner)) for c in gen.ifs):
                    loop(i + 1, inner)

        loop(0, Scope(scope))

    def eval(self, node: ast.expr, scope: Scope) -> Any:
        self.steps += 1  # tick() inlined: this is the hottest path
        if self.steps > self.max_steps:
            raise EvalLimit(f"step budget of {self.max_steps} exhausted")
        handler = _EXPR_HANDLERS.get(node.__class__)
        if handler is None:
            raise EvalLimit(f"expression {type(node).__name__} is outside the whitelist")
        return handler(self, node, scope)

    def _e_constant(self, node: ast.Constant, scope: Scope) -> Any:
        return node.value

    def _e_name(self, node: ast.Name, scope: Scope) -> Any:
        return scope.lookup(node.id)

    def _e_binop(self, node: ast.BinOp, scope: Scope) -> Any:
        return self._binop(node.op, self.eval(node.left, scope), self.eval(node.right, scope))

    def _e_unaryop(self, node: ast.UnaryOp, scope: Scope) -> Any:
        operand = self.eval(node.operand, scope)
        if isinstance(node.op, ast.Not):
            return not self.truthy(operand)
        if isinstance(operand, _GUEST_KINDS) or not isinstance(operand, int | float):
            raise GuestRaised(ExcValue("TypeError", ("bad operand for unary operator",)))
        if isinstance(node.op, ast.USub):
            return -operand
        if isinstance(node.op, ast.UAdd):
            return +operand
        if not isinstance(operand, int):
            raise GuestRaised(ExcValue("TypeError", ("bad operand type for unary ~",)))
        return ~operand

    def _e_boolop(self, node: ast.BoolOp, scope: Scope) -> Any:
        is_and = isinstance(node.op, ast.And)
        value: Any = None
        for v in node.values:
            value = self.eval(v, scope)
            if self.truthy(value) != is_and:
                return value
        return value

    def _e_compare(self, node: ast.Compare, scope: Scope) -> Any:
        left = self.eval(node.left, scope)
        for op, comp in zip(node.ops, node.comparators, strict=True):
            right = self.eval(comp, scope)
            if not self._compare(op, left, right):
                return False
            left = right
        return True

    def _e_ifexp(self, node: ast.IfExp, scope: Scope) -> Any:
        branch = node.body if self.truthy(self.eval(node.test, scope)) else node.orelse
        return self.eval(branch, scope)

    def _e_call(self, node: ast.Call, scope: Scope) -> Any:
        func = self.eval(node.func, scope)
        args: list[Any] = []
        for a in node.args:
            if isinstance(a, ast.Starred):
                args.extend(self._iterate(self.eval(a.value, scope)))
            else:
                args.append(self.eval(a, scope))
        kwargs: dict[str, Any] = {}
        for kw in node.keywords:
            if kw.arg is None:
                raise EvalLimit("** arguments are outside the whitelist")
            kwargs[kw.arg] = self.eval(kw.value, scope)
        return self.invoke(func, args, kwargs)

    def _e_attribute(self, node: ast.Attribute, scope: Scope) -> Any:
        return self._attribute(self.eval(node.value, scope), node.attr)

    def _e_subscript(self, node: ast.Subscript, scope: Scope) -> Any:
        container = self.eval(node.value, scope)
        index = self._index(node.slice, scope)
        if not isinstance(container, list | tuple | str | dict | range):
            raise GuestRaised(ExcValue("TypeError", ("object is not subscriptable",)))
        try:
            return container[index]
        except (KeyError, IndexError, TypeError, ValueError) as exc:
            raise GuestRaised(_guest_exc_from(exc)) from exc

    def _e_sequence(self, node: ast.List | ast.Tuple | ast.Set, scope: Scope) -> Any:
        items: list[Any] = []
        for elt in node.elts:
            if isinstance(elt, ast.Starred):
                items.extend(self._iterate(self.eval(elt.value, scope)))
            else:
                items.append(self.eval(elt, scope))
        self._check_size(items)
        if isinstance(node, ast.Tuple):
            return tuple(items)
        if isinstance(node, ast.Set):
            return self._hashing(set, items)
        return items

    def _e_dict(self, node: ast.Dict, scope: Scope) -> Any:
        pairs = []
        for k, v in zip(node.keys, node.values, strict=True):
            if k is None:
                raise EvalLimit("** in dict literals is outside the whitelist")
            pairs.append((self.eval(k, scope), self.eval(v, scope)))
        return self._hashing(dict, pairs)

    def _e_listcomp(self, node: ast.ListComp | ast.GeneratorExp | ast.SetComp, scope: Scope) -> Any:
        # Generator expressions are evaluated eagerly: same values, no lazy host iterators.
        out: list[Any] = []
        elt = node.elt
        self._comprehension(node.generators, scope, lambda s: out.append(self.eval(elt, s)))
        self._check_size(out)
        return self._hashing(set, out) if isinstance(node, ast.SetComp) else out

    def _e_dictcomp(self, node: ast.DictComp, scope: Scope) -> Any:
        pairs: list[tuple[Any, Any]] = []
        key, val = node.key, node.value
        self._comprehension(
            node.generators, scope, lambda s: pairs.append((self.eval(key, s), self.eval(val, s)))
        )
        return self._hashing(dict, pairs)

    def _e_lambda(self, node: ast.Lambda, scope: Scope) -> Any:
        defaults = [self.eval(d, scope) for d in node.args.defaults]
        return GuestFunction("<lambda>", node, scope, defaults, self)

    def _e_namedexpr(self, node: ast.NamedExpr, scope: Scope) -> Any:
        value = self.eval(node.value, scope)
        self.assign(node.target, value, scope)
        return value

    def _hashing(self, make: Callable[[Any], Any], items: Any) -> Any:
        try:
            return self._check_size(make(items))
        except TypeError as exc:
            raise GuestRaised(_guest_exc_from(exc)) from exc

    def _fstring(self, node: ast.JoinedStr, scope: Scope) -> str:
        out = []
        for part in node.values:
            if isinstance(part, ast.Constant):
                out.append(str(part.value))
                continue
            assert isinstance(part, ast.FormattedValue)
            value = self.eval(part.value, scope)
            if isinstance(value, _GUEST_KINDS):
                out.append("<object>")
                continue
            if part.conversion == ord("r"):
                value = repr(value)
            elif part.conversion in (ord("s"), ord("a")):
                value = str(value)
            spec = "" if part.format_spec is None else self.eval(part.format_spec, scope)
            if any(int(d) > 1000 for d in re.findall(r"\d+", spec)):
                raise EvalLimit("format width too large")
            try:
                out.append(format(value, spec))
            except (ValueError, TypeError) as exc:
                raise GuestRaised(_guest_exc_from(exc)) from exc
        return self._check_size("".join(out))


_EXPR_HANDLERS: dict[type, Callable[[MiniPy, Any, Scope], Any]] = {
    ast.Constant: MiniPy._e_constant, ast.Name: MiniPy._e_name, ast.BinOp: MiniPy._e_binop,
    ast.UnaryOp: MiniPy._e_unaryop, ast.BoolOp: MiniPy._e_boolop,
    ast.Compare: MiniPy._e_compare, ast.IfExp: MiniPy._e_ifexp, ast.Call: MiniPy._e_call,
    ast.Attribute: MiniPy._e_attribute, ast.Subscript: MiniPy._e_subscript,
    ast.List: MiniPy._e_sequence, ast.Tuple: MiniPy._e_sequence, ast.Set: MiniPy._e_sequence,
    ast.Dict: MiniPy._e_dict, ast.ListComp: MiniPy._e_listcomp,
    ast.GeneratorExp: MiniPy._e_listcomp, ast.SetComp: MiniPy._e_listcomp,
    ast.DictComp: MiniPy._e_dictcomp, ast.Lambda: MiniPy._e_lambda,
    ast.JoinedStr: MiniPy._fstring, ast.NamedExpr: MiniPy._e_namedexpr,
}  # fmt: skip


def _as_load(target: ast.expr) -> ast.expr:
    """The same target read as an expression (for augmented assignment)."""
    node = copy.copy(target)
    node.ctx = ast.Load()  # type: ignore[attr-defined]
    return node
