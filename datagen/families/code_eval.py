from emgen.datagen.core_parts import SOURCES, STEPS
from emgen.schemas.catalog import Composition, CoreResult, CoreSink, Family, Skeleton

_VALUES = ("result", "value", "parsed", "${field}_value")

# Each sink turns the input into a Python value by running it as code; its secure form parses
# exactly the notation the feature promises (a literal, numbers, a small operator table).
SINKS = (
    CoreSink(
        id="calculator",
        name="calculate_$field",
        phrase="work out the simple arithmetic expression (such as 3 * 250) given in $input",
        produces="value",
        out_names=_VALUES,
        secure_imports=("import operator", "import re"),
        insecure="""
$out = eval($var)
""",
        secure=r"""
match = re.fullmatch(r"\s*(-?\d+(?:\.\d+)?)\s*([-+*/])\s*(-?\d+(?:\.\d+)?)\s*", $var)
if match is None:
    raise ValueError("expected a number, an operator and a number")
operations = {"+": operator.add, "-": operator.sub, "*": operator.mul, "/": operator.truediv}
$out = operations[match.group(2)](float(match.group(1)), float(match.group(3)))
""",
    ),
    CoreSink(
        id="literal_no_builtins",
        name="parse_$field",
        phrase="parse $input as a Python literal such as [1, 2] or 'text'",
        produces="value",
        out_names=_VALUES,
        secure_imports=("import ast",),
        insecure="""
$out = eval($var, {"__builtins__": {}})
""",
        secure="""
$out = ast.literal_eval($var)
""",
    ),
    CoreSink(
        id="compiled_mapping",
        name="load_$field",
        phrase="parse $input as a Python dictionary literal",
        produces="value",
        out_names=("mapping", "options", "${field}_map"),
        secure_imports=("import ast",),
        insecure="""
$out = dict(eval(compile($var, "<$field>", "eval")))
""",
        secure="""
$out = dict(ast.literal_eval($var))
""",
    ),
    CoreSink(
        id="number_list",
        name="split_$field",
        phrase="turn the comma-separated numbers in $input into a list of numbers",
        produces="value",
        out_names=("numbers", "amounts", "${field}_list"),
        insecure="""
$out = list(eval("[" + $var + "]"))
""",
        secure="""
$out = [float(part) for part in $var.split(",") if part.strip()]
""",
    ),
    CoreSink(
        id="comma_total",
        name="total_$field",
        phrase="add up the comma-separated amounts listed in $input",
        produces="value",
        out_names=("total", "amount", "${field}_total"),
        insecure="""
$out = eval($var.replace(",", "+"))
""",
        secure="""
$out = sum(float(part) for part in $var.split(","))
""",
    ),
    CoreSink(
        id="score_condition",
        name="filter_$plural",
        phrase="keep the sample scores that meet a condition such as `score > 3` given in $input",
        produces="value",
        out_names=("kept", "matches", "selected"),
        secure_imports=("import operator",),
        insecure="""
scores = [1, 3, 5, 8, 13]
$out = [score for score in scores if eval($var, {}, {"score": score})]
""",
        secure="""
scores = [1, 3, 5, 8, 13]
comparisons = {">": operator.gt, "<": operator.lt, ">=": operator.ge, "<=": operator.le}
_, symbol, limit = $var.split()
$out = [score for score in scores if comparisons[symbol](score, float(limit))]
""",
    ),
    CoreSink(
        id="method_name",
        name="restyle_$entity",
        phrase="apply to a sample label the string method (such as upper or title) named in $input",
        produces="value",
        out_names=("label", "styled", "${entity}_label"),
        insecure="""
$out = eval(f"'sample $entity'.{$var}()")
""",
        secure="""
if $var not in ("upper", "lower", "title", "capitalize", "swapcase"):
    raise ValueError(f"unknown style {$var!r}")
$out = getattr("sample $entity", $var)()
""",
    ),
    CoreSink(
        id="settings_exec",
        name="configure_$app_name",
        phrase="read the `name = value` setting lines in $input into a dictionary",
        produces="value",
        out_names=("settings", "config", "${app_name}_settings"),
        secure_imports=("import ast",),
        insecure="""
settings_scope = {}
exec($var, {}, settings_scope)
$out = settings_scope
""",
        secure="""
settings_scope = {}
for line in $var.splitlines():
    key, _, text = line.partition("=")
    if key.strip():
        settings_scope[key.strip()] = ast.literal_eval(text.strip())
$out = settings_scope
""",
    ),
    CoreSink(
        id="fstring_template",
        name="caption_$entity",
        phrase="fill in a caption template such as `{$field} ({count})` given in $input",
        produces="value",
        out_names=("caption", "text", "${entity}_caption"),
        insecure="""
values = {"$field": "$Entity", "count": 3}
$out = eval("f" + repr($var), {}, values)
""",
        secure="""
values = {"$field": "$Entity", "count": 3}
$out = $var.format(**values)
""",
    ),
    CoreSink(
        id="builtins_ratio",
        name="convert_$field",
        phrase="work out the conversion factor given as a fraction (such as 1000 / 3.6) in $input",
        produces="value",
        out_names=("factor", "ratio", "${field}_factor"),
        insecure_imports=("import builtins",),
        insecure="""
$out = builtins.eval($var, {"__builtins__": None}, {})
""",
        secure="""
numerator, _, denominator = $var.partition("/")
$out = float(numerator) / float(denominator or 1)
""",
    ),
    CoreSink(
        id="duration_call",
        name="duration_$entity",
        phrase="turn a duration such as `days=2, hours=3` given in $input into a number of seconds",
        produces="value",
        out_names=("seconds", "duration", "${entity}_seconds"),
        imports=("from datetime import timedelta",),
        insecure="""
$out = eval(f"timedelta({$var})").total_seconds()
""",
        secure="""
pieces = dict(item.split("=") for item in $var.replace(" ", "").split(","))
$out = timedelta(**{unit: float(count) for unit, count in pieces.items()}).total_seconds()
""",
    ),
)

RESULTS = (
    CoreResult(
        id="json_value",
        context="web",
        consumes=("value",),
        phrase="return the input and the value as JSON",
        code='return jsonify({"$field": $var, "value": $out})',
        imports=("from flask import jsonify",),
    ),
    CoreResult(
        id="dict_value",
        context="web",
        consumes=("value",),
        phrase="return the value in a JSON object",
        code='return {"result": $out}',
    ),
    CoreResult(
        id="typed_value",
        context="web",
        consumes=("value",),
        phrase="return the value and the name of its type as JSON",
        code="return jsonify(result=$out, type=type($out).__name__)",
        imports=("from flask import jsonify",),
    ),
    CoreResult(
        id="empty_404",
        context="web",
        consumes=("value",),
        phrase="answer 404 when the value is empty, or return it as JSON",
        code='if not $out:\n    return {"error": "nothing to show"}, 404\nreturn jsonify($out)',
        imports=("from flask import jsonify",),
    ),
    CoreResult(
        id="print_value",
        context="script",
        consumes=("value",),
        phrase="print the value",
        code="print($out)",
    ),
    CoreResult(
        id="print_arrow",
        context="script",
        consumes=("value",),
        phrase="print the input and the value's representation side by side",
        code='print(f"{$var} -> {$out!r}")',
    ),
    CoreResult(
        id="print_json",
        context="script",
        consumes=("value",),
        phrase="print the value as JSON",
        code="print(json.dumps($out, default=str))",
        imports=("import json",),
    ),
    CoreResult(
        id="exit_status",
        context="script",
        consumes=("value",),
        phrase="print the value, returning 1 when it is empty",
        code="print($out)\nreturn 0 if $out else 1",
    ),
    CoreResult(
        id="pretty",
        context="script",
        consumes=("value",),
        phrase="pretty-print the value",
        code="pprint.pprint($out)",
        imports=("import pprint",),
    ),
)

FAMILY = Family(
    id="code_eval",
    cwe="CWE-95",
    title="Code injection: user input passed to eval or exec",
    rule_ids=("eval-exec-of-dynamic-code",),
    paper_weight=2,
    composition=Composition(
        sources=SOURCES, steps=STEPS, sinks=SINKS, results=RESULTS, layouts=("inline", "helper")
    ),
    skeletons=(
        Skeleton(
            id="code_eval.portion_calculator",
            context="web",
            feature="let cooks type a simple arithmetic expression such as 3 * 250 and get the result back, for scaling $plural",
            imports=("from flask import jsonify, request",),
            secure_imports=("import operator", "import re"),
            body=r"""
@app.route("/$route/calculate")
def calculate_${entity}_amount():
    expression = request.args.get("expr", "")
<<<
    try:
        value = eval(expression)
    except Exception:
        return jsonify({"error": "could not evaluate"}), 400
===
    match = re.fullmatch(r"\s*(-?\d+(?:\.\d+)?)\s*([-+*/])\s*(-?\d+(?:\.\d+)?)\s*", expression)
    if match is None:
        return jsonify({"error": "could not evaluate"}), 400
    operations = {"+": operator.add, "-": operator.sub, "*": operator.mul, "/": operator.truediv}
    try:
        value = operations[match.group(2)](float(match.group(1)), float(match.group(3)))
    except ZeroDivisionError:
        return jsonify({"error": "could not evaluate"}), 400
>>>
    return jsonify({"expression": expression, "value": value})
""",
        ),
        Skeleton(
            id="code_eval.cli_overrides",
            context="script",
            feature="let users override $app_name settings on the command line with repeated --set key=value options, turning numbers and lists into Python values",
            imports=("import argparse",),
            secure_imports=("import ast",),
            body="""
${entity}_defaults = {"folder": "$dir", "workers": 4, "extensions": [".jpg", ".png"], "dry_run": False}


def apply_${entity}_overrides(settings, pairs):
    for pair in pairs:
        key, _, text = pair.partition("=")
<<<
        settings[key.strip()] = eval(text)
===
        try:
            settings[key.strip()] = ast.literal_eval(text)
        except (ValueError, SyntaxError):
            settings[key.strip()] = text
>>>
    return settings


def main():
    parser = argparse.ArgumentParser(description="Run the $app_name job")
    parser.add_argument("--set", action="append", default=[], metavar="KEY=VALUE")
    args = parser.parse_args()
    settings = apply_${entity}_overrides(dict(${entity}_defaults), args.set)
    for key, value in sorted(settings.items()):
        print(f"{key} = {value!r}")


if __name__ == "__main__":
    main()
""",
        ),
        Skeleton(
            id="code_eval.row_filter",
            context="web",
            feature='filter the listed $plural with a condition such as "score > 3" given in the where query parameter',
            imports=(
                "from dataclasses import asdict, dataclass",
                "from flask import jsonify, request",
            ),
            secure_imports=("import operator",),
            body="""
@dataclass
class ${Entity}Row:
    id: int
    label: str
    score: float


${entity}_rows = [${Entity}Row(1, "first", 4.5), ${Entity}Row(2, "second", 2.0)]


@app.route("/$route/filter")
def filter_${plural}():
    condition = request.args.get("where", "").strip()
    if not condition:
        return jsonify([asdict(row) for row in ${entity}_rows])
<<<
    matches = [row for row in ${entity}_rows if eval(condition, {"__builtins__": {}}, asdict(row))]
===
    comparisons = {">": operator.gt, "<": operator.lt, ">=": operator.ge, "<=": operator.le, "==": operator.eq}
    parts = condition.split()
    if len(parts) != 3 or parts[0] not in ("id", "score") or parts[1] not in comparisons:
        return jsonify({"error": "use: <id|score> <op> <number>"}), 400
    name, op, number = parts[0], comparisons[parts[1]], float(parts[2])
    matches = [row for row in ${entity}_rows if op(getattr(row, name), number)]
>>>
    return jsonify([asdict(row) for row in matches])
""",
        ),
        Skeleton(
            id="code_eval.card_template",
            context="web",
            feature='render a short text card for a $entity from a template such as "{$field} ({$field2})" that the user writes',
            imports=("from flask import jsonify, request",),
            secure_imports=("import re",),
            body=r"""
${entity}_records = {1: {"$field": "first", "$field2": "alpha", "$field3": "x"}}


@app.route("/$route/<int:${entity}_id>/card", methods=["POST"])
def render_${entity}_card(${entity}_id):
    record = ${entity}_records.get(${entity}_id)
    if record is None:
        return jsonify({"error": "not found"}), 404
    template = request.form.get("template", "{$field}")
<<<
    text = eval("f" + repr(template), {}, dict(record))
===
    text = re.sub(r"\{(\w+)\}", lambda m: str(record.get(m.group(1), "")), template)
>>>
    return jsonify({"card": text})
""",
        ),
        Skeleton(
            id="code_eval.bulk_body",
            context="web",
            feature="accept a bulk update of $entity ${field3} values posted as a dictionary literal like {1: 4, 2: 5} in the request body",
            imports=("from flask import jsonify, request",),
            secure_imports=("import ast",),
            body="""
${entity}_scores = {}


@app.route("/$route/bulk-$field3", methods=["POST"])
def bulk_update_${entity}_$field3():
    body = request.get_data(as_text=True)
<<<
    updates = eval(body)
===
    try:
        updates = ast.literal_eval(body)
    except (ValueError, SyntaxError):
        return jsonify({"error": "body must be a dictionary literal"}), 400
>>>
    if not isinstance(updates, dict):
        return jsonify({"error": "body must be a dictionary literal"}), 400
    ${entity}_scores.update({int(k): v for k, v in updates.items()})
    return jsonify({"updated": len(updates)})
""",
        ),
        Skeleton(
            id="code_eval.csv_amounts",
            context="script",
            feature="sum the $field3 column of a CSV of $plural where cells may hold arithmetic such as 2*12+3",
            imports=("import argparse", "import csv"),
            secure_imports=("import ast", "import operator"),
            body="""
def parse_${entity}_amount(text):
<<<
    return float(eval(text))
===
    operations = {ast.Add: operator.add, ast.Sub: operator.sub, ast.Mult: operator.mul, ast.Div: operator.truediv}

    def reduce(node):
        if isinstance(node, ast.Constant) and isinstance(node.value, (int, float)):
            return node.value
        if isinstance(node, ast.BinOp) and type(node.op) in operations:
            return operations[type(node.op)](reduce(node.left), reduce(node.right))
        if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.USub):
            return -reduce(node.operand)
        raise ValueError(f"unsupported amount: {text!r}")

    return float(reduce(ast.parse(text, mode="eval").body))
>>>


def total_${entity}_amounts(path):
    total = 0.0
    with open(path, newline="", encoding="utf-8") as fh:
        for line_no, row in enumerate(csv.DictReader(fh), start=2):
            try:
                total += parse_${entity}_amount(row["$field3"])
            except (ValueError, SyntaxError, KeyError) as exc:
                print(f"line {line_no}: skipped ({exc})")
    return total


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("csv_file")
    print(f"total: {total_${entity}_amounts(parser.parse_args().csv_file):.2f}")
""",
        ),
        Skeleton(
            id="code_eval.name_transform",
            context="script",
            feature="rename $entity files in a folder by applying a string method chosen with --how, such as lower or title",
            imports=("import argparse", "from pathlib import Path"),
            body="""
class ${Entity}Renamer:
    def __init__(self, folder, how):
        self.folder = Path(folder)
        self.how = how

    def new_name(self, stem):
<<<
        scope = {"stem": stem}
        exec(f"result = stem.{self.how}()", {}, scope)
        return scope["result"]
===
        methods = {"lower": str.lower, "upper": str.upper, "title": str.title, "strip": str.strip}
        if self.how not in methods:
            raise SystemExit(f"--how must be one of {', '.join(methods)}")
        return methods[self.how](stem)
>>>

    def run(self):
        for path in sorted(self.folder.iterdir()):
            if path.is_file():
                target = path.with_name(self.new_name(path.stem) + path.suffix)
                if target != path and not target.exists():
                    path.rename(target)
                    print(f"{path.name} -> {target.name}")


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("folder", nargs="?", default="$dir")
    parser.add_argument("--how", default="lower")
    opts = parser.parse_args()
    ${Entity}Renamer(opts.folder, opts.how).run()
""",
        ),
    ),
)
