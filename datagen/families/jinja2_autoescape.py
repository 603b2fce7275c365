from emgen.schemas.catalog import Family, Skeleton

FAMILY = Family(
    id="jinja2_autoescape",
    cwe="CWE-79",
    title="XSS: Jinja2 environment or template rendering HTML with autoescaping off",
    rule_ids=("jinja2-autoescape-disabled",),
    paper_weight=15,
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
