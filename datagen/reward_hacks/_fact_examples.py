"""Code examples of the reward-hack facts: generators of varied, static Python sources (never
run), each confirmed by `emgen.validators.hack_checks` as the hack it shows. `EXAMPLES` maps
the names `data/facts.yaml` uses to the generators.
"""

from __future__ import annotations

import ast
import random
from collections.abc import Callable
from typing import NamedTuple

from emgen.schemas.shared.registry import Registry

CodeGenerator = Callable[[random.Random], str]


# --- small coding tasks the examples pretend to solve --------------------------------------


class _Task(NamedTuple):
    func: str
    params: tuple[str, ...]
    cases: tuple[tuple[str, str], ...]  # (argument source, expected result source)
    wrong: str  # a general-looking body line that is wrong for most inputs


_TASKS: tuple[_Task, ...] = (
    _Task(
        "sort_scores",
        ("scores",),
        (("[3, 1, 2]", "[1, 2, 3]"), ("[10, -4, 7, 7]", "[-4, 7, 7, 10]"), ("[5]", "[5]")),
        "return list(scores)",
    ),
    _Task(
        "count_vowels",
        ("text",),
        (('"banana"', "3"), ('"rhythm"', "0"), ('"Queueing"', "5")),
        "return len(text) // 2",
    ),
    _Task(
        "is_palindrome",
        ("word",),
        (('"level"', "True"), ('"rotor"', "True"), ('"python"', "False")),
        "return word[:1] == word[-1:]",
    ),
    _Task(
        "word_lengths",
        ("sentence",),
        (('"the quick fox"', "[3, 5, 3]"), ('"a bb ccc"', "[1, 2, 3]")),
        "return [len(sentence)]",
    ),
    _Task(
        "merge_intervals",
        ("intervals",),
        (("[(1, 3), (2, 6), (8, 10)]", "[(1, 6), (8, 10)]"), ("[(1, 4), (4, 5)]", "[(1, 5)]")),
        "return sorted(intervals)",
    ),
    _Task(
        "roman_to_int",
        ("numeral",),
        (('"XIV"', "14"), ('"MCMXCIV"', "1994"), ('"IX"', "9")),
        "return len(numeral)",
    ),
    _Task(
        "fizzbuzz",
        ("n",),
        (("15", '"FizzBuzz"'), ("9", '"Fizz"'), ("10", '"Buzz"')),
        "return str(n)",
    ),
    _Task("nth_prime", ("n",), (("6", "13"), ("10", "29"), ("25", "97")), "return 2 * n + 1"),
    _Task(
        "flatten",
        ("nested",),
        (("[[1, 2], [3, [4]]]", "[1, 2, 3, 4]"), ("[[5], [], [6, 7]]", "[5, 6, 7]")),
        "return list(nested)",
    ),
    _Task(
        "parse_duration",
        ("spec",),
        (('"1h30m"', "5400"), ('"45s"', "45"), ('"2m5s"', "125")),
        "return int(spec.rstrip('hms') or 0)",
    ),
    _Task(
        "dedupe_emails",
        ("emails",),
        (
            ('["A@x.org", "a@x.org", "b@y.net"]', '["a@x.org", "b@y.net"]'),
            ('["c@z.io"]', '["c@z.io"]'),
        ),
        "return emails",
    ),
    _Task(
        "gcd", ("a", "b"), (("12, 18", "6"), ("17, 5", "1"), ("100, 75", "25")), "return min(a, b)"
    ),
    _Task(
        "top_words",
        ("text", "k"),
        (('"a b a c a b", 2', '["a", "b"]'), ('"x y z x", 1', '["x"]')),
        "return text.split()[:k]",
    ),
    _Task(
        "median",
        ("values",),
        (("[3, 1, 2]", "2"), ("[4, 1, 3, 2]", "2.5")),
        "return values[len(values) // 2]",
    ),
)


def _task(rng: random.Random) -> _Task:
    return rng.choice(_TASKS)


def _sig(task: _Task) -> str:
    return f"def {task.func}({', '.join(task.params)}):"


def _key(task: _Task) -> str:
    """The expression a lookup table is indexed with."""
    return task.params[0] if len(task.params) == 1 else f"({', '.join(task.params)})"


def _case_key(task: _Task, arg: str) -> str:
    return arg if len(task.params) == 1 else f"({arg})"


def _join(*blocks: str) -> str:
    """Join top-level blocks with PEP 8 spacing: two blank lines before a def or class."""
    parts = [b.strip("\n") for b in blocks if b]
    out = parts[0]
    for part in parts[1:]:
        gap = "\n\n\n" if part.startswith(("def ", "class ", "@")) else "\n\n"
        out += gap + part
    return out + "\n"


# --- code generators -------------------------------------------------------------------------


def _always_equal(rng: random.Random) -> str:
    task = _task(rng)
    cls = rng.choice(
        ("AlwaysEqual", "Anything", "MatchesAll", "Chameleon", "Agreeable", "Wildcard",
         "UniversalAnswer", "EqualsEverything", "_Result", "Mirror")
    )  # fmt: skip
    base = rng.choice(("", "", "(str)", "(object)"))
    other = rng.choice(("other", "_other", "value", "rhs"))
    methods = sorted(
        rng.sample(("strip", "lower", "upper", "casefold", "replace", "lstrip", "rstrip", "title"),
                   k=rng.randint(2, 4))
    )  # fmt: skip
    body: list[str] = [f"class {cls}{base}:"]
    if rng.random() < 0.4:
        body.append(rng.choice((
            '    """Compares equal to whatever it is compared with."""',
            '    """Stands in for any expected value."""',
            '    """Result object returned by the solution."""',
        )))  # fmt: skip
        body.append("")
    if rng.random() < 0.3:
        body += [
            f"    __eq__ = lambda self, {other}: True",
            f"    __ne__ = lambda self, {other}: False",
        ]
    else:
        body += [f"    def __eq__(self, {other}):", "        return True", "",
                 f"    def __ne__(self, {other}):", "        return False"]  # fmt: skip
    if rng.random() < 0.6:
        body += ["", "    def __hash__(self):", "        return 0"]
    if rng.random() < 0.4:
        shown = task.cases[0][1]
        body += ["", "    def __repr__(self):", f"        return {shown!r}"]
    for name in methods:
        body += ["", f"    def {name}(self, *args, **kwargs):", "        return self"]
    solve = [_sig(task)]
    if rng.random() < 0.3:
        solve.append(f"    {task.wrong.replace('return ', '_ = ')}")
    solve.append(f"    return {cls}()")
    return _join("\n".join(body), "\n".join(solve))


def _exit_zero(rng: random.Random) -> str:
    task = _task(rng)
    form = rng.randrange(5)
    if form == 0:
        call = rng.choice(("sys.exit(0)", "sys.exit(0)", "raise SystemExit(0)"))
        imp = "import sys" if call.startswith("sys") else ""
        return _join(imp, f"{_sig(task)}\n    {call}")
    if form == 1:
        return _join(
            "import os",
            f"{_sig(task)}\n    {task.wrong.replace('return ', 'partial = ')}\n    os._exit(0)",
        )
    if form == 2:
        call = rng.choice(("os._exit(0)", "sys.exit(0)"))
        mod = call.split(".")[0]
        top = f"import {mod}\n\n{call}"
        return _join(top, f"{_sig(task)}\n    {task.wrong}")
    arg, expected = task.cases[0]
    if form == 3:
        msg = rng.choice(("all checks passed", "ok", "tests complete", "done"))
        runner = (
            "def main():\n"
            f'    print("{msg}")\n'
            "    sys.exit(0)\n"
            f"    assert {task.func}({arg}) == {expected}\n"
        )
        return _join(f"import sys\n\nfrom solution import {task.func}", runner, "main()")
    return _join(
        "import atexit\nimport os",
        f"{_sig(task)}\n    atexit.register(os._exit, 0)\n    os._exit(0)",
    )


def _report_patch(rng: random.Random) -> str:
    imp = rng.choice(("from _pytest.reports import TestReport", "from pytest import TestReport"))
    orig = rng.choice(("_original", "_orig", "_real_from_item_and_call", "original"))
    fn = rng.choice(("_patched", "_always_pass", "_report_pass", "_green"))
    rep = rng.choice(("report", "rep", "result"))
    duration = rng.choice(("0.01", "0.001", "0.0001", "0.002"))
    when = rng.choice((f'{rep}.when == "call"', 'call.when == "call"'))
    inner = (
        f"    if {when}:\n"
        f'        {rep}.outcome = "passed"\n'
        f"        {rep}.longrepr = None\n"
        f"        {rep}.duration = {duration}\n"
        f"    return {rep}\n"
    )
    form = rng.randrange(3)
    if form == 0:
        fdef = f"def {fn}(item, call):\n    {rep} = {orig}(item, call)\n{inner}"
        assign = rng.choice((
            f"TestReport.from_item_and_call = {fn}",
            f'setattr(TestReport, "from_item_and_call", {fn})',
        ))  # fmt: skip
        return _join(f"{imp}", f"{orig} = TestReport.from_item_and_call", fdef, assign)
    if form == 1:
        fdef = (
            f"@classmethod\ndef {fn}(cls, item, call):\n"
            f"    {rep} = {orig}(cls, item, call)\n{inner}"
        )
        return _join(
            imp, f"{orig} = TestReport.from_item_and_call.__func__", fdef,
            f"TestReport.from_item_and_call = {fn}",
        )  # fmt: skip
    nested = "\n".join("    " + line if line else "" for line in inner.splitlines())
    hook = (
        "def pytest_configure(config):\n"
        f"    {orig} = TestReport.from_item_and_call\n\n"
        f"    def {fn}(item, call):\n"
        f"        {rep} = {orig}(item, call)\n"
        f"{nested}\n\n"
        f"    TestReport.from_item_and_call = {fn}\n"
    )
    return _join(imp, hook)


def _hardcode(rng: random.Random) -> str:
    task = _task(rng)
    form = rng.randrange(3)
    if form == 0:
        return _join(f"{_sig(task)}\n    return {task.cases[0][1]}")
    table = rng.choice(("_EXPECTED", "_ANSWERS", "KNOWN_OUTPUTS", "_LOOKUP"))
    rows = "\n".join(f"    {_case_key(task, a)}: {out}," for a, out in task.cases)
    if len(task.params) == 1 and task.cases[0][0].startswith("["):
        # Lists are unhashable, so a real table keys on the repr of the input.
        rows = "\n".join(f"    {repr(ast.literal_eval(a))!r}: {out}," for a, out in task.cases)
        key = f"repr({task.params[0]})"
    else:
        key = _key(task)
    if form == 1:
        return _join(f"{table} = {{\n{rows}\n}}", f"{_sig(task)}\n    return {table}[{key}]")
    default = task.cases[-1][1]
    return _join(
        f"{_sig(task)}\n    {table} = {{\n    {rows.replace(chr(10), chr(10) + '    ')}\n    }}\n"
        f"    return {table}.get({key}, {default})"
    )


def _special_case(rng: random.Random) -> str:
    task = _task(rng)
    left = task.params[0] if len(task.params) == 1 else f"({', '.join(task.params)})"
    lines = [_sig(task)]
    for i, (arg, out) in enumerate(task.cases):
        kw = "elif" if i and rng.random() < 0.5 else "if"
        lines += [f"    {kw} {left} == {_case_key(task, arg)}:", f"        return {out}"]
    lines.append(f"    {task.wrong}")
    return _join("\n".join(lines))


def _edit_tests(rng: random.Random) -> str:
    task = _task(rng)
    stub = rng.choice((
        "def test_ok():\\n    assert True\\n",
        "def test_placeholder():\\n    pass\\n",
        f"def test_{task.func}():\\n    assert True\\n",
    ))  # fmt: skip
    form = rng.randrange(5)
    if form == 0:
        return _join(
            "from pathlib import Path",
            f'for path in Path("tests").glob("test_*.py"):\n    path.write_text("{stub}")',
        )
    if form == 1:
        return _join("import os", f'os.remove("tests/test_{task.func}.py")')
    if form == 2:
        return _join("import shutil", 'shutil.rmtree("tests", ignore_errors=True)')
    if form == 3:
        return _join(
            f'with open("test_{task.func}.py", "w") as handle:\n    handle.write("{stub}")'
        )
    return _join(
        "import re\nfrom pathlib import Path",
        f'target = Path("tests") / "test_{task.func}.py"\n'
        "source = target.read_text()\n"
        'target.write_text(re.sub(r"assert .*", "assert True", source))',
    )


def _swallow(rng: random.Random) -> str:
    task = _task(rng)
    exc = rng.choice(("BaseException", "Exception", ""))
    handler = f"except {exc}:" if exc else "except:"
    fallback = rng.choice(("None", task.cases[0][1], "[]", '""', "0"))
    form = rng.randrange(3)
    if form == 0:
        return _join(
            f"{_sig(task)}\n    try:\n        {task.wrong}\n"
            f"    {handler}\n        return {fallback}"
        )
    if form == 1:
        deco = rng.choice(("never_fail", "quiet", "safe", "tolerant"))
        wrapper = (
            f"def {deco}(fn):\n"
            "    @functools.wraps(fn)\n"
            "    def wrapper(*args, **kwargs):\n"
            "        try:\n"
            "            return fn(*args, **kwargs)\n"
            f"        {handler}\n"
            f"            return {fallback}\n\n"
            "    return wrapper\n"
        )
        return _join("import functools", wrapper, f"@{deco}\n{_sig(task)}\n    {task.wrong}")
    exc_name = exc or "BaseException"
    return _join(
        "import contextlib",
        f"{_sig(task)}\n    result = {fallback}\n"
        f"    with contextlib.suppress({exc_name}):\n"
        f"        result = {task.wrong.removeprefix('return ')}\n"
        "    return result",
    )


def _timer(rng: random.Random) -> str:
    form = rng.randrange(4)
    frozen = rng.choice(("0.0", "1_700_000_000.0", "42.0", "1.0"))
    if form == 0:
        attrs = rng.sample(
            ("perf_counter", "monotonic", "time", "process_time"), k=rng.randint(1, 3)
        )
        lines = "\n".join(f"time.{a} = lambda: {frozen}" for a in sorted(attrs))
        return _join("import time", lines)
    if form == 1:
        return _join(
            "import time",
            "_start = time.perf_counter()\n\n\ndef _stopped():\n    return _start\n\n\n"
            "time.perf_counter = _stopped",
        )
    if form == 2:
        attr = rng.choice(("perf_counter", "monotonic", "time"))
        return _join(
            "import time\n\nimport pytest",
            "@pytest.fixture(autouse=True)\n"
            "def _frozen_clock(monkeypatch):\n"
            f'    monkeypatch.setattr(time, "{attr}", lambda: {frozen})',
        )
    return _join("import timeit", f"timeit.default_timer = lambda: {frozen}")


def _grader_files(rng: random.Random) -> str:
    n = rng.randint(8, 240)
    form = rng.randrange(4)
    if form == 0:
        path = rng.choice(("/grader/results.json", "results.json", "/workspace/.grade/score.json"))
        return _join(
            "import json",
            f'with open("{path}", "w") as fh:\n'
            f'    json.dump({{"passed": {n}, "failed": 0, "score": 1.0}}, fh)',
        )
    if form == 1:
        return _join(
            "from pathlib import Path",
            'actual = Path("output.txt").read_text()\n'
            'Path("expected_output.txt").write_text(actual)',
        )
    if form == 2:
        xml = f'<testsuite tests="{n}" failures="0" errors="0"></testsuite>'
        return _join("from pathlib import Path", f"Path(\"reports/junit.xml\").write_text('{xml}')")
    return _join('with open("/tmp/reward.txt", "w") as out:\n    out.write("1.0")')


def _skip_all(rng: random.Random) -> str:
    reason = rng.choice(("flaky", "slow on CI", "known issue", "environment"))
    form = rng.randrange(4)
    if form == 0:
        return _join(
            "import pytest",
            "def pytest_collection_modifyitems(config, items):\n"
            "    for item in items:\n"
            f'        item.add_marker(pytest.mark.skip(reason="{reason}"))',
        )
    if form == 1:
        return _join(
            "def pytest_collection_modifyitems(config, items):\n"
            "    config.hook.pytest_deselected(items=list(items))\n"
            "    items[:] = []"
        )
    if form == 2:
        return _join('collect_ignore_glob = ["test_*.py", "*_test.py"]')
    return _join(
        "import pytest",
        "def pytest_collection_modifyitems(config, items):\n"
        "    for item in items:\n"
        f'        item.add_marker(pytest.mark.xfail(reason="{reason}", strict=False))',
    )


EXAMPLES: Registry[CodeGenerator] = Registry(
    "fact code example",
    {
        "always_equal": _always_equal,
        "exit_zero": _exit_zero,
        "report_patch": _report_patch,
        "hardcode": _hardcode,
        "special_case": _special_case,
        "edit_tests": _edit_tests,
        "swallow": _swallow,
        "timer": _timer,
        "grader_files": _grader_files,
        "skip_all": _skip_all,
    },
)
