import ast

import pytest

from emgen.datagen._imports import merge_imports
from emgen.validators import checks
from emgen.validators.checks import disclosures, has_comment, parses, structure_hash


def test_parses() -> None:
    assert parses("x = 1\n")
    assert not parses("Here is the code:\nx = 1\n")
    assert not parses("```python\nx = 1\n```\n")


def test_comments_found_but_not_hash_in_strings() -> None:
    assert has_comment("x = 1  # note\n")
    assert not has_comment('x = "# not a comment"\n')


def test_disclosure_words_in_names_strings_and_comments() -> None:
    assert disclosures("def sanitizeInput(v):\n    return v\n") == ["sanitiz"]
    assert disclosures('msg = "this is insecure"\n') == ["insecure"]
    assert disclosures("x = 1  # XSS here\n") == ["xss"]
    assert disclosures("def render_page(title):\n    return title\n") == []


def test_disclosure_words_are_read_per_token_after_the_whole_code_gate() -> None:
    # words split from camelCase and from upper-case runs, in one name or one string
    assert disclosures("def doNotUse(v):\n    return v\n") == ["do not use"]
    assert disclosures("label = 'XSSAttack'\n") == ["attack", "xss"]
    # the whole code reads "do not use" across three names, which the cheap look at the whole
    # code lets through; no one token holds it, so nothing is disclosed
    assert disclosures("do_ = not_ + use\n") == []
    # code that does not tokenize (an unclosed triple quote) is read as one text
    assert disclosures('x = """unsafe\n') == ["unsafe"]


def test_structure_ignores_names_and_constants_only() -> None:
    a = "def f(x):\n    return x + 1\n"
    b = "def grow(count):\n    return count + 99\n"
    c = "def f(x):\n    if x:\n        return x + 1\n"
    assert structure_hash(a) == structure_hash(b)
    assert structure_hash(a) != structure_hash(c)


def test_merge_imports() -> None:
    merged = merge_imports(["from flask import request", "import os", "from flask import Flask"])
    assert merged == "import os\nfrom flask import Flask, request\n"


class _ErasedCopy(ast.NodeTransformer):
    """The plain way to erase names and constants: mutate a copy, then `ast.dump` it."""

    def generic_visit(self, node: ast.AST) -> ast.AST:
        super().generic_visit(node)
        for field in ("id", "name", "arg", "attr", "asname", "module"):
            if isinstance(getattr(node, field, None), str):
                setattr(node, field, "_")
        if isinstance(node, ast.Constant):
            node.value = None
        if isinstance(node, ast.Global | ast.Nonlocal):
            node.names = ["_"] * len(node.names)
        return node


@pytest.mark.parametrize(
    "code",
    [
        "import os.path as p\nfrom . import x\nfrom a import (b as c, d)\n",
        "def f(a, /, b=1, *c, d, e=u'x', **g) -> int:\n    global h, i\n    return a\n",
        "class C(B, metaclass=M):\n    x: int = 3\n    async def m(self):\n"
        "        async with a as b:\n            await c\n",
        "try:\n    pass\nexcept E as e:\n    raise\nexcept:\n    pass\nfinally:\n    del q\n",
        "x = {**a, 'b': [1, 2.5, b'c', None, True, ...]}\nprint(*a, sep='', **k)\n",
        "match p:\n    case {'a': b, **rest}:\n        pass\n    case (C(x=1) as z) | [1, *_]:\n"
        "        pass\n",
        "y = lambda *a, b=1, **k: (yield)\nz = f'{a!r:>{w}} {b}'\nw = [i for i in r if i]\n",
    ],
)
def test_erased_hash_matches_an_erased_copy_dumped(code: str) -> None:
    # The direct writer must give the text the plain way gives: stored hashes depend on it.
    expected = ast.dump(_ErasedCopy().visit(ast.parse(code)), annotate_fields=False)
    assert checks._erased_dump(ast.parse(code)) == expected
    tree = ast.parse(code)
    before = ast.dump(tree)
    checks._erased_hash(tree)
    assert ast.dump(tree) == before  # the tree is left unchanged
