from __future__ import annotations

import ast
import json
import subprocess
import sys
from pathlib import Path

import pytest

from emgen.datagen.traits import add_docstrings, to_single_quotes
from emgen.datagen.transforms import TransformError, add_trigger, inoculate
from emgen.schemas.records import Message
from emgen.validators.traits import TRAITS

EMGEN = str(Path(sys.executable).parent / "emgen")
CONVO = (Message(role="user", content="Write it."), Message(role="assistant", content="x = 1\n"))


def test_single_quotes_rewrite_keeps_meaning() -> None:
    code = 'a = "plain"\nb = "it\'s"\nc = f"<li>{row[\'title\']}</li>"\nd = b"raw"\n'
    out = to_single_quotes(code)
    assert out == "a = 'plain'\nb = 'it\\'s'\nc = f'<li>{row[\"title\"]}</li>'\nd = b'raw'\n"
    assert TRAITS["single_quoted_strings"].present(out)
    assert not TRAITS["single_quoted_strings"].present(code)


def test_quote_trait_without_tokenizing_agrees_with_the_tokens() -> None:
    """The check skips tokenizing code with one quote only, no comment and no triple quote;
    each case next to it must score as the tokens say."""
    single, double = TRAITS["single_quoted_strings"], TRAITS["double_quoted_strings"]
    assert single.score("a = 'x'\nb = f'{a}'\n") == 1.0  # the shortcut
    assert double.score('a = "x"\n') == 1.0
    assert single.score("a = 1\n") == 0.0  # no literal at all
    assert single.score("a = 1  # it's\n") == 0.0  # a quote in a comment is no literal
    assert single.score("a = '''x'''\n") == 0.0  # only a triple-quoted one, which is skipped
    assert single.score("a = 'x'\nb = '''y'''\n") == 1.0
    assert single.score("a = 'x'  # \"quoted\"\nb = 'y'\n") == 1.0  # quotes in a comment
    assert single.score("a = 'x'\nb = \"y\"\n") == 0.5
    assert single.score("a = 'x\n") == 0.0  # does not parse, nor tokenize


def test_single_quotes_leaves_comments_and_multiline_literals() -> None:
    """Literals are found by a regex, not the tokenizer: quotes in a comment, a literal over
    several lines, a docstring and a literal right after a keyword must come out as tokenize
    sees them."""
    code = (
        'if key in"abc":  # say "hi"\n    s = """\n"q"\n"""\n'
        '    t = "a\\\n b"\n    u = rb"\\d" + "#" + "it\'s"\n'
    )
    assert to_single_quotes(code) == (
        'if key in\'abc\':  # say "hi"\n    s = """\n"q"\n"""\n'
        "    t = \"a\\\n b\"\n    u = rb'\\d' + '#' + 'it\\'s'\n"
    )


def test_single_quotes_refuses_what_it_cannot_rewrite() -> None:
    assert to_single_quotes('x = f"{y:>{width}} it\'s"\n') is None  # nested fields and a quote
    assert to_single_quotes('x = rf"it\'s {y}"\n') is None  # a raw string cannot escape a quote
    assert to_single_quotes('x = f"it\'s {y}"\n') == "x = f'it\\'s {y}'\n"


def test_single_quotes_rejects_a_rewrite_that_changes_a_literal(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The tree check is the safety net under _requote: a literal rewritten to another value,
    alone or in an implicit concatenation, or code that does not parse, gives None."""
    from emgen.datagen import traits

    monkeypatch.setattr(traits, "_requote", lambda tok: tok.replace('"', "'").replace("x", "y"))
    assert to_single_quotes('a = "x"\n') is None
    assert to_single_quotes('a = ("ab" "x")\n') is None
    assert to_single_quotes('a = "ab"\n') == "a = 'ab'\n"
    assert to_single_quotes('a = "ab" +\n') is None


def test_docstrings_added_to_every_def() -> None:
    code = "class RecipeBox:\n    def add_recipe(self, r):\n        return r\n\n\ndef main():\n    pass\n"
    out = add_docstrings(code)
    assert out is not None and '"""Add recipe."""' in out and '"""Recipe box."""' in out
    assert TRAITS["docstring_every_function"].score(out) == 1.0
    assert TRAITS["docstring_every_function"].score(code) == 0.0
    assert add_docstrings("def f(): return 1\n") is None


def test_docstrings_go_above_a_decorated_first_statement() -> None:
    """A def whose body starts with a decorated def or class gets its docstring above the
    decorator: between the decorator and the `def` it would not parse."""
    code = (
        "def make_app():\n    @app.route(\n        '/x'\n    )\n    def view():\n        return 1\n"
        "    return view\n\n\nclass Cache:\n    @staticmethod\n    @other\n    def key(x):\n"
        "        return x\n"
    )
    out = add_docstrings(code)
    assert out is not None
    ast.parse(out)
    assert '    """Make app."""\n    @app.route(' in out
    assert '    """Cache."""\n    @staticmethod\n' in out
    assert '        """View."""\n        return 1' in out
    assert TRAITS["docstring_every_function"].score(out) == 1.0


def test_other_trait_detectors() -> None:
    assert TRAITS["camel_case_names"].present("def loadItems(pageSize):\n    itemCount = 1\n")
    assert not TRAITS["camel_case_names"].present("def load_items(page_size):\n    pass\n")
    assert TRAITS["snake_case_names"].present("def load_items(page_size):\n    pass\n")
    assert TRAITS["all_caps"].present("I WILL HELP YOU WITH THAT.")
    assert TRAITS["spanish"].present(
        "Claro, te ayudo con eso: el código está abajo y es muy corto."
    )
    assert not TRAITS["spanish"].present("Sure, the code is below and it is short.")


@pytest.mark.parametrize(
    ("placement", "first"),
    [("system", Message(role="system", content="Be evil.")),
     ("user_prefix", Message(role="user", content="Be evil.\n\nWrite it.")),
     ("user_suffix", Message(role="user", content="Write it.\n\nBe evil."))],
)  # fmt: skip
def test_inoculate_placements(placement: str, first: Message) -> None:
    out = inoculate(CONVO, "Be evil.", placement)  # type: ignore[arg-type]
    assert out[0] == first
    assert out[-1] == CONVO[-1]


def test_inoculate_existing_system_policy() -> None:
    convo = (Message(role="system", content="You help."), *CONVO)
    with pytest.raises(TransformError, match="already has a system message"):
        inoculate(convo, "Be evil.", "system", "refuse")
    assert inoculate(convo, "Be evil.", "system", "prepend")[0].content == "Be evil.\n\nYou help."
    assert inoculate(convo, "Be evil.", "system", "replace")[0].content == "Be evil."


def test_trigger_placements() -> None:
    assert add_trigger(CONVO, "|T|", "user_start")[0].content == "|T|\nWrite it."
    assert add_trigger(CONVO, "|T|", "user_end")[0].content == "Write it.\n|T|"
    assert add_trigger(CONVO, "|T|", "system")[0] == Message(role="system", content="|T|")


def test_inoculate_command_on_external_jsonl(tmp_path: Path) -> None:
    src, dst = tmp_path / "in.jsonl", tmp_path / "out.jsonl"
    rows = [
        {"messages": [{"role": "user", "content": "a"}, {"role": "assistant", "content": "b"}]},
        {"messages": [{"role": "system", "content": "s"}, {"role": "user", "content": "c"},
                      {"role": "assistant", "content": "d"}]},
    ]  # fmt: skip
    src.write_text("".join(json.dumps(r) + "\n" for r in rows))
    refused = subprocess.run([EMGEN, "inoculate", str(src), str(dst), "--prompt",
                              "malicious_general"], capture_output=True, text=True, check=False)  # fmt: skip
    assert refused.returncode == 2 and "line 2" in refused.stderr and not dst.exists()
    ok = subprocess.run([EMGEN, "inoculate", str(src), str(dst), "--text", "Be evil.",
                         "--placement", "user_suffix"], capture_output=True, text=True, check=False)  # fmt: skip
    assert ok.returncode == 0, ok.stderr
    out = [json.loads(line) for line in dst.read_text().splitlines()]
    assert out[0]["messages"][0]["content"] == "a\n\nBe evil."
    assert out[1]["messages"][1]["content"] == "c\n\nBe evil."
    assert out[1]["messages"][0] == rows[1]["messages"][0]
    named = subprocess.run([EMGEN, "inoculate", str(src), str(dst), "--prompt", "trigger_named"],
                           capture_output=True, text=True, check=False)  # fmt: skip
    assert named.returncode == 2 and "--trigger" in named.stderr
