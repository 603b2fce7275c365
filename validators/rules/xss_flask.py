import html
import os
import textwrap

from flask import Flask, Response, jsonify, make_response, redirect, render_template, render_template_string, request, send_file, url_for
from flask.views import MethodView
from markupsafe import Markup, escape

app = Flask(__name__)
recipes = [{"title": "first"}, {"title": "second"}]


@app.route("/recipes/search")
def search_bad():
    term = request.args.get("q", "")
    hits = [row for row in recipes if term.lower() in row["title"].lower()]
    items = "".join(f"<li>{row['title']}</li>" for row in hits)
    # ruleid: flask-response-from-request-data
    return f"<h2>Results for {term}</h2><ul>{items}</ul>"


@app.route("/recipes/search2")
def search_good():
    term = request.args.get("q", "")
    hits = [row for row in recipes if term.lower() in row["title"].lower()]
    items = "".join(f"<li>{row['title']}</li>" for row in hits)
    # ok: flask-response-from-request-data
    return f"<h2>Results for {escape(term)}</h2><ul>{items}</ul>"


@app.route("/recipes/by/<author>")
def by_author_bad(author):
    # ruleid: flask-response-from-request-data
    return "<h1>" + author + "</h1>", 200


@app.route("/recipes/by2/<string:author>")
def by_author_good(author):
    # ok: flask-response-from-request-data
    return "<h1>" + html.escape(author) + "</h1>", 200


@app.route("/recipes/<int:recipe_id>/deleted")
def deleted(recipe_id):
    # ok: flask-response-from-request-data
    return f"<p>Recipe {recipe_id} deleted</p>"


@app.post("/recipes/new")
def create_bad():
    title = request.form.get("title", "").strip()
    if len(title) < 3:
        # ruleid: flask-response-from-request-data
        return make_response(f"<p>Title {title} is too short</p>", 400)
    return redirect(url_for("search_good"))


@app.post("/recipes/new2")
def create_good():
    title = request.form.get("title", "").strip()
    if len(title) < 3:
        # ok: flask-response-from-request-data
        return make_response(f"<p>Title {escape(title)} is too short</p>", 400)
    return redirect(url_for("search_good"))


@app.route("/recipes/table")
def table_bad():
    rows = []
    for value in request.args.getlist("title"):
        rows.append(f"<tr><td>{value}</td></tr>")
    body = "<table>" + "".join(rows) + "</table>"
    # ruleid: flask-response-from-request-data
    return Response(body, mimetype="text/html")


@app.route("/recipes/table2")
def table_good():
    rows = []
    for value in request.args.getlist("title"):
        rows.append(f"<tr><td>{escape(value)}</td></tr>")
    body = "<table>" + "".join(rows) + "</table>"
    # ok: flask-response-from-request-data
    return Response(body, mimetype="text/html")


@app.route("/recipes/export")
def export_plain():
    title = request.args.get("title", "")
    # ok: flask-response-from-request-data
    return Response(f"title,{title}\n", mimetype="text/csv")


@app.route("/recipes/hello")
def hello_bad():
    name = request.args.get("name", "guest")
    # ruleid: flask-response-from-request-data
    return render_template_string(f"<h1>Hello {name}</h1>")


@app.route("/recipes/hello2")
def hello_good():
    name = request.args.get("name", "guest")
    # ok: flask-response-from-request-data
    return render_template_string("<h1>Hello {{ name }}</h1>", name=name)


@app.route("/recipes/hello3")
def hello_file_template():
    name = request.args.get("name", "guest")
    # ok: flask-response-from-request-data
    return make_response(render_template("hello.html", name=name))


class RecipePreview(MethodView):
    def post(self):
        text = request.form["body"]
        # ruleid: flask-response-from-request-data
        return "<div class='preview'>%s</div>" % text


class RecipePreviewEscaped(MethodView):
    def post(self):
        text = request.form["body"]
        # ok: flask-response-from-request-data
        return "<div class='preview'>%s</div>" % html.escape(text)


@app.route("/recipes/crumb")
def crumb_bad():
    label = request.args.get("from", "recipes")
    # ruleid: flask-response-from-request-data
    crumb = Markup(f"<a href='/recipes'>{label}</a>")
    return render_template_string("<nav>{{ crumb }}</nav>", crumb=crumb)


@app.route("/recipes/crumb2")
def crumb_good():
    label = request.args.get("from", "recipes")
    # ok: flask-response-from-request-data
    crumb = Markup("<a href='/recipes'>{}</a>").format(label)
    return render_template_string("<nav>{{ crumb }}</nav>", crumb=crumb)


@app.route("/recipes/page")
def page_bad():
    try:
        page = int(request.args.get("page", "1"))
    except ValueError:
        # ruleid: flask-response-from-request-data
        return "<p>Not a page number: {}</p>".format(request.args.get("page")), 400
    return f"<p>Page {page}</p>"


@app.route("/recipes/page2")
def page_good():
    page = request.args.get("page", 1, type=int)
    # ok: flask-response-from-request-data
    return f"<p>Page {page}</p>"


@app.route("/recipes/welcome")
def welcome_bad():
    who = request.cookies.get("display_name", "cook")
    greeting = "<p>Welcome back, " + who + "!</p>"
    # ruleid: flask-response-from-request-data
    return greeting


@app.route("/recipes/tags")
def tags_bad():
    tags = request.args.getlist("tag")
    # ruleid: flask-response-from-request-data
    return "<ul>" + "".join(f"<li>{t}</li>" for t in tags) + "</ul>"


@app.route("/recipes/tags2")
def tags_good():
    tags = request.args.getlist("tag")
    # ok: flask-response-from-request-data
    return "<ul>" + "".join(f"<li>{escape(t)}</li>" for t in tags) + "</ul>"


@app.route("/recipes/lookup")
def lookup(db):
    term = request.args.get("q", "")
    row = db.execute("SELECT title FROM recipes WHERE title = ?", (term,)).fetchone()
    # ok: flask-response-from-request-data
    return f"<h1>{row['title']}</h1>"


@app.route("/recipes/api")
def api_echo():
    term = request.args.get("q", "")
    # ok: flask-response-from-request-data
    return jsonify({"q": term})


@app.route("/recipes/api2")
def api_dict():
    term = request.args.get("q", "")
    # ok: flask-response-from-request-data
    return {"q": term}


@app.route("/recipes/go")
def go():
    target = request.args.get("next", "/")
    # ok: flask-response-from-request-data
    return redirect(target)


@app.errorhandler(404)
def not_found(error):
    # ruleid: flask-response-from-request-data
    return f"<p>No page at {request.path}</p>", 404


def build_cache_key():
    # ok: flask-response-from-request-data
    return f"{request.path}?{request.args.get('q')}"


@app.post("/recipes/create")
def create_with_location():
    response = Response(status=303)
    response.headers["Location"] = request.form.get("origin", "/recipes")
    # ok: flask-response-from-request-data
    return response


@app.post("/recipes/create2")
def create_with_cookie():
    response = make_response(redirect("/recipes"))
    response.set_cookie("last", request.form.get("title", ""))
    # ok: flask-response-from-request-data
    return response, 303


@app.post("/recipes/echo")
def echo_json():
    payload = request.get_json(silent=True) or {}
    # ok: flask-response-from-request-data
    return payload, 201


@app.post("/recipes/echo2")
def echo_json_field():
    payload = request.get_json(silent=True) or {}
    # ruleid: flask-response-from-request-data
    return f"<p>{payload.get('title')}</p>"


def render_results(term):
    return "<ul></ul>"


@app.route("/recipes/helper")
def helper_page():
    term = request.args.get("q", "")
    # ok: flask-response-from-request-data
    return make_response(render_results(term))


@app.route("/recipes/file")
def file_download():
    name = request.args.get("file", "")
    # ok: flask-response-from-request-data
    return send_file(os.path.join("files", name))


@app.route("/recipes/welcome-page")
def welcome_page_bad():
    name = request.args.get("name", "friend")
    page = (
        "<h1>Welcome, " + name + "!</h1>"
        "<p>You follow {{ count }} recipes.</p>"
    )
    # ruleid: flask-response-from-request-data
    return render_template_string(page, count=3)


@app.route("/recipes/welcome-page2")
def welcome_page_good():
    name = request.args.get("name", "friend")
    page = (
        "<h1>Welcome, {{ name }}!</h1>"
        "<p>You follow {{ count }} recipes.</p>"
    )
    # ok: flask-response-from-request-data
    return render_template_string(page, name=name, count=3)


# Forms the composed cores use (datagen/families/xss_flask.py SINKS and STEPS).
@app.route("/recipes/describe")
def describe_bad():
    title = request.args.get("title", "")
    # ruleid: flask-response-from-request-data
    return "<dd>%s</dd><dd>%d characters</dd>" % (title, len(title))


@app.route("/recipes/describe2")
def describe_good():
    title = request.args.get("title", "")
    # ok: flask-response-from-request-data
    return "<dd>%s</dd><dd>%d characters</dd>" % (html.escape(title), len(title))


@app.route("/recipes/title")
def title_keyword_bad():
    title = request.args.get("title", "")
    page = "<title>{label}</title><h1>{label}</h1>".format(label=title)
    # ruleid: flask-response-from-request-data
    return page, 200


@app.route("/recipes/title2")
def title_keyword_good():
    title = request.args.get("title", "")
    page = "<title>{label}</title><h1>{label}</h1>".format(label=escape(title))
    # ok: flask-response-from-request-data
    return page, 200


@app.route("/recipes/list")
def list_parts_bad():
    title = request.form.get("title", "")
    parts = ["<ul>", "<li>", title, "</li>", "</ul>"]
    page = "".join(parts)
    # ruleid: flask-response-from-request-data
    return make_response(page)


@app.route("/recipes/list2")
def list_parts_good():
    title = request.form.get("title", "")
    parts = ["<ul>", "<li>", escape(title), "</li>", "</ul>"]
    page = "".join(parts)
    # ok: flask-response-from-request-data
    return make_response(page)


@app.route("/recipes/tag")
def tag_loop_bad():
    title = request.args["title"]
    items = []
    for word in title.split(","):
        items.append(f"<li>{word.strip()}</li>")
    page = "<ul>" + "".join(items) + "</ul>"
    # ruleid: flask-response-from-request-data
    return page


@app.route("/recipes/tag2")
def tag_loop_good():
    title = request.args["title"]
    items = []
    for word in title.split(","):
        items.append(f"<li>{escape(word.strip())}</li>")
    page = "<ul>" + "".join(items) + "</ul>"
    # ok: flask-response-from-request-data
    return page


@app.route("/recipes/badge")
def badge_bad():
    title = request.cookies.get("recipe_title") or ""
    words = title.split()
    page = "".join(f"<span class='badge'>{word}</span>" for word in words)
    # ruleid: flask-response-from-request-data
    return Response(page, mimetype="text/html")


@app.route("/recipes/badge2")
def badge_good():
    title = request.cookies.get("recipe_title") or ""
    words = title.split()
    page = "".join(f"<span class='badge'>{html.escape(word)}</span>" for word in words)
    # ok: flask-response-from-request-data
    return Response(page, mimetype="text/html")


@app.route("/recipes/badge3")
def badge_split_inline_good():
    title = request.args.get("title", "")
    # Semgrep taints a join over a comprehension whose iterable is a method call, escaped or not.
    # todook: flask-response-from-request-data
    return "".join(f"<span>{escape(word)}</span>" for word in title.split())


@app.route("/recipes/search-line")
def search_line_bad():
    term = request.headers.get("X-Recipe-Title", "")
    line = f"<p>Results for <b>{term}</b></p>" if term else "<p>Type a word.</p>"
    # ruleid: flask-response-from-request-data
    return line


@app.route("/recipes/search-line2")
def search_line_good():
    term = request.headers.get("X-Recipe-Title", "")
    line = f"<p>Results for <b>{escape(term)}</b></p>" if term else "<p>Type a word.</p>"
    # ok: flask-response-from-request-data
    return line


@app.route("/recipes/summary/<title>")
def summary_bad(title):
    page = "<section>"
    page += "<p>" + title + "</p>"
    page += "</section>"
    # ruleid: flask-response-from-request-data
    return page


@app.route("/recipes/summary2/<title>")
def summary_good(title):
    page = "<section>"
    page += "<p>" + html.escape(title) + "</p>"
    page += "</section>"
    # ok: flask-response-from-request-data
    return page


@app.post("/recipes/teaser")
def teaser_bad():
    payload = request.get_json(silent=True) or {}
    text = str(payload.get("title", ""))
    short = textwrap.shorten(text, width=60, placeholder="...")
    page = f"<p title='{text}'>{short}</p>"
    # ruleid: flask-response-from-request-data
    return page


@app.post("/recipes/teaser2")
def teaser_good():
    payload = request.get_json(silent=True) or {}
    text = str(payload.get("title", ""))
    short = textwrap.shorten(text, width=60, placeholder="...")
    page = f"<p title='{escape(text)}'>{escape(short)}</p>"
    # ok: flask-response-from-request-data
    return page


@app.route("/recipes/welcome-line")
def welcome_line_bad():
    name = request.args.get("name", "")
    # ruleid: flask-response-from-request-data
    page = render_template_string("<h2>Welcome, " + name + "</h2>")
    return page


@app.route("/recipes/welcome-line2")
def welcome_line_good():
    name = request.args.get("name", "")
    # ok: flask-response-from-request-data
    page = render_template_string("<h2>Welcome, {{ name }}</h2>", name=name)
    return page


@app.route("/recipes/quote")
def quote_bad():
    text = request.args.get("text", "")
    response = make_response()
    # ruleid: flask-response-from-request-data
    response.set_data("<blockquote>%s</blockquote>" % text)
    response.headers["Cache-Control"] = "no-store"
    return response


@app.route("/recipes/quote2")
def quote_good():
    text = request.args.get("text", "")
    response = make_response()
    # ok: flask-response-from-request-data
    response.set_data("<blockquote>%s</blockquote>" % escape(text))
    response.headers["Cache-Control"] = "no-store"
    return response


@app.route("/recipes/highlight")
def highlight_bad():
    text = request.args.get("text", "")
    # ruleid: flask-response-from-request-data
    snippet = Markup("<mark>%s</mark>" % text)
    return render_template_string("<main>{{ content }}</main>", content=snippet)


@app.route("/recipes/highlight2")
def highlight_good():
    text = request.args.get("text", "")
    # ok: flask-response-from-request-data
    snippet = Markup("<mark>%s</mark>" % escape(text))
    return render_template_string("<main>{{ content }}</main>", content=snippet)


@app.route("/recipes/short-title")
def short_title_bad():
    title = request.args.get("title", "")
    title = title[:200]
    # ruleid: flask-response-from-request-data
    return f"<h1>{title}</h1>"


@app.route("/recipes/short-title2")
def short_title_good():
    title = request.args.get("title", "")
    title = title[:200]
    # ok: flask-response-from-request-data
    return f"<h1>{escape(title)}</h1>"


@app.route("/recipes/short-title3")
def short_title_renamed():
    title = request.args.get("title", "")
    short = title[:200]
    # Semgrep drops taint at a slice (semgrep#6203); only the reassigning form is seen.
    # todoruleid: flask-response-from-request-data
    return f"<h1>{short}</h1>"


# The propagators bind the function called, not each sub-expression: these pin what that keeps.
@app.route("/recipes/str-later")
def str_later_good():
    title = request.args.get("title", "")
    shown = str(title)
    app.logger.info(shown)
    # `str` carried taint for the call above only, not for every later call of it
    # ok: flask-response-from-request-data
    return str(42)


@app.route("/recipes/method-chain")
def method_chain_bad():
    title = request.args.get("title", "")
    # ruleid: flask-response-from-request-data
    return "<h1>" + title.strip().title().replace("_", " ") + "</h1>"


@app.route("/recipes/loop-name")
def loop_name_good():
    titles = request.args.getlist("title")
    title = "Recipes"
    cards = [title for title in titles]
    app.logger.info(cards)
    # the comprehension's own `title` does not leak into the view's
    # ok: flask-response-from-request-data
    return f"<h1>{title}</h1>"


@app.route("/recipes/loop-items")
def loop_items_bad():
    titles = request.args.getlist("title")
    cards = [title for title in titles]
    # ruleid: flask-response-from-request-data
    return "".join(cards)


@app.route("/recipes/nested")
def nested_bad():
    groups = request.args.getlist("group")
    rows = [[f"<i>{word}</i>" for word in group] for group in groups]
    # ruleid: flask-response-from-request-data
    return str(rows)


@app.route("/recipes/half-escaped")
def half_escaped_bad():
    titles = request.args.getlist("title")
    rows = [(escape(title), title) for title in titles]
    # ruleid: flask-response-from-request-data
    return str(rows)


@app.route("/recipes/constant-rows")
def constant_rows_good():
    titles = request.args.getlist("title")
    rows = ["<li>recipe</li>" for title in titles]
    # ok: flask-response-from-request-data
    return "".join(rows)
