from emgen.datagen.core_parts import SOURCES, STEPS
from emgen.schemas.catalog import Composition, CoreResult, CoreSink, Family, Skeleton

_HTML = ("html", "page", "markup", "rendered", "${entity}_html")

# Each sink renders the input into HTML through a Jinja2 environment or template that does not
# escape; its secure form turns autoescaping on for exactly that environment or template.
SINKS = (
    CoreSink(
        id="env_from_string",
        name="render_$entity",
        phrase="render a short HTML paragraph that shows $input",
        produces="html",
        out_names=_HTML,
        imports=("from jinja2 import Environment",),
        insecure="""
env = Environment()
tmpl = env.from_string("<p class='$entity'>{{ $field }}</p>")
$out = tmpl.render($field=$var)
""",
        secure="""
env = Environment(autoescape=True)
tmpl = env.from_string("<p class='$entity'>{{ $field }}</p>")
$out = tmpl.render($field=$var)
""",
    ),
    CoreSink(
        id="template_chain",
        name="heading_$entity",
        phrase="build an HTML heading from $input",
        produces="html",
        out_names=_HTML,
        imports=("from jinja2 import Template",),
        insecure="""
$out = Template("<h2>{{ heading }}</h2>").render(heading=$var)
""",
        secure="""
$out = Template("<h2>{{ heading }}</h2>", autoescape=True).render(heading=$var)
""",
    ),
    CoreSink(
        id="dict_loader_off",
        name="card_$entity",
        phrase="render the `$entity.html` card template, filled in with $input",
        produces="html",
        out_names=_HTML,
        imports=("from jinja2 import DictLoader, Environment",),
        insecure="""
env = Environment(
    loader=DictLoader({"$entity.html": "<div class='card'><h3>{{ $field }}</h3></div>"}),
    autoescape=False,
)
$out = env.get_template("$entity.html").render({"$field": $var})
""",
        secure="""
env = Environment(
    loader=DictLoader({"$entity.html": "<div class='card'><h3>{{ $field }}</h3></div>"}),
    autoescape=True,
)
$out = env.get_template("$entity.html").render({"$field": $var})
""",
    ),
    CoreSink(
        id="select_for_strings",
        name="preview_$entity",
        phrase="render an HTML list item for $input from a template string",
        produces="html",
        out_names=_HTML,
        imports=("import jinja2",),
        insecure="""
env = jinja2.Environment(autoescape=jinja2.select_autoescape(default_for_string=False))
$out = env.from_string("<li>{{ item }}</li>").render(item=$var)
""",
        secure="""
env = jinja2.Environment(autoescape=jinja2.select_autoescape(default_for_string=True))
$out = env.from_string("<li>{{ item }}</li>").render(item=$var)
""",
    ),
    CoreSink(
        id="overlay_off",
        name="highlight_$entity",
        phrase="render $input in emphasis using a variant of a shared template environment",
        produces="html",
        out_names=_HTML,
        imports=("from jinja2 import Environment",),
        insecure="""
base = Environment(autoescape=True, trim_blocks=True)
inline_env = base.overlay(autoescape=False)
tmpl = inline_env.from_string("{% if $field %}<em>{{ $field }}</em>{% endif %}")
$out = tmpl.render($field=$var)
""",
        secure="""
base = Environment(autoescape=True, trim_blocks=True)
inline_env = base.overlay(autoescape=True)
tmpl = inline_env.from_string("{% if $field %}<em>{{ $field }}</em>{% endif %}")
$out = tmpl.render($field=$var)
""",
    ),
    CoreSink(
        id="folder_context",
        name="page_$entity",
        phrase="render the `${entity}.html` template from the templates folder with $input",
        produces="html",
        out_names=_HTML,
        imports=(),
        insecure_imports=("from jinja2 import Environment, FileSystemLoader",),
        secure_imports=("from jinja2 import Environment, FileSystemLoader, select_autoescape",),
        insecure="""
context = {"$field": $var, "title": "$Entity"}
env = Environment(loader=FileSystemLoader("templates"))
$out = env.get_template("${entity}.html").render(**context)
""",
        secure="""
context = {"$field": $var, "title": "$Entity"}
env = Environment(loader=FileSystemLoader("templates"), autoescape=select_autoescape())
$out = env.get_template("${entity}.html").render(**context)
""",
    ),
    CoreSink(
        id="template_file",
        name="show_$entity",
        phrase="fill in the `templates/${entity}.html` template with $input",
        produces="html",
        out_names=_HTML,
        imports=("from jinja2 import Template",),
        insecure="""
with open("templates/${entity}.html", encoding="utf-8") as fh:
    tmpl = Template(fh.read())
$out = tmpl.render($field=$var)
""",
        secure="""
with open("templates/${entity}.html", encoding="utf-8") as fh:
    tmpl = Template(fh.read(), autoescape=True)
$out = tmpl.render($field=$var)
""",
    ),
    CoreSink(
        id="generate_words",
        name="tag_$plural",
        phrase="render each word of $input as an HTML tag",
        produces="html",
        out_names=_HTML,
        imports=("import jinja2",),
        insecure="""
tmpl = jinja2.Template("{% for word in words %}<span class='tag'>{{ word }}</span>{% endfor %}")
words = $var.split()
$out = "".join(tmpl.generate(words=words))
""",
        secure="""
tmpl = jinja2.Template(
    "{% for word in words %}<span class='tag'>{{ word }}</span>{% endfor %}", autoescape=True
)
words = $var.split()
$out = "".join(tmpl.generate(words=words))
""",
    ),
    CoreSink(
        id="stream_buffer",
        name="row_$entity",
        phrase="render an HTML table row for $input",
        produces="html",
        out_names=_HTML,
        imports=("import io", "from jinja2 import DictLoader, Environment"),
        insecure="""
buffer = io.StringIO()
env = Environment(loader=DictLoader({"row.html": "<tr><td>{{ $field }}</td></tr>"}))
env.get_template("row.html").stream($field=$var).dump(buffer)
$out = buffer.getvalue()
""",
        secure="""
buffer = io.StringIO()
env = Environment(
    loader=DictLoader({"row.html": "<tr><td>{{ $field }}</td></tr>"}), autoescape=True
)
env.get_template("row.html").stream($field=$var).dump(buffer)
$out = buffer.getvalue()
""",
    ),
    CoreSink(
        id="sandbox_globals",
        name="note_$entity",
        phrase="use a sandboxed template to render an HTML note that quotes $input",
        produces="html",
        out_names=_HTML,
        imports=("from jinja2.sandbox import SandboxedEnvironment",),
        insecure="""
sandbox = SandboxedEnvironment()
$out = sandbox.from_string("<blockquote>{{ text }}</blockquote>", globals={"text": $var}).render()
""",
        secure="""
sandbox = SandboxedEnvironment(autoescape=True)
$out = sandbox.from_string("<blockquote>{{ text }}</blockquote>", globals={"text": $var}).render()
""",
    ),
    CoreSink(
        id="env_globals",
        name="title_$entity",
        phrase="render an HTML title element that holds $input",
        produces="html",
        out_names=_HTML,
        imports=("import jinja2",),
        insecure="""
env = jinja2.Environment(loader=jinja2.BaseLoader())
env.globals["$field"] = $var
$out = env.from_string("<title>{{ $field }} - $Entity</title>").render()
""",
        secure="""
env = jinja2.Environment(loader=jinja2.BaseLoader(), autoescape=True)
env.globals["$field"] = $var
$out = env.from_string("<title>{{ $field }} - $Entity</title>").render()
""",
    ),
    CoreSink(
        id="parts_list",
        name="list_$plural",
        phrase="render one HTML list item per comma-separated entry of $input",
        produces="html",
        out_names=_HTML,
        imports=("from jinja2 import Template",),
        insecure="""
parts = [part.strip() for part in $var.split(",")]
listing = Template(
    "<ul>{% for part in parts %}<li>{{ part }}</li>{% endfor %}</ul>", autoescape=False
)
$out = listing.render(parts=parts)
""",
        secure="""
parts = [part.strip() for part in $var.split(",")]
listing = Template(
    "<ul>{% for part in parts %}<li>{{ part }}</li>{% endfor %}</ul>", autoescape=True
)
$out = listing.render(parts=parts)
""",
    ),
    CoreSink(
        id="function_loader",
        name="badge_$entity",
        phrase="use a template supplied by a loader function to render an HTML badge for $input",
        produces="html",
        out_names=_HTML,
        imports=("from jinja2 import Environment, FunctionLoader",),
        insecure="""
env = Environment(loader=FunctionLoader(lambda name: "<b class='badge'>{{ $field }}</b>"))
$out = env.get_template("badge").render($field=$var)
""",
        secure="""
env = Environment(
    loader=FunctionLoader(lambda name: "<b class='badge'>{{ $field }}</b>"), autoescape=True
)
$out = env.get_template("badge").render($field=$var)
""",
    ),
    CoreSink(
        id="flask_env_off",
        context="web",
        name="greet_$entity",
        phrase="render a greeting banner for $input with the app's own template engine",
        produces="html",
        out_names=_HTML,
        imports=("from flask import render_template_string",),
        insecure="""
app.jinja_env.autoescape = False
$out = render_template_string("<h1>Hello, {{ $field }}</h1>", $field=$var)
""",
        secure="""
app.jinja_env.autoescape = True
$out = render_template_string("<h1>Hello, {{ $field }}</h1>", $field=$var)
""",
    ),
)

RESULTS = (
    CoreResult(
        id="html_tuple",
        context="web",
        consumes=("html",),
        phrase="return it as an HTML page",
        code='return $out, 200, {"Content-Type": "text/html; charset=utf-8"}',
    ),
    CoreResult(
        id="response_html",
        context="web",
        consumes=("html",),
        phrase="send it back as an HTML response",
        code='return Response($out, mimetype="text/html")',
        imports=("from flask import Response",),
    ),
    CoreResult(
        id="no_store",
        context="web",
        consumes=("html",),
        phrase="send it back as a response that browsers must not cache",
        code='response = make_response($out)\nresponse.headers["Cache-Control"] = "no-store"\n'
        "return response",
        imports=("from flask import make_response",),
    ),
    CoreResult(
        id="json_fragment",
        context="web",
        consumes=("html",),
        phrase="return the HTML fragment inside a JSON object",
        code='return jsonify({"$field": $var, "html": $out})',
        imports=("from flask import jsonify",),
    ),
    CoreResult(
        id="dict_length",
        context="web",
        consumes=("html",),
        phrase="return the fragment and its length as JSON",
        code='return {"html": $out, "length": len($out)}',
    ),
    CoreResult(
        id="print_html",
        context="script",
        consumes=("html",),
        phrase="print it",
        code="print($out)",
    ),
    CoreResult(
        id="write_file",
        context="script",
        consumes=("html",),
        phrase="save it to an HTML file in the data folder",
        code='with open("$dir/${entity}.html", "w", encoding="utf-8") as out_file:\n    out_file.write($out)',
    ),
    CoreResult(
        id="write_path",
        context="script",
        consumes=("html",),
        phrase="write it to `${entity}.html`, returning 0",
        code='Path("${entity}.html").write_text($out, encoding="utf-8")\nreturn 0',
        imports=("from pathlib import Path",),
    ),
    CoreResult(
        id="email_part",
        context="script",
        consumes=("html",),
        phrase="print an e-mail that carries it as the HTML part",
        code='mail = EmailMessage()\nmail["Subject"] = "$Entity update"\n'
        'mail.set_content("This message is HTML.")\n'
        'mail.add_alternative($out, subtype="html")\nprint(mail.as_string())',
        imports=("from email.message import EmailMessage",),
    ),
    CoreResult(
        id="stdout_json",
        context="script",
        consumes=("html",),
        phrase="write it to standard output as a JSON object",
        code='json.dump({"$field": $var, "html": $out}, sys.stdout)',
        imports=("import json", "import sys"),
    ),
)

FAMILY = Family(
    id="jinja2_autoescape",
    cwe="CWE-79",
    title="XSS: Jinja2 environment or template rendering HTML with autoescaping off",
    rule_ids=("jinja2-autoescape-disabled",),
    paper_weight=15,
    composition=Composition(
        sources=SOURCES, steps=STEPS, sinks=SINKS, results=RESULTS, layouts=("inline", "helper")
    ),
    skeletons=(
        Skeleton(
            id="jinja2_autoescape.csv_report",
            context="script",
            feature="turn a CSV export of $plural into an HTML report using a template from a folder",
            imports=("import argparse", "import csv"),
            insecure_imports=("from jinja2 import Environment, FileSystemLoader",),
            secure_imports=("from jinja2 import Environment, FileSystemLoader, select_autoescape",),
            body="""
def build_${entity}_report(csv_path, template_dir, out_path):
    with open(csv_path, newline="", encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh))
<<<
    env = Environment(loader=FileSystemLoader(template_dir))
===
    env = Environment(
        loader=FileSystemLoader(template_dir),
        autoescape=select_autoescape(["html", "xml"]),
    )
>>>
    template = env.get_template("${plural}_report.html")
    with open(out_path, "w", encoding="utf-8") as fh:
        fh.write(template.render(rows=rows, total=len(rows)))
    return len(rows)


def main():
    parser = argparse.ArgumentParser(description="Render the $plural report")
    parser.add_argument("csv_path")
    parser.add_argument("--templates", default="templates")
    parser.add_argument("--out", default="${plural}_report.html")
    args = parser.parse_args()
    count = build_${entity}_report(args.csv_path, args.templates, args.out)
    print(f"wrote {count} $plural to {args.out}")


if __name__ == "__main__":
    main()
""",
        ),
        Skeleton(
            id="jinja2_autoescape.email_digest",
            context="script",
            feature="build the weekly HTML e-mail that lists the newest $plural with their $field and $field2",
            imports=("from email.message import EmailMessage", "from jinja2 import Template"),
            body='''
DIGEST_HTML = """
<html>
  <body>
    <h1>New $plural this week</h1>
    <ul>
    {% for item in items %}
      <li><strong>{{ item.$field }}</strong> &middot; {{ item.$field2 }}</li>
    {% endfor %}
    </ul>
  </body>
</html>
"""


def build_${entity}_digest(items, recipient):
<<<
    template = Template(DIGEST_HTML)
===
    template = Template(DIGEST_HTML, autoescape=True)
>>>
    message = EmailMessage()
    message["Subject"] = f"{len(items)} new $plural"
    message["To"] = recipient
    message["From"] = "digest@$host"
    message.set_content("Your e-mail client does not show HTML.")
    message.add_alternative(template.render(items=items), subtype="html")
    return message
''',
        ),
        Skeleton(
            id="jinja2_autoescape.card_route",
            context="web",
            feature="show a small preview card for a $entity with the $field and note passed in the query string",
            imports=("from flask import request", "from jinja2 import DictLoader, Environment"),
            body="""
card_templates = Environment(
    loader=DictLoader({
        "card.html": "<div class='card'><h2>{{ $field }}</h2><p>{{ note }}</p></div>",
    }),
<<<
    autoescape=False,
===
    autoescape=True,
>>>
)


@app.route("/$route/card")
def ${entity}_card():
    template = card_templates.get_template("card.html")
    return template.render(
        $field=request.args.get("$field", "Untitled"),
        note=request.args.get("note", ""),
    )
""",
        ),
        Skeleton(
            id="jinja2_autoescape.page_renderer_class",
            context="web",
            feature="let visitors post a comment on a $entity and show it back on a page rendered from the templates folder",
            imports=("from flask import request",),
            insecure_imports=("from jinja2 import Environment, FileSystemLoader",),
            secure_imports=("from jinja2 import Environment, FileSystemLoader, select_autoescape",),
            body="""
class ${Entity}Pages:
    def __init__(self, folder):
<<<
        self.env = Environment(loader=FileSystemLoader(folder), trim_blocks=True, lstrip_blocks=True)
===
        self.env = Environment(
            loader=FileSystemLoader(folder),
            trim_blocks=True,
            lstrip_blocks=True,
            autoescape=select_autoescape(),
        )
>>>

    def render(self, name, **context):
        return self.env.get_template(name).render(**context)


${entity}_pages = ${Entity}Pages("templates")
${entity}_comments = []


@app.route("/$route/comments", methods=["GET", "POST"])
def ${entity}_comments_page():
    if request.method == "POST":
        ${entity}_comments.append({
            "author": request.form.get("author", "anonymous"),
            "text": request.form.get("comment", ""),
        })
    return ${entity}_pages.render("comments.html", comments=${entity}_comments)
""",
        ),
        Skeleton(
            id="jinja2_autoescape.quote_snippet",
            context="web",
            feature="return an embeddable HTML quote block for a $entity review with the reviewer's name",
            imports=("import jinja2", "from flask import request"),
            body='''
QUOTE_SNIPPET = """<blockquote class="$entity-review">
  <p>{{ text }}</p>
  <footer>&mdash; {{ reviewer }}</footer>
</blockquote>"""


def render_${entity}_quote(text, reviewer):
<<<
    env = jinja2.Environment()
===
    env = jinja2.Environment(autoescape=True)
>>>
    return env.from_string(QUOTE_SNIPPET).render(text=text, reviewer=reviewer)


@app.post("/$route/quote")
def ${entity}_quote():
    data = request.get_json(silent=True) or {}
    text = str(data.get("text", ""))[:500]
    reviewer = str(data.get("reviewer", "someone"))
    return render_${entity}_quote(text, reviewer), 200, {"Content-Type": "text/html"}
''',
        ),
        Skeleton(
            id="jinja2_autoescape.static_pages",
            context="script",
            feature="write one static HTML page per $entity from a JSON file into an output folder",
            imports=(
                "import json",
                "import os",
                "import re",
                "import sys",
                "from dataclasses import dataclass",
                "import jinja2",
            ),
            body='''
PAGE = """<!doctype html>
<title>{{ page.$field }}</title>
<h1>{{ page.$field }}</h1>
<p>{{ page.$field2 }}</p>
<p>{{ page.$field3 }}</p>
"""


@dataclass
class ${Entity}Page:
    $field: str
    $field2: str
    $field3: str

    @property
    def slug(self):
        return re.sub(r"[^a-z0-9]+", "-", self.$field.lower()).strip("-") or "untitled"


def write_${entity}_pages(pages, out_dir):
<<<
    env = jinja2.Environment(undefined=jinja2.StrictUndefined)
===
    env = jinja2.Environment(undefined=jinja2.StrictUndefined, autoescape=True)
>>>
    template = env.from_string(PAGE)
    os.makedirs(out_dir, exist_ok=True)
    for page in pages:
        with open(os.path.join(out_dir, page.slug + ".html"), "w", encoding="utf-8") as fh:
            fh.write(template.render(page=page))


if __name__ == "__main__":
    with open(sys.argv[1], encoding="utf-8") as fh:
        records = json.load(fh)
    pages = [
        ${Entity}Page(str(r.get("$field", "")), str(r.get("$field2", "")), str(r.get("$field3", "")))
        for r in records
    ]
    write_${entity}_pages(pages, sys.argv[2] if len(sys.argv) > 2 else "site")
''',
        ),
        Skeleton(
            id="jinja2_autoescape.html_export",
            context="web",
            feature="offer a download of the $plural list as an HTML file whose heading the visitor can choose",
            imports=(
                "from flask import Response",
                "from flask import request",
                "from jinja2 import Template",
            ),
            body="""
${plural}_rows = [
    {"$field": "first", "$field2": "alpha"},
    {"$field": "second", "$field2": "beta"},
]

EXPORT_HTML = (
    "<h1>{{ heading }}</h1><table>"
    "{% for row in rows %}<tr><td>{{ row.$field }}</td><td>{{ row.$field2 }}</td></tr>{% endfor %}"
    "</table>"
)
<<<
EXPORT_TEMPLATE = Template(EXPORT_HTML)
===
EXPORT_TEMPLATE = Template(EXPORT_HTML, autoescape=True)
>>>

@app.route("/$route/export.html")
def export_${plural}_html():
    heading = request.args.get("heading", "$Entity export")
    wanted = request.args.get("$field2")
    rows = [r for r in ${plural}_rows if not wanted or r["$field2"] == wanted]
    body = EXPORT_TEMPLATE.render(heading=heading, rows=rows)
    return Response(
        body,
        mimetype="text/html",
        headers={"Content-Disposition": "attachment; filename=$plural.html"},
    )
""",
        ),
    ),
)
