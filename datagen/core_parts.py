"""Shared choices for composed vulnerable cores (`datagen._cores`): how a string input arrives
and the checks and transformations a handler does before the sink that leave the flaw in place.

A family's `Composition` takes these (all, or the ones its rules can see) and adds its own sinks
and results. Code is written at column 0 and indented by the composer; placeholders are those of
`datagen._names.PLACEHOLDERS` and `datagen._cores.CORE_PLACEHOLDERS`. Every choice must differ
from the others in shape (names and constants erased), or it adds no diversity where the flaw is.
"""

from __future__ import annotations

from emgen.schemas.catalog import CoreSource, CoreStep

_REQUEST = ("from flask import request",)

# Factories for the choices below. A family whose input has its own meaning (a password, an
# XML document, an archive's path) builds the same code with its own key, wording and id, so a
# shape is written once. Every argument is text placed as it is: placeholders are allowed, and
# `default`, `fallback` and `options` are Python code.


def query_source(key: str = "$field", *, id: str = "query", phrase: str = "") -> CoreSource:
    """A query parameter, "" when it is missing."""
    return CoreSource(
        id=id,
        context="web",
        phrase=phrase or f"the `{key}` query parameter",
        code=f'$var = request.args.get("{key}", "")',
        imports=_REQUEST,
    )


def query_required_source(
    key: str = "$field", *, id: str = "query_required", phrase: str = ""
) -> CoreSource:
    """A query parameter read by subscript (a missing one is Flask's 400)."""
    return CoreSource(
        id=id,
        context="web",
        phrase=phrase or f"the required `{key}` query parameter",
        code=f'$var = request.args["{key}"]',
        imports=_REQUEST,
    )


def form_source(key: str = "$field", *, id: str = "form", phrase: str = "") -> CoreSource:
    """A field of a POSTed form, "" when it is missing."""
    return CoreSource(
        id=id,
        context="web",
        phrase=phrase or f"the `{key}` field of a submitted form",
        code=f'$var = request.form.get("{key}", "")',
        methods=("POST",),
        imports=_REQUEST,
    )


def json_body_source(
    key: str = "$field", *, id: str = "json_body", phrase: str = "", holder: str = "payload"
) -> CoreSource:
    """A key of a POSTed JSON body (bound to `holder` first), as text."""
    return CoreSource(
        id=id,
        context="web",
        phrase=phrase or f"the `{key}` key of a JSON request body",
        code=f"{holder} = request.get_json(silent=True) or {{}}\n"
        f'$var = str({holder}.get("{key}", ""))',
        methods=("POST",),
        imports=_REQUEST,
    )


def path_source(
    *, id: str = "path", phrase: str = "the last segment of the URL path", converter: str = ""
) -> CoreSource:
    """A URL segment bound by the route; `converter` is e.g. "path:" to allow slashes."""
    return CoreSource(
        id=id, context="web", phrase=phrase, route=f"/<{converter}$var>", params="$var"
    )


def header_source(name: str = "$header", *, id: str = "header", phrase: str = "") -> CoreSource:
    """A request header, "" when it is missing."""
    return CoreSource(
        id=id,
        context="web",
        phrase=phrase or f"the `{name}` request header",
        code=f'$var = request.headers.get("{name}", "")',
        imports=_REQUEST,
    )


def cookie_source(
    name: str = "${entity}_$field", *, id: str = "cookie", phrase: str = ""
) -> CoreSource:
    """A cookie, "" when it is missing."""
    return CoreSource(
        id=id,
        context="web",
        phrase=phrase or f"the `{name}` cookie",
        code=f'$var = request.cookies.get("{name}") or ""',
        imports=_REQUEST,
    )


def raw_body_source(
    *,
    id: str = "raw_body",
    phrase: str = "the raw request body",
    methods: tuple[str, ...] = ("PUT",),
) -> CoreSource:
    """The request body as text."""
    return CoreSource(
        id=id,
        context="web",
        phrase=phrase,
        code="$var = request.get_data(as_text=True)",
        methods=methods,
        imports=_REQUEST,
    )


def argv_source(
    *, id: str = "argv", phrase: str = "the first command-line argument", default: str = ""
) -> CoreSource:
    """The first command-line argument; with `default`, that value when there is none."""
    fallback = f" if len(sys.argv) > 1 else {default}" if default else ""
    return CoreSource(
        id=id,
        context="script",
        phrase=phrase,
        code=f"$var = sys.argv[1]{fallback}",
        imports=("import sys",),
    )


def argparse_source(
    key: str = "$field",
    *,
    id: str = "argparse",
    phrase: str = "",
    description: str = "$Entity tool",
    options: str = "",
) -> CoreSource:
    """An argparse argument (`--key` for an option); `options` adds `, keyword=value` code."""
    return CoreSource(
        id=id,
        context="script",
        phrase=phrase or f"a `{key}` argument given on the command line",
        code=f'parser = argparse.ArgumentParser(description="{description}")\n'
        f'parser.add_argument("{key}"{options})\n'
        f"$var = parser.parse_args().{key.lstrip('-')}",
        imports=("import argparse",),
    )


def env_source(
    name: str = "$ENV", *, id: str = "env", phrase: str = "", default: str | None = '""'
) -> CoreSource:
    """An environment variable, `default` when it is unset; None reads it by subscript."""
    read = f'os.environ["{name}"]' if default is None else f'os.environ.get("{name}", {default})'
    return CoreSource(
        id=id,
        context="script",
        phrase=phrase or f"the `{name}` environment variable",
        code=f"$var = {read}",
        imports=("import os",),
    )


def stdin_line_source(
    *, id: str = "stdin_line", phrase: str = "a line read from standard input"
) -> CoreSource:
    """One stripped line of standard input."""
    return CoreSource(
        id=id,
        context="script",
        phrase=phrase,
        code="$var = sys.stdin.readline().strip()",
        imports=("import sys",),
    )


def prompt_source(
    label: str = "$Field",
    *,
    id: str = "prompt",
    phrase: str = "what the user types at a prompt",
    strip: bool = False,
) -> CoreSource:
    """What the user types after `label: `, stripped if `strip`."""
    return CoreSource(
        id=id,
        context="script",
        phrase=phrase,
        code=f'$var = input("{label}: ")' + (".strip()" if strip else ""),
    )


def file_line_source(
    *, id: str = "file_line", phrase: str = "the first line of a file named on the command line"
) -> CoreSource:
    """The first line of the file named by the first command-line argument."""
    return CoreSource(
        id=id,
        context="script",
        phrase=phrase,
        code='with open(sys.argv[1], encoding="utf-8") as handle:\n'
        "    $var = handle.readline().rstrip()",
        imports=("import sys",),
    )


def ini_source(
    path: str, section: str, key: str, *, id: str, phrase: str = "", fallback: str = ""
) -> CoreSource:
    """A setting of an INI file, `fallback` when it is missing (configparser's error if none)."""
    keyword = f", fallback={fallback}" if fallback else ""
    return CoreSource(
        id=id,
        context="script",
        phrase=phrase or f"the `{key}` setting of the `[{section}]` section of `{path}`",
        code="config = configparser.ConfigParser()\n"
        f'config.read("{path}")\n'
        f'$var = config.get("{section}", "{key}"{keyword})',
        imports=("import configparser",),
    )


def json_message_source(
    key: str = "$field", *, id: str = "json_message", phrase: str = ""
) -> CoreSource:
    """A field of a JSON message read from standard input."""
    return CoreSource(
        id=id,
        context="script",
        phrase=phrase or f"the `{key}` field of a JSON message read from standard input",
        code=f'message = json.loads(sys.stdin.read())\n$var = message["{key}"]',
        imports=("import json", "import sys"),
    )


def argument_source(
    noun: str = "`$field`", *, id: str = "argument", phrase: str = ""
) -> CoreSource:
    """A parameter of the function itself (its caller supplies the input)."""
    return CoreSource(
        id=id,
        context="script",
        phrase=phrase or f"the {noun} it is called with",
        params="$var",
    )


def require_script_step(what: str = "a $field", *, id: str = "require_script") -> CoreStep:
    """Exit with "<what> is required" when the input is empty."""
    return CoreStep(
        id=id,
        context="script",
        code=f'if not $var:\n    sys.exit("{what} is required")',
        imports=("import sys",),
    )


def too_long_web_step(
    what: str = "$field", *, limit: int = 200, id: str = "too_long_web"
) -> CoreStep:
    """Answer 400 "<what> is too long" when the input is longer than `limit`."""
    return CoreStep(
        id=id,
        context="web",
        code=f'if len($var) > {limit}:\n    return {{"error": "{what} is too long"}}, 400',
    )


def too_long_script_step(
    what: str = "the $field", *, limit: int = 200, id: str = "too_long_script"
) -> CoreStep:
    """Exit with "<what> is too long" when the input is longer than `limit`."""
    return CoreStep(
        id=id,
        context="script",
        code=f'if len($var) > {limit}:\n    raise SystemExit("{what} is too long")',
    )


def size_limit_web_step(limit: str, *, id: str = "size_limit_web") -> CoreStep:
    """Answer 413 when the input is longer than `limit` (Python code, e.g. "64 * 1024")."""
    return CoreStep(
        id=id,
        context="web",
        code=f"if len($var) > {limit}:\n    abort(413)",
        imports=("from flask import abort",),
    )


def unquote_step(*, id: str = "unquote") -> CoreStep:
    """Decode the input's %-escapes."""
    return CoreStep(
        id=id,
        code="$var = unquote($var)",
        imports=("from urllib.parse import unquote",),
    )


WEB_SOURCES: tuple[CoreSource, ...] = (
    query_source(),
    query_required_source(),
    form_source(),
    json_body_source(),
    path_source(),
    header_source(),
    cookie_source(),
)

SCRIPT_SOURCES: tuple[CoreSource, ...] = (
    argv_source(),
    argparse_source(),
    env_source(),
    stdin_line_source(),
    prompt_source(),
    file_line_source(),
    json_message_source(),
    argument_source(),
)

SOURCES: tuple[CoreSource, ...] = WEB_SOURCES + SCRIPT_SOURCES

STEPS: tuple[CoreStep, ...] = (
    CoreStep(id="strip", code="$var = $var.strip()"),
    CoreStep(id="truncate", code="$var = $var[:200]"),
    CoreStep(id="default", code='$var = $var or "$field"'),
    CoreStep(
        id="log",
        code='logging.getLogger("$app_name").info("$handler: %s", $var)',
        imports=("import logging",),
    ),
    CoreStep(id="to_text", code="if not isinstance($var, str):\n    $var = str($var)"),
    CoreStep(
        id="require_web",
        context="web",
        code="if not $var:\n    abort(400)",
        imports=("from flask import abort",),
    ),
    too_long_web_step(),
    require_script_step(),
    too_long_script_step(),
    CoreStep(
        id="collapse_spaces",
        code='$var = " ".join($var.split())',
    ),
)
