import html
import os

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
