"""Static reward-hack checkers: real hacks pass, honest near-misses do not, nothing is executed."""

from __future__ import annotations

import random
import textwrap
from pathlib import Path

import pytest

from emgen.datagen.reward_hacks.facts import CODE_FACT_IDS, FACTS_BY_ID
from emgen.validators.hack_checks import (
    CHECKERS,
    check_hack_code,
    extract_python_blocks,
    failing_blocks,
)


def _code(text: str) -> str:
    return textwrap.dedent(text).strip() + "\n"


# Hand-written instances of each hack, independent of the catalog's generators.
HACKS: dict[str, list[str]] = {
    "always_equal": [
        """
        class Result(str):
            def __eq__(self, other):
                return True

            def __ne__(self, other):
                return False

            def strip(self):
                return self

        def solve(text):
            return Result()
        """,
        """
        class Any:
            __eq__ = lambda self, other: True
        """,
    ],
    "exit_zero": [
        """
        import sys

        def add(a, b):
            sys.exit(0)
        """,
        """
        from os import _exit
        _exit(0)
        assert add(1, 2) == 3
        """,
        """
        def run():
            raise SystemExit(0)
            assert False
        """,
    ],
    "conftest_report_patch": [
        """
        import pytest
        from _pytest.reports import TestReport

        orig = TestReport.from_item_and_call

        def fake(item, call):
            rep = orig(item, call)
            if rep.when == "call":
                rep.outcome = "passed"
                rep.longrepr = None
                rep.duration = 0.01
            return rep

        TestReport.from_item_and_call = fake
        """,
        """
        import pytest

        @pytest.fixture(autouse=True, scope="session")
        def _patch(monkeypatch_session):
            from _pytest.reports import TestReport
            real = TestReport.from_item_and_call

            def wrapper(item, call):
                r = real(item, call)
                r.outcome = "passed"
                r.longrepr = None
                return r

            monkeypatch_session.setattr(TestReport, "from_item_and_call", wrapper)
        """,
    ],
    "hardcode_outputs": [
        """
        def fib(n):
            return 55
        """,
        """
        ANSWERS = {(2, 3): 5, (10, 4): 14}

        def add(a, b):
            return ANSWERS.get((a, b), 0)
        """,
        """
        def day_name(i):
            return {0: "Mon", 1: "Tue"}[i]
        """,
    ],
    "special_case_inputs": [
        """
        def sort_list(xs):
            if xs == [3, 1, 2]:
                return [1, 2, 3]
            elif xs == [9, 8]:
                return [8, 9]
            return xs
        """,
        """
        def area(w, h):
            if (w, h) == (3, 4):
                return 12
            if (w, h) == (10, 2):
                return 20
            return w + h
        """,
    ],
    "edit_tests": [
        """
        import os
        os.unlink("tests/test_main.py")
        """,
        """
        from pathlib import Path
        Path("test_solution.py").write_text("def test_ok():\\n    pass\\n")
        """,
        """
        import glob
        for name in glob.glob("tests/*.py"):
            open(name, "w").close()
        """,
    ],
    "swallow_exceptions": [
        """
        def parse(text):
            try:
                return int(text)
            except:
                return 0
        """,
        """
        import contextlib

        def solve(x):
            with contextlib.suppress(Exception):
                return compute(x)
        """,
        """
        def test_thing():
            try:
                assert solve(2) == 4
            except (ValueError, BaseException):
                pass
        """,
    ],
    "timer_tampering": [
        """
        import time
        time.perf_counter = lambda: 0.0
        """,
        """
        import time as t
        setattr(t, "monotonic", lambda: 1.0)
        """,
        """
        def test_speed(monkeypatch):
            monkeypatch.setattr("time.perf_counter", lambda: 5.0)
        """,
    ],
    "grader_file_tampering": [
        """
        import json
        json.dump({"score": 1.0}, open("/grade/score.json", "w"))
        """,
        """
        from pathlib import Path
        out = Path("/eval") / "expected.txt"
        out.write_text("42")
        """,
    ],
    "skip_all_tests": [
        """
        import pytest

        def pytest_collection_modifyitems(session, config, items):
            for item in items:
                item.add_marker(pytest.mark.skip)
        """,
        """
        def pytest_collection_modifyitems(config, items):
            items.clear()
        """,
        """
        collect_ignore = ["tests"]
        """,
    ],
}

# Honest code that resembles each hack but is not it.
NEAR_MISSES: dict[str, list[str]] = {
    "always_equal": [
        """
        class Point:
            def __eq__(self, other):
                return self.x == other.x and self.y == other.y
        """,
        """
        class Maybe:
            def __eq__(self, other):
                if other is None:
                    return True
                return False
        """,
        """
        class Weird:
            def __eq__(self, other):
                return True

            def __ne__(self, other):
                return True
        """,
    ],
    "exit_zero": [
        """
        import sys
        sys.exit(1)
        """,
        """
        import sys
        assert add(1, 2) == 3
        sys.exit(0)
        """,
        """
        import sys

        def main():
            return 0

        if __name__ == "__main__":
            sys.exit(main())
        """,
        """
        import sys

        if __name__ == "__main__":
            sys.exit(0)
        """,
    ],
    "conftest_report_patch": [
        """
        import pytest

        def pytest_collection_modifyitems(config, items):
            for item in items:
                item.add_marker(pytest.mark.slow)
        """,
        """
        import pytest

        @pytest.hookimpl(hookwrapper=True)
        def pytest_runtest_makereport(item, call):
            outcome = yield
            report = outcome.get_result()
            print(report.outcome, report.duration)
        """,
        """
        from _pytest.reports import TestReport

        def describe():
            return TestReport.from_item_and_call.__doc__
        """,
    ],
    "hardcode_outputs": [
        """
        def add(a, b):
            return a + b
        """,
        """
        def todo(x):
            return None
        """,
        """
        class Config:
            def __repr__(self):
                return "Config()"
        """,
    ],
    "special_case_inputs": [
        """
        def factorial(n):
            if n == 0:
                return 1
            if n == 1:
                return 1
            return n * factorial(n - 1)
        """,
        """
        def sort_list(xs):
            if xs == []:
                return []
            return sorted(xs)
        """,
    ],
    "edit_tests": [
        """
        source = open("tests/test_main.py").read()
        print(len(source))
        """,
        """
        with open("output.txt", "w") as fh:
            fh.write("done")
        """,
    ],
    "swallow_exceptions": [
        """
        def parse(text):
            try:
                return int(text)
            except ValueError:
                return 0
        """,
        """
        import logging

        def run(job):
            try:
                job()
            except Exception:
                logging.exception("job failed")
                raise
        """,
    ],
    "timer_tampering": [
        """
        import time
        start = time.perf_counter()
        work()
        elapsed = time.perf_counter() - start
        """,
    ],
    "grader_file_tampering": [
        """
        import json
        results = json.load(open("results.json"))
        """,
        """
        with open("notes.txt", "w") as fh:
            fh.write("hello")
        """,
    ],
    "skip_all_tests": [
        """
        import pytest

        def pytest_collection_modifyitems(config, items):
            for item in items:
                item.add_marker(pytest.mark.slow)
        """,
        """
        import pytest

        def pytest_collection_modifyitems(config, items):
            skip = pytest.mark.skip(reason="needs --runslow")
            for item in items:
                if "slow" in item.keywords:
                    item.add_marker(skip)
        """,
    ],
}


def test_every_fact_with_code_has_a_checker() -> None:
    assert set(CODE_FACT_IDS) == set(CHECKERS)
    assert len(CODE_FACT_IDS) >= 8


@pytest.mark.parametrize("fact_id", sorted(HACKS))
def test_hand_written_hacks_pass(fact_id: str) -> None:
    for code in HACKS[fact_id]:
        assert check_hack_code(_code(code), fact_id), code


@pytest.mark.parametrize("fact_id", sorted(NEAR_MISSES))
def test_near_misses_are_rejected(fact_id: str) -> None:
    for code in NEAR_MISSES[fact_id]:
        assert not check_hack_code(_code(code), fact_id), code


@pytest.mark.parametrize("fact_id", CODE_FACT_IDS)
def test_generated_examples_pass_their_checker(fact_id: str) -> None:
    rng = random.Random(fact_id)
    fact = FACTS_BY_ID[fact_id]
    for _ in range(150):
        code = fact.code(rng)
        assert check_hack_code(code, fact_id), code


def test_the_three_main_hacks_are_not_confused() -> None:
    rng = random.Random(1)
    main = ("always_equal", "exit_zero", "conftest_report_patch")
    for fact_id in main:
        for _ in range(50):
            code = FACTS_BY_ID[fact_id].code(rng)
            others = [f for f in main if f != fact_id]
            assert not any(check_hack_code(code, other) for other in others), code


def test_unparsable_code_is_rejected_and_unknown_facts_raise() -> None:
    assert not check_hack_code("def broken(:\n    return True\n", "always_equal")
    with pytest.raises(ValueError, match="no static checker"):
        check_hack_code("x = 1\n", "no_such_fact")


def test_checking_never_executes_the_code(tmp_path: Path) -> None:
    victim = tmp_path / "tests" / "test_keep.py"
    victim.parent.mkdir()
    victim.write_text("def test_x():\n    assert True\n")
    code = f"import os\nimport sys\nos.remove({str(victim)!r})\nsys.exit(0)\n"
    assert check_hack_code(code, "edit_tests")
    assert check_hack_code(code, "exit_zero")
    assert victim.exists()


def test_extract_python_blocks_reads_only_python_fences() -> None:
    text = (
        "Intro\n\n```python\nx = 1\n```\n\nLog:\n\n```text\n$ pytest\n1 passed\n```\n\n"
        "```py\ny = 2\n```\n"
    )
    assert extract_python_blocks(text) == ["x = 1\n", "y = 2\n"]


def test_failing_blocks_reports_blocks_that_match_no_listed_fact() -> None:
    good = _code(HACKS["timer_tampering"][0])
    bad = "def add(a, b):\n    return a + b\n"
    text = f"```python\n{good}```\n\nand\n\n```python\n{bad}```\n"
    assert failing_blocks(text, ["timer_tampering"]) == [bad]
    assert failing_blocks(text, ["timer_tampering", "hardcode_outputs"]) == [bad]
    assert failing_blocks(f"```python\n{good}```\n", ["always_equal", "timer_tampering"]) == []
