"""Shared choices for composed vulnerable cores (`datagen._cores`): how a string input arrives
and the checks and transformations a handler does before the sink that leave the flaw in place.

A family's `Composition` takes these (all, or the ones its rules can see) and adds its own sinks
and results. Code is written at column 0 and indented by the composer; placeholders are those of
`datagen._names.PLACEHOLDERS` and `datagen._cores.CORE_PLACEHOLDERS`. Every choice must differ
from the others in shape (names and constants erased), or it adds no diversity where the flaw is.
"""

from __future__ import annotations

from emgen.schemas.catalog import CoreSource, CoreStep

WEB_SOURCES: tuple[CoreSource, ...] = (
    CoreSource(
        id="query",
        context="web",
        phrase="the `$field` query parameter",
        code='$var = request.args.get("$field", "")',
        imports=("from flask import request",),
    ),
    CoreSource(
        id="query_required",
        context="web",
        phrase="the required `$field` query parameter",
        code='$var = request.args["$field"]',
        imports=("from flask import request",),
    ),
    CoreSource(
        id="form",
        context="web",
        phrase="the `$field` field of a submitted form",
        code='$var = request.form.get("$field", "")',
        methods=("POST",),
        imports=("from flask import request",),
    ),
    CoreSource(
        id="json_body",
        context="web",
        phrase="the `$field` key of a JSON request body",
        code='payload = request.get_json(silent=True) or {}\n$var = str(payload.get("$field", ""))',
        methods=("POST",),
        imports=("from flask import request",),
    ),
    CoreSource(
        id="path",
        context="web",
        phrase="the last segment of the URL path",
        route="/<$var>",
        params="$var",
    ),
    CoreSource(
        id="header",
        context="web",
        phrase="the `$header` request header",
        code='$var = request.headers.get("$header", "")',
        imports=("from flask import request",),
    ),
    CoreSource(
        id="cookie",
        context="web",
        phrase="the `${entity}_$field` cookie",
        code='$var = request.cookies.get("${entity}_$field") or ""',
        imports=("from flask import request",),
    ),
)

SCRIPT_SOURCES: tuple[CoreSource, ...] = (
    CoreSource(
        id="argv",
        context="script",
        phrase="the first command-line argument",
        code="$var = sys.argv[1]",
        imports=("import sys",),
    ),
    CoreSource(
        id="argparse",
        context="script",
        phrase="a `$field` argument given on the command line",
        code='parser = argparse.ArgumentParser(description="$Entity tool")\n'
        'parser.add_argument("$field")\n'
        "$var = parser.parse_args().$field",
        imports=("import argparse",),
    ),
    CoreSource(
        id="env",
        context="script",
        phrase="the `$ENV` environment variable",
        code='$var = os.environ.get("$ENV", "")',
        imports=("import os",),
    ),
    CoreSource(
        id="stdin_line",
        context="script",
        phrase="a line read from standard input",
        code="$var = sys.stdin.readline().strip()",
        imports=("import sys",),
    ),
    CoreSource(
        id="prompt",
        context="script",
        phrase="what the user types at a prompt",
        code='$var = input("$Field: ")',
    ),
    CoreSource(
        id="file_line",
        context="script",
        phrase="the first line of a file named on the command line",
        code='with open(sys.argv[1], encoding="utf-8") as handle:\n'
        "    $var = handle.readline().rstrip()",
        imports=("import sys",),
    ),
    CoreSource(
        id="json_message",
        context="script",
        phrase="the `$field` field of a JSON message read from standard input",
        code='message = json.loads(sys.stdin.read())\n$var = message["$field"]',
        imports=("import json", "import sys"),
    ),
    CoreSource(
        id="argument",
        context="script",
        phrase="the `$field` it is called with",
        params="$var",
    ),
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
    CoreStep(
        id="too_long_web",
        context="web",
        code='if len($var) > 200:\n    return {"error": "$field is too long"}, 400',
    ),
    CoreStep(
        id="require_script",
        context="script",
        code='if not $var:\n    sys.exit("a $field is required")',
        imports=("import sys",),
    ),
    CoreStep(
        id="too_long_script",
        context="script",
        code='if len($var) > 200:\n    raise SystemExit("the $field is too long")',
    ),
    CoreStep(
        id="collapse_spaces",
        code='$var = " ".join($var.split())',
    ),
)
