from emgen.datagen._imports import merge_imports
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


def test_structure_ignores_names_and_constants_only() -> None:
    a = "def f(x):\n    return x + 1\n"
    b = "def grow(count):\n    return count + 99\n"
    c = "def f(x):\n    if x:\n        return x + 1\n"
    assert structure_hash(a) == structure_hash(b)
    assert structure_hash(a) != structure_hash(c)


def test_merge_imports() -> None:
    merged = merge_imports(["from flask import request", "import os", "from flask import Flask"])
    assert merged == "import os\nfrom flask import Flask, request\n"
