"""Compose a family's vulnerable core from independent choices (`schemas.catalog.Composition`).

How the input arrives, the checks and transformations before the sink, the sink's form and what
is done with the result are drawn separately, so the function that holds the flaw takes many
shapes rather than one per hand-written skeleton. The result is an ordinary `Skeleton` (its
region is the sink, whose secure form fixes exactly the flaw), so `_compose.compose` frames it
like any other and the template shows the user everything but the sink.
"""

from __future__ import annotations

import random
import textwrap
from dataclasses import dataclass

from emgen.datagen._skeleton import substitute
from emgen.schemas.catalog import Composition, Context, CoreSink, CoreStep, Family, Skeleton

# Names a composed core adds to `datagen._names.PLACEHOLDERS`.
CORE_PLACEHOLDERS: dict[str, str] = {
    "var": "the input's variable name",
    "out": "the sink's output variable name",
    "handler": "the name of the function that holds the input",
    "ENV": "an environment variable name, e.g. RECIPE_BOX_TITLE",
    "Field": "the first field in capitalised words, e.g. Due Date",
    "header": "an HTTP header name for the first field, e.g. X-Invoice-Due-Date",
}

_WEB_PREFIXES = ("", "handle_", "api_", "serve_")
_SCRIPT_ENTRIES = (
    "$handler($args)",
    "sys.exit($handler($args))",
    "raise SystemExit($handler($args))",
)


@dataclass(frozen=True)
class ComposedCore:
    skeleton: Skeleton
    names: dict[str, str]  # the record's names plus CORE_PLACEHOLDERS


def _block(code: str, depth: int = 1) -> str:
    """Code written at column 0, indented `depth` levels, ending in a newline ("" stays "")."""
    code = code.strip("\n")
    return textwrap.indent(code, "    " * depth) + "\n" if code else ""


def _fill(template: str, names: dict[str, str]) -> str:
    """Resolve a name written with placeholders (`${entity}_$field`)."""
    return substitute(template, names, "composition names")


def composable(family: Family, context: Context) -> bool:
    """Whether the family's composition has a source and a sink for `context`."""
    comp = family.composition
    return comp is not None and bool(comp.sources_for(context)) and bool(_sinks(comp, context))


def _sinks(comp: Composition, context: Context) -> list[CoreSink]:
    return [s for s in comp.sinks if s.context in (context, "any")]


def _steps(comp: Composition, context: Context, rng: random.Random) -> list[CoreStep]:
    pool = [s for s in comp.steps if s.context in (context, "any")]
    return rng.sample(pool, k=min(len(pool), rng.choice((0, 1, 1, 2, 2))))


def compose_core(
    family: Family, context: Context, names: dict[str, str], rng: random.Random
) -> ComposedCore:
    """One core of `family` for `context`, drawn from `rng` in a fixed order."""
    comp = family.composition
    if comp is None:
        raise ValueError(f"family {family.id} has no composition")
    source = rng.choice(comp.sources_for(context))
    sink = rng.choice(_sinks(comp, context))
    result = rng.choice(comp.results_for(sink, context))
    # A helper's shape is its sink and little else, so most cores are inline.
    layout = "helper" if "helper" in comp.layouts and rng.random() < 0.3 else comp.layouts[0]
    steps = _steps(comp, context, rng)
    # A step that returns a web error or ends the script belongs to the handler, not a helper.
    in_helper = [s for s in steps if s.context == "any" and rng.random() < 0.7]
    in_caller = [s for s in steps if s not in in_helper]

    field = names["field"]
    core_names = dict(names)
    words = [word.capitalize() for word in field.split("_")]
    core_names["Field"] = " ".join(words)
    core_names["header"] = "-".join(["X", names["Entity"], *words])
    core_names["ENV"] = f"{names['app_name']}_{field}".upper()
    core_names["var"] = _fill(rng.choice(comp.var_names), names)
    core_names["out"] = _fill(rng.choice(sink.out_names), names)
    sink_name = _fill(sink.name, names)
    if context == "web":
        core_names["handler"] = rng.choice(_WEB_PREFIXES) + sink_name
    else:
        core_names["handler"] = "main" if layout == "helper" or rng.random() < 0.5 else sink_name
    if layout == "helper" and core_names["handler"] == sink_name:
        core_names["handler"] = f"{sink_name}_view" if context == "web" else "main"

    region = "<<<\n" + _block(sink.insecure) + "===\n" + _block(sink.secure) + ">>>\n"
    handler_body = _block(source.code) + "".join(_block(s.code) for s in in_caller)
    if layout == "inline":
        handler_body += region + _block(result.code)
        helper = ""
    else:
        returns = "" if sink.produces == "none" else "    return $out\n"
        helper = (
            f"def {sink_name}($var):\n"
            + "".join(_block(s.code) for s in in_helper)
            + region
            + returns
            + "\n\n"
        )
        invoke = f"{sink_name}($var)" if sink.produces == "none" else f"$out = {sink_name}($var)"
        handler_body += _block(invoke) + _block(result.code)

    imports = [*source.imports, *sink.imports, *result.imports]
    for step in steps:
        imports += step.imports
    if context == "web":
        # The path names what the sink does (its function's verb), never how it is written.
        route = f"/$route/{sink_name.split('_')[0]}{source.route}"
        methods = source.methods or rng.choice(((), ("GET",)))
        method_arg = f", methods={list(methods)!r}".replace("'", '"') if methods else ""
        body = (
            helper
            + f'@app.route("{route}"{method_arg})\n'
            + f"def $handler({source.params}):\n"
            + handler_body
        )
    else:
        entry = rng.choice(_SCRIPT_ENTRIES)
        if entry.startswith("sys."):
            imports.append("import sys")
        args = "sys.argv[1]" if source.params else ""
        if args:
            imports.append("import sys")
        body = (
            helper
            + f"def $handler({source.params}):\n"
            + handler_body
            + '\n\nif __name__ == "__main__":\n'
            + _block(entry.replace("$args", args))
        )
    choice_ids = [layout, source.id, "+".join(s.id for s in steps) or "none", sink.id, result.id]
    feature = f"{sink.phrase.replace('$input', source.phrase)} and {result.phrase}"
    skeleton = Skeleton(
        id=f"{family.id}.composed.{'.'.join(choice_ids)}",
        context=context,
        feature=feature,
        imports=tuple(dict.fromkeys(imports)),
        insecure_imports=sink.insecure_imports,
        secure_imports=sink.secure_imports,
        body=body,
        provides_entry=context == "script",
    )
    return ComposedCore(skeleton, core_names)
