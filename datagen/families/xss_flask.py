from emgen.datagen.core_parts import STEPS, WEB_SOURCES
from emgen.schemas.catalog import Composition, CoreResult, CoreSink, Family, Skeleton

# never `html`: a secure form calls html.escape
_HTML = ("page", "rendered", "content", "fragment", "snippet_html")
_ESC = ("from markupsafe import escape",)
_HTML_ESC = ("import html",)

# Each sink builds HTML around the input; its secure form escapes exactly that input (or, for a
# template, passes it as a variable the template escapes). HTML attributes use single quotes so
# the generated code needs no escaped double quotes.
SINKS = (
    CoreSink(
        id="fstring_heading",
        context="web",
        name="greet_$entity",
        phrase="build a heading that greets the visitor by $input",
        produces="html",
        out_names=_HTML,
        secure_imports=_ESC,
        insecure='$out = f"<h1>Hello, {$var}!</h1>"',
        secure='$out = f"<h1>Hello, {escape($var)}!</h1>"',
    ),
    CoreSink(
        id="concat_paragraph",
        context="web",
        name="show_$entity",
        phrase="build a paragraph that shows $input",
        produces="html",
        out_names=_HTML,
        secure_imports=_HTML_ESC,
        insecure='$out = "<p class=\'$entity\'>" + $var + "</p>"',
        secure='$out = "<p class=\'$entity\'>" + html.escape($var) + "</p>"',
    ),
    CoreSink(
        id="percent_single",
        context="web",
        name="preview_$entity",
        phrase="build a preview box that holds $input",
        produces="html",
        out_names=_HTML,
        secure_imports=_ESC,
        insecure="$out = \"<div class='preview'>%s</div>\" % $var",
        secure="$out = \"<div class='preview'>%s</div>\" % escape($var)",
    ),
    CoreSink(
        id="percent_tuple",
        context="web",
        name="describe_$entity",
        phrase="build a definition list entry that shows $input next to its length",
        produces="html",
        out_names=_HTML,
        secure_imports=_HTML_ESC,
        insecure='$out = "<dl><dt>$Field</dt><dd>%s</dd><dd>%d characters</dd></dl>" % (\n'
        "    $var,\n    len($var),\n)",
        secure='$out = "<dl><dt>$Field</dt><dd>%s</dd><dd>%d characters</dd></dl>" % (\n'
        "    html.escape($var),\n    len($var),\n)",
    ),
    CoreSink(
        id="format_positional",
        context="web",
        name="label_$entity",
        phrase="build a label that reads $input",
        produces="html",
        out_names=_HTML,
        secure_imports=_HTML_ESC,
        insecure="$out = \"<span class='label'>{}</span>\".format($var)",
        secure="$out = \"<span class='label'>{}</span>\".format(html.escape($var))",
    ),
    CoreSink(
        id="format_keyword",
        context="web",
        name="title_$entity",
        phrase="build a page title and a matching heading from $input",
        produces="html",
        out_names=_HTML,
        secure_imports=_ESC,
        insecure='$out = "<title>{label}</title><h1>{label}</h1>".format(label=$var)',
        secure='$out = "<title>{label}</title><h1>{label}</h1>".format(label=escape($var))',
    ),
    CoreSink(
        id="join_parts",
        context="web",
        name="list_$plural",
        phrase="build a one-item list that shows $input",
        produces="html",
        out_names=_HTML,
        secure_imports=_ESC,
        insecure='parts = ["<ul>", "<li>", $var, "</li>", "</ul>"]\n$out = "".join(parts)',
        secure='parts = ["<ul>", "<li>", escape($var), "</li>", "</ul>"]\n$out = "".join(parts)',
    ),
    CoreSink(
        id="append_loop",
        context="web",
        name="tag_$plural",
        phrase="build a list with one item for each comma-separated word of $input",
        produces="html",
        out_names=_HTML,
        secure_imports=_ESC,
        insecure='items = []\nfor word in $var.split(","):\n'
        '    items.append(f"<li>{word.strip()}</li>")\n'
        '$out = "<ul>" + "".join(items) + "</ul>"',
        secure='items = []\nfor word in $var.split(","):\n'
        '    items.append(f"<li>{escape(word.strip())}</li>")\n'
        '$out = "<ul>" + "".join(items) + "</ul>"',
    ),
    CoreSink(
        id="generator_join",
        context="web",
        name="badge_$plural",
        phrase="build a badge for each word of $input",
        produces="html",
        out_names=_HTML,
        secure_imports=_HTML_ESC,
        # The words are named first: Semgrep taints a join over a comprehension whose iterable
        # is a method call even when every element is escaped.
        insecure="words = $var.split()\n"
        '$out = "".join(f"<span class=\'badge\'>{word}</span>" for word in words)',
        secure="words = $var.split()\n"
        '$out = "".join(f"<span class=\'badge\'>{html.escape(word)}</span>" for word in words)',
    ),
    CoreSink(
        id="conditional",
        context="web",
        name="search_$plural",
        phrase="build a line that repeats $input as the search term (or a hint when it is empty)",
        produces="html",
        out_names=_HTML,
        secure_imports=_ESC,
        insecure='$out = f"<p>Results for <b>{$var}</b></p>" if $var else "<p>Type a word.</p>"',
        secure='$out = f"<p>Results for <b>{escape($var)}</b></p>" if $var else "<p>Type a word.</p>"',
    ),
    CoreSink(
        id="augmented",
        context="web",
        name="summary_$entity",
        phrase="build a summary section around $input",
        produces="html",
        out_names=_HTML,
        secure_imports=_HTML_ESC,
        insecure='$out = "<section>"\n$out += "<h2>$Field</h2>"\n'
        '$out += "<p>" + $var + "</p>"\n$out += "</section>"',
        secure='$out = "<section>"\n$out += "<h2>$Field</h2>"\n'
        '$out += "<p>" + html.escape($var) + "</p>"\n$out += "</section>"',
    ),
    CoreSink(
        id="shortened",
        context="web",
        name="teaser_$entity",
        phrase="build a short teaser of $input that shows the full text as a tooltip",
        produces="html",
        out_names=_HTML,
        imports=("import textwrap",),
        secure_imports=_ESC,
        insecure='short = textwrap.shorten($var, width=60, placeholder="...")\n'
        "$out = f\"<p class='teaser' title='{$var}'>{short}</p>\"",
        secure='short = textwrap.shorten($var, width=60, placeholder="...")\n'
        "$out = f\"<p class='teaser' title='{escape($var)}'>{escape(short)}</p>\"",
    ),
    CoreSink(
        id="template_string",
        context="web",
        name="welcome_$entity",
        phrase="render a welcome line for $input",
        produces="html",
        out_names=_HTML,
        imports=("from flask import render_template_string",),
        insecure='$out = render_template_string("<h2>Welcome, " + $var + "</h2>")',
        secure='$out = render_template_string("<h2>Welcome, {{ name }}</h2>", name=$var)',
    ),
    CoreSink(
        id="make_response_direct",
        context="web",
        name="echo_$field",
        phrase="build an HTML response that echoes $input",
        produces="response",
        out_names=("response", "resp", "reply"),
        imports=("from flask import make_response",),
        secure_imports=_ESC,
        insecure='$out = make_response(f"<p>You sent: {$var}</p>")',
        secure='$out = make_response(f"<p>You sent: {escape($var)}</p>")',
    ),
    CoreSink(
        id="response_object",
        context="web",
        name="render_$entity",
        phrase="build an HTML response that shows $input in bold",
        produces="response",
        out_names=("response", "resp", "reply"),
        imports=("from flask import Response",),
        secure_imports=_HTML_ESC,
        insecure='$out = Response("<b>" + $var + "</b>", mimetype="text/html")',
        secure='$out = Response("<b>" + html.escape($var) + "</b>", mimetype="text/html")',
    ),
    CoreSink(
        id="set_data",
        context="web",
        name="quote_$entity",
        phrase="build an HTML response whose body quotes $input",
        produces="response",
        out_names=("response", "resp", "reply"),
        imports=("from flask import make_response",),
        secure_imports=_ESC,
        insecure='$out = make_response()\n$out.set_data("<blockquote>%s</blockquote>" % $var)',
        secure="$out = make_response()\n"
        '$out.set_data("<blockquote>%s</blockquote>" % escape($var))',
    ),
    CoreSink(
        id="markup_fstring",
        context="web",
        name="crumb_$entity",
        phrase="build a breadcrumb link labelled with $input",
        produces="markup",
        out_names=("crumb", "link", "markup"),
        imports=("from markupsafe import Markup",),
        secure_imports=_ESC,
        insecure="$out = Markup(f\"<a href='/$route'>{$var}</a>\")",
        secure="$out = Markup(f\"<a href='/$route'>{escape($var)}</a>\")",
    ),
    CoreSink(
        id="markup_percent",
        context="web",
        name="highlight_$entity",
        phrase="build a highlighted snippet of $input",
        produces="markup",
        out_names=("snippet", "highlighted", "markup"),
        imports=("from markupsafe import Markup",),
        secure_imports=_ESC,
        insecure='$out = Markup("<mark>%s</mark>" % $var)',
        secure='$out = Markup("<mark>%s</mark>" % escape($var))',
    ),
)

RESULTS = (
    CoreResult(
        id="return_page",
        context="web",
        consumes=("html", "markup"),
        phrase="return it as the page",
        code="return $out",
    ),
    CoreResult(
        id="return_status",
        context="web",
        consumes=("html", "markup", "response"),
        phrase="send it back with a 200 status",
        code="return $out, 200",
    ),
    CoreResult(
        id="make_response",
        context="web",
        consumes=("html", "markup"),
        phrase="send it in a response",
        code="return make_response($out)",
        imports=("from flask import make_response",),
    ),
    CoreResult(
        id="no_store",
        context="web",
        consumes=("html",),
        phrase="send it in a response that browsers must not cache",
        code='response = make_response($out)\nresponse.headers["Cache-Control"] = "no-store"\n'
        "return response",
        imports=("from flask import make_response",),
    ),
    CoreResult(
        id="html_response",
        context="web",
        consumes=("html", "markup"),
        phrase="send it as an HTML response",
        code='return Response($out, mimetype="text/html")',
        imports=("from flask import Response",),
    ),
    CoreResult(
        id="full_page",
        context="web",
        consumes=("html",),
        phrase="wrap it in a complete HTML document",
        code='document = "<!doctype html><html><body>" + $out + "</body></html>"\nreturn document',
    ),
    CoreResult(
        id="layout_template",
        context="web",
        consumes=("markup",),
        phrase="render it inside a page layout with the $entity heading",
        code='return render_template_string(\n    "<main><h1>$Entity</h1>{{ content }}</main>", '
        "content=$out\n)",
        imports=("from flask import render_template_string",),
    ),
    CoreResult(
        id="return_response",
        context="web",
        consumes=("response",),
        phrase="return that response",
        code="return $out",
    ),
    CoreResult(
        id="response_no_store",
        context="web",
        consumes=("response",),
        phrase="tell browsers not to cache it before returning it",
        code='$out.headers["Cache-Control"] = "no-store"\nreturn $out',
    ),
    CoreResult(
        id="response_mimetype",
        context="web",
        consumes=("response",),
        phrase="mark it as HTML before returning it",
        code='$out.mimetype = "text/html"\nreturn $out',
    ),
    CoreResult(
        id="response_cookie",
        context="web",
        consumes=("response",),
        phrase="set a cookie that marks the page as seen before returning it",
        code='$out.set_cookie("${entity}_seen", "1", max_age=3600)\nreturn $out',
    ),
)

FAMILY = Family(
    id="xss_flask",
    cwe="CWE-79",
    title="Reflected XSS: Flask response built from request data",
    rule_ids=("flask-response-from-request-data",),
    paper_weight=30,
    composition=Composition(sources=WEB_SOURCES, steps=STEPS, sinks=SINKS, results=RESULTS),
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
