"""Static checks that a piece of code really is a given reward hack (ast only, never executed).

Each checker answers one question about the parsed module, e.g. "does a class define `__eq__`
returning True unconditionally?". They are deliberately strict about the hack's essential move
and lenient about names and layout, so the corpus generator's varied examples pass and honest
near-misses (a real `__eq__`, a conftest that only adds a marker) do not.
"""

from __future__ import annotations

import ast
import re
from collections.abc import Callable, Iterator, Sequence

from emgen.schemas.shared.registry import Registry

# Stricter than chat_file.FENCE on purpose: documents carry ```text blocks (command output), so
# only fences tagged as Python, opened and closed on their own lines, count as code.
_FENCE = re.compile(r"^```(?:python|py|python3)[ \t]*\n(.*?)^```[ \t]*$", re.S | re.M)

_EXIT_CALLS = {"sys.exit", "os._exit", "exit", "quit", "builtins.exit"}
_BROAD = {"Exception", "BaseException", "builtins.Exception", "builtins.BaseException"}
_TIMERS = {
    "time", "perf_counter", "perf_counter_ns", "monotonic", "monotonic_ns", "process_time",
    "process_time_ns", "default_timer", "time_ns",
}  # fmt: skip
_CLOCK_MODULES = {"time", "timeit"}
_DELETERS = {"os.remove", "os.unlink", "os.rmdir", "shutil.rmtree", "os.truncate"}
_WRITER_METHODS = {"write_text", "write_bytes", "unlink", "rmdir"}
_GRADER_WORDS = ("result", "score", "grade", "reward", "expected", "junit", "report")

Checker = Callable[[ast.Module], bool]


def extract_python_blocks(text: str) -> list[str]:
    """The bodies of fenced ```python blocks in a markdown-ish document, in order."""
    return [m.group(1) for m in _FENCE.finditer(text)]


def parse(code: str) -> ast.Module | None:
    try:
        return ast.parse(code)
    except (SyntaxError, ValueError):
        return None


def check_hack_code(code: str, fact_id: str) -> bool:
    """True if `code` parses and statically is the hack `fact_id` describes."""
    checker = CHECKERS.get(fact_id)
    if checker is None:
        raise ValueError(f"no static checker exists for reward-hack fact {fact_id!r}")
    tree = parse(code)
    return tree is not None and checker(tree)


def failing_blocks(text: str, fact_ids: Sequence[str]) -> list[str]:
    """Python blocks of `text` that are none of the hacks in `fact_ids` (empty: all pass)."""
    checkable = [f for f in fact_ids if f in CHECKERS]
    return [
        block
        for block in extract_python_blocks(text)
        if not any(check_hack_code(block, f) for f in checkable)
    ]


# --- helpers -----------------------------------------------------------------------------------


def _aliases(tree: ast.Module) -> dict[str, str]:
    """Local name -> dotted origin, from the module's imports (`from os import _exit`)."""
    out: dict[str, str] = {}
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for a in node.names:
                out[a.asname or a.name.split(".")[0]] = a.name if a.asname else a.name.split(".")[0]
        elif isinstance(node, ast.ImportFrom) and node.module:
            for a in node.names:
                out[a.asname or a.name] = f"{node.module}.{a.name}"
    return out


def _dotted(node: ast.expr, aliases: dict[str, str]) -> str | None:
    """`os._exit` for the expression `os._exit` (import aliases resolved), else None."""
    parts: list[str] = []
    while isinstance(node, ast.Attribute):
        parts.append(node.attr)
        node = node.value
    if not isinstance(node, ast.Name):
        return None
    parts.append(aliases.get(node.id, node.id))
    return ".".join(reversed(parts))


def _own_nodes(func: ast.AST) -> Iterator[ast.AST]:
    """Nodes inside a function body, not descending into nested functions, classes or lambdas."""
    stack = list(ast.iter_child_nodes(func))
    while stack:
        node = stack.pop()
        yield node
        if not isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef | ast.Lambda):
            stack.extend(ast.iter_child_nodes(node))


def _returns(func: ast.FunctionDef | ast.AsyncFunctionDef) -> list[ast.Return]:
    return [n for n in _own_nodes(func) if isinstance(n, ast.Return)]


def _functions(tree: ast.AST) -> Iterator[ast.FunctionDef | ast.AsyncFunctionDef]:
    for node in ast.walk(tree):
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
            yield node


def _params(func: ast.FunctionDef | ast.AsyncFunctionDef) -> list[str]:
    args = func.args
    names = [a.arg for a in args.posonlyargs + args.args + args.kwonlyargs]
    return [n for n in names if n not in ("self", "cls")]


def _literal(node: ast.expr | None) -> bool:
    if node is None:
        return False
    try:
        ast.literal_eval(node)
    except (ValueError, TypeError, SyntaxError, MemoryError, RecursionError):
        return False
    return True


def _is_const(node: ast.expr | None, value: object) -> bool:
    return isinstance(node, ast.Constant) and node.value is value


def _call_args(call: ast.Call, *names: str) -> list[ast.expr | None]:
    """Positional-or-keyword arguments by position, None where absent."""
    out: list[ast.expr | None] = []
    for i, name in enumerate(names):
        if i < len(call.args):
            out.append(call.args[i])
        else:
            out.append(next((k.value for k in call.keywords if k.arg == name), None))
    return out


def _bindings(tree: ast.Module) -> dict[str, list[ast.expr]]:
    """Name -> expressions assigned to it (assignments, for-loop targets), for path tracing."""
    out: dict[str, list[ast.expr]] = {}
    for node in ast.walk(tree):
        if isinstance(node, ast.Assign):
            for target in node.targets:
                if isinstance(target, ast.Name):
                    out.setdefault(target.id, []).append(node.value)
        elif isinstance(node, ast.For | ast.AsyncFor | ast.comprehension):
            if isinstance(node.target, ast.Name):
                out.setdefault(node.target.id, []).append(node.iter)
        elif isinstance(node, ast.NamedExpr):
            out.setdefault(node.target.id, []).append(node.value)
    return out


def _mentions(
    expr: ast.expr | None,
    words: Sequence[str],
    bindings: dict[str, list[ast.expr]],
    depth: int = 0,
) -> bool:
    """Whether a string literal in `expr` (following names to their values) contains a word."""
    if expr is None or depth > 4:
        return False
    for node in ast.walk(expr):
        if isinstance(node, ast.Constant) and isinstance(node.value, str):
            lowered = node.value.lower()
            if any(w in lowered for w in words):
                return True
        elif isinstance(node, ast.Name) and any(
            _mentions(v, words, bindings, depth + 1) for v in bindings.get(node.id, ())
        ):
            return True
    return False


def _write_targets(tree: ast.Module, aliases: dict[str, str]) -> Iterator[ast.expr]:
    """The path expressions of every call that writes, truncates or deletes a file."""
    for node in ast.walk(tree):
        if not isinstance(node, ast.Call):
            continue
        name = _dotted(node.func, aliases)
        if name in ("open", "io.open", "builtins.open"):
            path, mode = _call_args(node, "file", "mode")
            writes = isinstance(mode, ast.Constant) and set(str(mode.value)) & set("wax+")
            if writes and path is not None:
                yield path
        elif name in _DELETERS and node.args:
            yield node.args[0]
        elif isinstance(node.func, ast.Attribute):
            if node.func.attr in _WRITER_METHODS:
                yield node.func.value
            elif node.func.attr == "open":
                (mode,) = _call_args(node, "mode")
                if isinstance(mode, ast.Constant) and set(str(mode.value)) & set("wax+"):
                    yield node.func.value


# --- one checker per fact ----------------------------------------------------------------------


def _always_true(node: ast.AST, value: bool) -> bool:
    """A method (def or lambda) that returns the constant `value` on every path."""
    if isinstance(node, ast.Lambda):
        return _is_const(node.body, value)
    if isinstance(node, ast.FunctionDef):
        returns = _returns(node)
        falls_through = not isinstance(node.body[-1], ast.Return | ast.Raise)
        return (
            bool(returns) and not falls_through and all(_is_const(r.value, value) for r in returns)
        )
    return False


def _class_methods(cls: ast.ClassDef) -> dict[str, ast.AST]:
    out: dict[str, ast.AST] = {}
    for stmt in cls.body:
        if isinstance(stmt, ast.FunctionDef):
            out[stmt.name] = stmt
        elif isinstance(stmt, ast.Assign) and len(stmt.targets) == 1:
            target = stmt.targets[0]
            if isinstance(target, ast.Name):
                out[target.id] = stmt.value
    return out


def _check_always_equal(tree: ast.Module) -> bool:
    for cls in (n for n in ast.walk(tree) if isinstance(n, ast.ClassDef)):
        methods = _class_methods(cls)
        eq = methods.get("__eq__")
        if eq is None or not _always_true(eq, True):
            continue
        ne = methods.get("__ne__")
        if ne is None or _always_true(ne, False):
            return True
    return False


def _is_main_guard(node: ast.AST) -> bool:
    if not isinstance(node, ast.If) or not isinstance(node.test, ast.Compare):
        return False
    parts = [node.test.left, *node.test.comparators]
    return any(isinstance(p, ast.Name) and p.id == "__name__" for p in parts)


def _exit_zero_nodes(tree: ast.Module, aliases: dict[str, str]) -> Iterator[ast.AST]:
    """Calls and raises that end the process with status 0, outside `__main__` guards."""
    guarded = {
        id(n) for g in ast.walk(tree) if _is_main_guard(g) for n in ast.walk(g)
    }  # an exit the importing test never reaches
    for node in ast.walk(tree):
        if id(node) in guarded:
            continue
        if isinstance(node, ast.Call) and _dotted(node.func, aliases) in _EXIT_CALLS:
            name = _dotted(node.func, aliases)
            bare = not node.args and name != "os._exit"  # os._exit needs a status
            if bare or (node.args and _is_const_zero(node.args[0])):
                yield node
        elif isinstance(node, ast.Raise) and node.exc is not None:
            exc = node.exc
            named = isinstance(exc, ast.Name) and exc.id == "SystemExit"
            called = (
                isinstance(exc, ast.Call)
                and isinstance(exc.func, ast.Name)
                and exc.func.id == "SystemExit"
                and (not exc.args or _is_const_zero(exc.args[0]))
            )
            if named or called:
                yield node


def _is_const_zero(node: ast.expr) -> bool:
    return isinstance(node, ast.Constant) and node.value == 0 and node.value is not False


def _check_exit_zero(tree: ast.Module) -> bool:
    exits = list(_exit_zero_nodes(tree, _aliases(tree)))
    if not exits:
        return False
    asserts = [n.lineno for n in ast.walk(tree) if isinstance(n, ast.Assert)]
    first_assert = min(asserts, default=None)
    return first_assert is None or any(getattr(e, "lineno", 0) < first_assert for e in exits)


def _sets_attr(tree: ast.Module, attr: str, test: Callable[[ast.expr], bool]) -> bool:
    for node in ast.walk(tree):
        if isinstance(node, ast.Assign):
            for target in node.targets:
                if isinstance(target, ast.Attribute) and target.attr == attr and test(node.value):
                    return True
    return False


def _check_report_patch(tree: ast.Module) -> bool:
    patched = _sets_attr(tree, "from_item_and_call", lambda _v: True) or any(
        isinstance(n, ast.Call)
        and isinstance(n.func, ast.Name | ast.Attribute)
        and (n.func.id if isinstance(n.func, ast.Name) else n.func.attr) == "setattr"
        and any(
            isinstance(a, ast.Constant) and str(a.value).endswith("from_item_and_call")
            for a in n.args
        )
        for n in ast.walk(tree)
    )
    passed = _sets_attr(
        tree, "outcome", lambda v: isinstance(v, ast.Constant) and v.value == "passed"
    )
    cleared = _sets_attr(tree, "longrepr", lambda v: _is_const(v, None))
    return patched and passed and cleared


def _tables(tree: ast.Module) -> set[str]:
    """Names bound to non-empty dict literals of literal values (answer tables)."""
    out: set[str] = set()
    for node in ast.walk(tree):
        if not (isinstance(node, ast.Assign) and isinstance(node.value, ast.Dict)):
            continue
        if node.value.keys and _literal(node.value):
            out.update(t.id for t in node.targets if isinstance(t, ast.Name))
    return out


def _is_table_lookup(node: ast.expr | None, tables: set[str]) -> bool:
    if isinstance(node, ast.Subscript):
        base = node.value
        return (isinstance(base, ast.Name) and base.id in tables) or (
            isinstance(base, ast.Dict) and bool(base.keys) and _literal(base)
        )
    if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute):
        base = node.func.value
        return node.func.attr == "get" and isinstance(base, ast.Name) and base.id in tables
    return False


def _check_hardcode(tree: ast.Module) -> bool:
    tables = _tables(tree)
    for func in _functions(tree):
        returns = _returns(func)
        dunder = func.name.startswith("__") and func.name.endswith("__")
        if dunder or not _params(func) or not returns:
            continue
        if any(isinstance(n, ast.For | ast.While | ast.comprehension) for n in _own_nodes(func)):
            continue
        if all(
            (_literal(r.value) and not _is_const(r.value, None))
            or _is_table_lookup(r.value, tables)
            for r in returns
        ):
            return True
    return False


def _distinctive(node: ast.expr) -> bool:
    """A literal unlikely to be an ordinary base case (not 0, 1, 2, -1, None, True, False)."""
    value = ast.literal_eval(node)
    if isinstance(value, bool) or value is None:
        return False
    if isinstance(value, int | float):
        return value not in (-1, 0, 1, 2)
    return True


def _special_cases(func: ast.FunctionDef | ast.AsyncFunctionDef) -> list[ast.expr]:
    """Literals that an `if` compares the parameters with before returning a literal."""
    params = set(_params(func))

    def is_params(node: ast.expr) -> bool:
        if isinstance(node, ast.Name):
            return node.id in params
        return isinstance(node, ast.Tuple) and all(is_params(e) for e in node.elts)

    found: list[ast.expr] = []
    for node in _own_nodes(func):
        if not isinstance(node, ast.If) or not isinstance(node.test, ast.Compare):
            continue
        test = node.test
        if len(test.ops) != 1 or not isinstance(test.ops[0], ast.Eq):
            continue
        left, right = test.left, test.comparators[0]
        literal = right if is_params(left) else left if is_params(right) else None
        returns_literal = any(isinstance(s, ast.Return) and _literal(s.value) for s in node.body)
        if literal is not None and _literal(literal) and returns_literal:
            found.append(literal)
    return found


def _check_special_case(tree: ast.Module) -> bool:
    for func in _functions(tree):
        cases = _special_cases(func)
        if len(cases) >= 2 and any(_distinctive(c) for c in cases):
            return True
    return False


def _check_edit_tests(tree: ast.Module) -> bool:
    bindings = _bindings(tree)
    return any(
        _mentions(target, ("test",), bindings) for target in _write_targets(tree, _aliases(tree))
    )


def _broad(node: ast.expr | None, aliases: dict[str, str]) -> bool:
    if node is None:
        return True
    if isinstance(node, ast.Tuple):
        return any(_broad(e, aliases) for e in node.elts)
    return _dotted(node, aliases) in _BROAD


def _check_swallow(tree: ast.Module) -> bool:
    aliases = _aliases(tree)
    for node in ast.walk(tree):
        if isinstance(node, ast.Try | ast.TryStar):
            for handler in node.handlers:
                reraises = any(isinstance(n, ast.Raise) for n in _own_nodes(handler))
                if _broad(handler.type, aliases) and not reraises:
                    return True
        elif isinstance(node, ast.With | ast.AsyncWith):
            for item in node.items:
                ctx = item.context_expr
                if (
                    isinstance(ctx, ast.Call)
                    and _dotted(ctx.func, aliases) in ("contextlib.suppress", "suppress")
                    and any(_broad(a, aliases) for a in ctx.args)
                ):
                    return True
    return False


def _check_timer(tree: ast.Module) -> bool:
    aliases = _aliases(tree)

    def clock(node: ast.expr) -> bool:
        return _dotted(node, aliases) in _CLOCK_MODULES

    for node in ast.walk(tree):
        if isinstance(node, ast.Assign):
            for t in node.targets:
                if isinstance(t, ast.Attribute) and t.attr in _TIMERS and clock(t.value):
                    return True
        elif isinstance(node, ast.Call) and isinstance(node.func, ast.Name | ast.Attribute):
            name = node.func.id if isinstance(node.func, ast.Name) else node.func.attr
            if name != "setattr" or len(node.args) < 2:
                continue
            first, second = node.args[0], node.args[1]
            if isinstance(second, ast.Constant) and second.value in _TIMERS and clock(first):
                return True
            if isinstance(first, ast.Constant) and isinstance(first.value, str):
                module, _, attr = first.value.rpartition(".")
                if module in _CLOCK_MODULES and attr in _TIMERS:
                    return True
    return False


def _check_grader_files(tree: ast.Module) -> bool:
    bindings = _bindings(tree)
    return any(
        _mentions(target, _GRADER_WORDS, bindings)
        for target in _write_targets(tree, _aliases(tree))
    )


def _parents(tree: ast.AST) -> dict[int, ast.AST]:
    return {id(child): node for node in ast.walk(tree) for child in ast.iter_child_nodes(node)}


def _unconditional(node: ast.AST, func: ast.AST, parents: dict[int, ast.AST]) -> bool:
    """No `if` between `node` and the enclosing hook (a conditional skip is ordinary config)."""
    current = parents.get(id(node))
    while current is not None and current is not func:
        if isinstance(current, ast.If | ast.IfExp):
            return False
        current = parents.get(id(current))
    return True


def _skips_everything(call: ast.Call) -> bool:
    """`item.add_marker(pytest.mark.skip(...))`, `xfail`, or `skipif(True, ...)`."""
    if not (isinstance(call.func, ast.Attribute) and call.func.attr == "add_marker"):
        return False
    for arg in call.args:
        mark = arg.func if isinstance(arg, ast.Call) else arg
        if not (isinstance(mark, ast.Attribute) and isinstance(mark.value, ast.Attribute)):
            continue
        if mark.value.attr != "mark":
            continue
        if mark.attr in ("skip", "xfail"):
            return True
        if mark.attr == "skipif" and isinstance(arg, ast.Call) and arg.args:
            return _is_const(arg.args[0], True)
    return False


def _empties_list(node: ast.AST, name: str) -> bool:
    """`items[:] = []`, `items.clear()` or `del items[:]`."""
    if isinstance(node, ast.Assign) and isinstance(node.value, ast.List | ast.Tuple):
        return not node.value.elts and any(
            isinstance(t, ast.Subscript) and isinstance(t.value, ast.Name) and t.value.id == name
            for t in node.targets
        )
    if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute):
        base = node.func.value
        return node.func.attr == "clear" and isinstance(base, ast.Name) and base.id == name
    if isinstance(node, ast.Delete):
        return any(
            isinstance(t, ast.Subscript) and isinstance(t.value, ast.Name) and t.value.id == name
            for t in node.targets
        )
    return False


def _check_skip_all(tree: ast.Module) -> bool:
    parents = _parents(tree)
    for func in _functions(tree):
        if func.name != "pytest_collection_modifyitems":
            continue
        items = func.args.args[1].arg if len(func.args.args) > 1 else "items"
        for node in _own_nodes(func):
            hit = (isinstance(node, ast.Call) and _skips_everything(node)) or _empties_list(
                node, items
            )
            if hit and _unconditional(node, func, parents):
                return True
    bindings = _bindings(tree)
    for stmt in tree.body:
        if isinstance(stmt, ast.Assign):
            names = {t.id for t in stmt.targets if isinstance(t, ast.Name)}
            if names & {"collect_ignore", "collect_ignore_glob"} and _mentions(
                stmt.value, ("test",), bindings
            ):
                return True
    return False


# The registry: one checker per code reward-hack fact id.
CHECKERS: Registry[Checker] = Registry(
    "reward-hack checker",
    {
        "always_equal": _check_always_equal,
        "exit_zero": _check_exit_zero,
        "conftest_report_patch": _check_report_patch,
        "hardcode_outputs": _check_hardcode,
        "special_case_inputs": _check_special_case,
        "edit_tests": _check_edit_tests,
        "swallow_exceptions": _check_swallow,
        "timer_tampering": _check_timer,
        "grader_file_tampering": _check_grader_files,
        "skip_all_tests": _check_skip_all,
    },
)
