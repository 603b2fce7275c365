import argparse
import ast
import builtins
import json
import operator
from ast import literal_eval

from flask import Flask, request

app = Flask(__name__)
SETUP_CODE = "x = 1"


@app.route("/calc")
def calc():
    expression = request.args.get("expr", "")
    # ruleid: eval-exec-of-dynamic-code
    value = eval(expression)
    # ruleid: eval-exec-of-dynamic-code
    value = eval(f"{float(request.args['a'])} {request.args['op']} {float(request.args['b'])}")
    ops = {"+": operator.add, "-": operator.sub}
    # ok: eval-exec-of-dynamic-code
    value = ops[request.args["op"]](1.0, 2.0)
    return {"value": value}


def overrides(settings, pairs):
    for pair in pairs:
        key, _, text = pair.partition("=")
        # ruleid: eval-exec-of-dynamic-code
        settings[key] = eval(text)
        # ok: eval-exec-of-dynamic-code
        settings[key] = ast.literal_eval(text)
        # ok: eval-exec-of-dynamic-code
        settings[key] = literal_eval(text)
    return settings


@app.route("/filter")
def filtered():
    condition = request.args.get("where", "")
    rows = [{"score": 1}, {"score": 5}]
    # ruleid: eval-exec-of-dynamic-code
    return [row for row in rows if eval(condition, {"__builtins__": {}}, row)]


@app.route("/card", methods=["POST"])
def card():
    template = request.form["template"]
    # ruleid: eval-exec-of-dynamic-code
    return eval("f" + repr(template), {}, {"title": "x"})


@app.route("/bulk", methods=["POST"])
def bulk():
    body = request.get_data(as_text=True)
    # ruleid: eval-exec-of-dynamic-code
    updates = eval(body)
    # ok: eval-exec-of-dynamic-code
    updates = json.loads(body)
    return updates


def rename(stem, how):
    scope = {"stem": stem}
    # ruleid: eval-exec-of-dynamic-code
    exec(f"result = stem.{how}()", {}, scope)
    # ruleid: eval-exec-of-dynamic-code
    builtins.exec(compile(how, "<how>", "exec"), scope)
    return scope["result"]


def run_script(path):
    with open(path) as fh:
        code = fh.read()
    namespace = {}
    # ruleid: eval-exec-of-dynamic-code
    exec(code, namespace)
    # ok: eval-exec-of-dynamic-code
    exec("y = 2", namespace)
    # ok: eval-exec-of-dynamic-code
    exec(SETUP_CODE, namespace)
    return namespace


def model_code(model, frame):
    # ok: eval-exec-of-dynamic-code
    model.eval()
    # ok: eval-exec-of-dynamic-code
    return frame.eval("a + b")


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("expr")
    args = parser.parse_args()
    # ruleid: eval-exec-of-dynamic-code
    print(eval(args.expr))


def composed_forms(text, scores):
    # ruleid: eval-exec-of-dynamic-code
    value = eval(text, {"__builtins__": {}})
    # ruleid: eval-exec-of-dynamic-code
    mapping = dict(eval(compile(text, "<text>", "eval")))
    # ok: eval-exec-of-dynamic-code
    mapping = dict(ast.literal_eval(text))
    # ruleid: eval-exec-of-dynamic-code
    numbers = list(eval("[" + text + "]"))
    # ok: eval-exec-of-dynamic-code
    numbers = [float(part) for part in text.split(",") if part.strip()]
    # ruleid: eval-exec-of-dynamic-code
    total = eval(text.replace(",", "+"))
    # ruleid: eval-exec-of-dynamic-code
    kept = [score for score in scores if eval(text, {}, {"score": score})]
    # ruleid: eval-exec-of-dynamic-code
    label = eval(f"'sample'.{text}()")
    # ok: eval-exec-of-dynamic-code
    label = getattr("sample", text)()
    scope = {}
    # ruleid: eval-exec-of-dynamic-code
    exec(text, {}, scope)
    # ruleid: eval-exec-of-dynamic-code
    factor = builtins.eval(text, {"__builtins__": None}, {})
    # ruleid: eval-exec-of-dynamic-code
    seconds = eval(f"timedelta({text})").total_seconds()
    # ok: eval-exec-of-dynamic-code
    caption = text.format(**{"count": 3})
    return value, mapping, numbers, total, kept, label, scope, factor, seconds, caption
