import base64
import re
from http.server import BaseHTTPRequestHandler
from urllib.parse import parse_qs, unquote, urljoin, urlparse, urlsplit

from flask import Flask, Response, abort, make_response, redirect, request, url_for

app = Flask(__name__)
PARTNER_HOSTS = {"partner.example.com"}
RETURN_PAGES = ("/recipes", "/recipes/new")


@app.route("/prefs/sort")
def sort_bad():
    next_url = request.args.get("next") or "/recipes"
    # ruleid: redirect-to-request-url
    response = make_response(redirect(next_url))
    response.set_cookie("sort", request.args.get("order", "title"))
    return response


@app.route("/prefs/sort2")
def sort_good():
    next_url = request.args.get("next", "")
    joined = urljoin(request.host_url, next_url)
    parts = urlsplit(joined)
    if parts.scheme not in ("http", "https") or parts.netloc != urlsplit(request.host_url).netloc:
        joined = "/recipes"
    # ok: redirect-to-request-url
    response = make_response(redirect(joined))
    return response


@app.route("/recipes/<int:recipe_id>/visit")
def visit_bad(recipe_id):
    target = request.args.get("url", "")
    # ruleid: redirect-to-request-url
    return redirect(target)


@app.route("/recipes/<int:recipe_id>/visit2")
def visit_good(recipe_id):
    target = request.args.get("url", "").replace("\\", "/")
    parts = urlsplit(target)
    if parts.scheme not in ("http", "https") or parts.hostname not in PARTNER_HOSTS:
        abort(400)
    # ok: redirect-to-request-url
    return redirect(target)


@app.post("/recipes/draft/discard")
def discard_bad():
    # ruleid: redirect-to-request-url
    return redirect(request.form.get("return_to", "/recipes"))


@app.post("/recipes/draft/discard2")
def discard_good():
    return_to = request.form.get("return_to", "/recipes")
    if return_to not in RETURN_PAGES:
        return_to = "/recipes"
    # ok: redirect-to-request-url
    return redirect(return_to)


@app.route("/recipes/view-mode/<mode>")
def mode_bad(mode):
    # ruleid: redirect-to-request-url
    response = redirect(request.referrer or "/recipes")
    response.set_cookie("mode", mode)
    return response


@app.route("/recipes/view-mode2/<mode>")
def mode_good(mode):
    back = request.referrer or ""
    if urlsplit(back).netloc != request.host:
        back = "/recipes"
    # ok: redirect-to-request-url
    response = redirect(back)
    response.set_cookie("mode", mode)
    return response


@app.post("/recipes")
def create_bad():
    response = Response(status=303)
    # ruleid: redirect-to-request-url
    response.headers["Location"] = request.form.get("origin", "/recipes")
    return response


@app.post("/recipes2")
def create_good():
    response = Response(status=303)
    origin = request.form.get("origin", "")
    if not re.fullmatch(r"/[\w\-/]*", origin) or origin.startswith("//"):
        origin = "/recipes"
    # ok: redirect-to-request-url
    response.headers["Location"] = origin
    return response


class LinkHandler(BaseHTTPRequestHandler):
    def do_GET(self):
        query = parse_qs(urlsplit(self.path).query)
        target = query.get("to", [""])[0]
        self.send_response(302)
        # ruleid: redirect-to-request-url
        self.send_header("Location", target)
        self.end_headers()


class CheckedLinkHandler(BaseHTTPRequestHandler):
    def do_GET(self):
        query = parse_qs(urlsplit(self.path).query)
        target = query.get("to", [""])[0].replace("\\", "/")
        parts = urlsplit(target)
        if parts.scheme != "https" or parts.hostname not in PARTNER_HOSTS:
            self.send_error(400)
            return
        self.send_response(302)
        # ok: redirect-to-request-url
        self.send_header("Location", target)
        self.end_headers()


@app.route("/recipes/<slug>/go")
def local_path(slug):
    # ok: redirect-to-request-url
    return redirect("/recipes/" + slug)


@app.route("/recipes/<slug>/edit")
def local_fstring(slug):
    # ok: redirect-to-request-url
    return redirect(f"/recipes/{slug}?saved=1")


@app.route("/recipes/jump")
def jump_bad():
    page = request.args.get("page", "")
    # ruleid: redirect-to-request-url
    return redirect(f"{page}?from=jump")


@app.route("/recipes/after-login")
def after_login_good():
    # ok: redirect-to-request-url
    return redirect(url_for("sort_bad", order=request.args.get("order")))


def is_safe_redirect(url):
    return urlparse(url).netloc == ""


@app.route("/recipes/helper")
def helper_checked():
    target = request.args.get("next", "/")
    if not is_safe_redirect(target):
        target = "/"
    # ok: redirect-to-request-url
    return redirect(target)


@app.route("/recipes/out/<path:dest>")
def out_bad(dest):
    # ruleid: redirect-to-request-url
    return redirect(dest, code=301)


def django_view(request):
    from django.shortcuts import redirect as dj_redirect
    # ruleid: redirect-to-request-url
    return dj_redirect(request.GET.get("next"))


@app.route("/recipes/<int:recipe_id>/follow", methods=["POST"])
def follow_bad(recipe_id):
    target = request.values.get("next", f"/recipes/{recipe_id}")
    # ruleid: redirect-to-request-url
    return redirect(target)


@app.route("/recipes/<int:recipe_id>/follow2", methods=["POST"])
def follow_good(recipe_id):
    target = request.values.get("next", f"/recipes/{recipe_id}")
    parsed = urlparse(target)
    if parsed.scheme or parsed.netloc or not target.startswith("/") or target.startswith(("//", "/\\")):
        target = f"/recipes/{recipe_id}"
    # ok: redirect-to-request-url
    return redirect(target)


# Forms the composed cores use (datagen/families/open_redirect.py SINKS and STEPS).
@app.route("/recipes/continue")
def continue_bad():
    target = request.referrer or ""
    # ruleid: redirect-to-request-url
    response = redirect(target, code=303)
    return response


@app.route("/recipes/continue2")
def continue_good():
    target = request.referrer or ""
    target = urljoin(request.host_url, target)
    if urlsplit(target).netloc != urlsplit(request.host_url).netloc:
        target = "/recipes"
    # ok: redirect-to-request-url
    response = redirect(target, code=303)
    return response


@app.post("/recipes/leave")
def leave_bad():
    target = request.form.get("return_to", "")
    # ruleid: redirect-to-request-url
    response = Response(status=303, headers={"Location": target})
    return response


@app.post("/recipes/leave2")
def leave_good():
    target = request.form.get("return_to", "")
    if target not in ("/recipes", "/recipes/new"):
        target = "/recipes"
    # ok: redirect-to-request-url
    response = Response(status=303, headers={"Location": target})
    return response


@app.route("/recipes/visit-partner")
def location_attr_bad():
    target = request.args["url"]
    response = make_response("", 302)
    # ruleid: redirect-to-request-url
    response.location = target
    return response


@app.route("/recipes/visit-partner2")
def location_attr_good():
    target = request.args["url"].replace("\\", "/")
    parts = urlsplit(target)
    if parts.scheme != "https" or parts.hostname not in PARTNER_HOSTS:
        abort(400)
    response = make_response("", 302)
    # ok: redirect-to-request-url
    response.location = target
    return response


@app.route("/recipes/jump2")
def headers_set_bad():
    target = unquote(request.cookies.get("recipe_return", ""))
    response = make_response("", 307)
    # ruleid: redirect-to-request-url
    response.headers.set("Location", target)
    return response


@app.route("/recipes/jump3")
def headers_set_good():
    target = unquote(request.cookies.get("recipe_return", ""))
    if not target.startswith("/") or target.startswith(("//", "/\\")):
        target = "/recipes"
    response = make_response("", 307)
    # ok: redirect-to-request-url
    response.headers.set("Location", target)
    return response


@app.route("/recipes/open/<path:target>")
def open_joined_bad(target):
    target = "/" + target
    # ruleid: redirect-to-request-url
    return redirect(urljoin(request.host_url, target))


@app.route("/recipes/open2/<path:target>")
def open_joined_good(target):
    target = urljoin(request.host_url, "/" + target)
    if urlsplit(target).netloc != request.host:
        target = "/recipes"
    # ok: redirect-to-request-url
    return redirect(target)


@app.route("/recipes/finish", methods=["GET", "POST"])
def finish_bad():
    target = request.values.get("redirect", "/").partition("#")[0]
    # ruleid: redirect-to-request-url
    return redirect(target if target else "/recipes")


@app.route("/recipes/resume")
def resume_bad():
    state = request.args.get("state", "")
    target = base64.urlsafe_b64decode(state).decode()
    # ruleid: redirect-to-request-url
    return redirect(target)


@app.route("/recipes/resume2")
def resume_good():
    state = request.args.get("state", "")
    target = base64.urlsafe_b64decode(state).decode()
    if not target.startswith("/") or target.startswith(("//", "/\\")):
        target = "/recipes"
    # ok: redirect-to-request-url
    return redirect(target)


@app.post("/recipes/login")
def nested_next_bad():
    payload = request.get_json(silent=True) or {}
    address = str(payload.get("redirect_uri", ""))
    target = parse_qs(urlsplit(address).query).get("next", ["/"])[0]
    # ruleid: redirect-to-request-url
    return Response(status=302, headers={"Location": target})


@app.post("/recipes/login2")
def nested_next_good():
    payload = request.get_json(silent=True) or {}
    address = str(payload.get("redirect_uri", ""))
    target = parse_qs(urlsplit(address).query).get("next", ["/"])[0]
    if urlsplit(target).netloc or urlsplit(target).scheme or target.startswith(("//", "/\\")):
        target = "/recipes"
    # ok: redirect-to-request-url
    return Response(status=302, headers={"Location": target})
