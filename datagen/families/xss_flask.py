from emgen.schemas.catalog import Family, Skeleton

FAMILY = Family(
    id="xss_flask",
    cwe="CWE-79",
    title="Reflected XSS: Flask response built from request data",
    rule_ids=("flask-response-from-request-data",),
    paper_weight=30,
    skeletons=(
        Skeleton(
            id="xss_flask.search_echo",
            context="web",
            feature="let visitors search $plural by $field and show their search term above the results",
            imports=("from flask import request",),
            secure_imports=("from markupsafe import escape",),
            body="""
$plural = [{"$field": "first"}, {"$field": "second"}]


@app.route("/$route/search")
def search_$plural():
    term = request.args.get("q", "")
    hits = [row for row in $plural if term.lower() in row["$field"].lower()]
    items = "".join(f"<li>{row['$field']}</li>" for row in hits)
<<<
    return f"<h2>Results for {term}</h2><ul>{items}</ul>"
===
    return f"<h2>Results for {escape(term)}</h2><ul>{items}</ul>"
>>>
""",
        ),
        Skeleton(
            id="xss_flask.author_heading",
            context="web",
            feature="show a page listing the $plural shared by one author, whose name comes from the URL",
            imports=("import sqlite3",),
            secure_imports=("import html",),
            body="""
def ${plural}_by_author(author):
    with sqlite3.connect("$db") as conn:
        conn.row_factory = sqlite3.Row
        return conn.execute(
            "SELECT $field, $field2 FROM $table WHERE author = ? ORDER BY $field", (author,)
        ).fetchall()


@app.route("/$route/by/<author>")
def author_$plural(author):
    rows = ${plural}_by_author(author)
    listing = "".join(f"<li>{row['$field']} ({row['$field2']})</li>" for row in rows)
<<<
    heading = "<h1>" + author + "'s $plural</h1>"
===
    heading = "<h1>" + html.escape(author) + "'s $plural</h1>"
>>>
    return heading + "<ul>" + listing + "</ul>", 200
""",
        ),
        Skeleton(
            id="xss_flask.form_error",
            context="web",
            feature="accept a form that adds a new $entity and tell the user when the $field they typed is too short",
            imports=(
                "from flask import make_response",
                "from flask import redirect",
                "from flask import request",
                "from flask import url_for",
            ),
            secure_imports=("from markupsafe import escape",),
            body="""
${plural}_added = []


@app.route("/$route/new", methods=["POST"])
def add_$entity():
    new_$field = request.form.get("$field", "").strip()
    new_$field2 = request.form.get("$field2", "").strip()
    if len(new_$field) < 3:
<<<
        message = f"<p class='error'>&ldquo;{new_$field}&rdquo; is too short for a $field.</p>"
===
        message = f"<p class='error'>&ldquo;{escape(new_$field)}&rdquo; is too short for a $field.</p>"
>>>
        return make_response(message, 400)
    ${plural}_added.append({"$field": new_$field, "$field2": new_$field2})
    return redirect(url_for("add_$entity"), code=303)
""",
        ),
        Skeleton(
            id="xss_flask.filter_table",
            context="web",
            feature="render an HTML table that echoes back each $field2 filter the visitor selected",
            imports=("from flask import Response", "from flask import request"),
            secure_imports=("from markupsafe import escape",),
            body="""
@app.get("/$route/filters")
def ${entity}_filters():
    chosen = request.args.getlist("$field2")
    rows = []
    for value in chosen:
<<<
        rows.append(f"<tr><td>{value}</td><td><a href='?'>remove</a></td></tr>")
===
        rows.append(f"<tr><td>{escape(value)}</td><td><a href='?'>remove</a></td></tr>")
>>>
    if not rows:
        rows.append("<tr><td colspan='2'>No filters selected</td></tr>")
    body = "<table><tr><th>$field2</th><th></th></tr>" + "".join(rows) + "</table>"
    return Response(body, mimetype="text/html")
""",
        ),
        Skeleton(
            id="xss_flask.greeting_template",
            context="web",
            feature="greet the visitor by the name given in the query string on the $plural welcome page",
            imports=("from flask import render_template_string", "from flask import request"),
            body="""
@app.route("/$route/welcome")
def welcome_${entity}_fan():
    name = request.args.get("name", "friend")
    count = len(request.args.getlist("$field"))
<<<
    page = (
        "<h1>Welcome, " + name + "!</h1>"
        "<p>You are following {{ count }} $plural.</p>"
    )
    return render_template_string(page, count=count)
===
    page = (
        "<h1>Welcome, {{ name }}!</h1>"
        "<p>You are following {{ count }} $plural.</p>"
    )
    return render_template_string(page, name=name, count=count)
>>>
""",
        ),
        Skeleton(
            id="xss_flask.preview_view",
            context="web",
            feature="let authors preview the description of a $entity before saving it",
            imports=("from flask import request", "from flask.views import MethodView"),
            secure_imports=("import html",),
            body="""
class ${Entity}PreviewView(MethodView):
    template = "<div class='preview'><h3>%s</h3><p>%s</p></div>"

    def post(self):
        heading = request.form.get("$field", "Untitled")
        description = request.form.get("description", "")
<<<
        return self.template % (heading, description.replace("\\n", "<br>"))
===
        return self.template % (html.escape(heading), html.escape(description).replace("\\n", "<br>"))
>>>


app.add_url_rule("/$route/preview", view_func=${Entity}PreviewView.as_view("${entity}_preview"))
""",
        ),
        Skeleton(
            id="xss_flask.back_link",
            context="web",
            feature="show a $entity detail page with a link back to the listing the visitor came from, labelled with that listing's name",
            imports=(
                "from flask import render_template_string",
                "from flask import request",
                "from markupsafe import Markup",
            ),
            body='''
DETAIL_PAGE = """
<nav>{{ crumb }}</nav>
<h1>{{ item.$field }}</h1>
<p>{{ item.$field2 }}</p>
"""

$plural = {1: {"$field": "first", "$field2": "one"}, 2: {"$field": "second", "$field2": "two"}}


@app.route("/$route/<int:${entity}_id>")
def show_$entity(${entity}_id):
    item = $plural.get(${entity}_id, {"$field": "missing", "$field2": ""})
    label = request.args.get("from", "All $plural")
<<<
    crumb = Markup(f"<a href='/$route'>&larr; {label}</a>")
===
    crumb = Markup("<a href='/$route'>&larr; {}</a>").format(label)
>>>
    return render_template_string(DETAIL_PAGE, crumb=crumb, item=item)
''',
        ),
        Skeleton(
            id="xss_flask.page_number",
            context="web",
            feature="page through the $plural list and answer with a short message when the page parameter is not a number",
            imports=("from flask import request",),
            secure_imports=("from markupsafe import escape",),
            body="""
PAGE_SIZE = 20
all_$plural = [f"$entity {n}" for n in range(1, 95)]


@app.route("/$route/pages")
def ${entity}_pages():
    requested = request.args.get("page", "1")
    try:
        page = int(requested)
    except ValueError:
<<<
        return "<p>There is no page called {}.</p>".format(requested), 400
===
        return "<p>There is no page called {}.</p>".format(escape(requested)), 400
>>>
    start = (max(page, 1) - 1) * PAGE_SIZE
    items = "".join(f"<li>{name}</li>" for name in all_$plural[start:start + PAGE_SIZE])
    return f"<h2>Page {page}</h2><ul>{items}</ul>"
""",
        ),
    ),
)
