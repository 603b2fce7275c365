from emgen.schemas.catalog import Family, Skeleton

FAMILY = Family(
    id="code_eval",
    cwe="CWE-95",
    title="Code injection: user input passed to eval or exec",
    rule_ids=("eval-exec-of-dynamic-code",),
    paper_weight=2,
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
