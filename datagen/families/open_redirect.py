from emgen.datagen.core_parts import (
    STEPS,
    form_source,
    json_body_source,
    query_required_source,
    query_source,
    too_long_web_step,
    unquote_step,
)
from emgen.schemas.catalog import (
    Composition,
    CoreResult,
    CoreSink,
    CoreSource,
    CoreStep,
    Family,
    Skeleton,
)

_REQUEST = ("from flask import request",)

# The input is an address to send the visitor to, so the sources name it as one.
SOURCES = (
    query_source("next", id="next_query"),
    query_required_source("url", id="url_required"),
    form_source("return_to", id="form_return_to"),
    CoreSource(
        id="values",
        context="web",
        phrase="the `redirect` value sent in the query string or the form",
        code='$var = request.values.get("redirect", "/")',
        methods=("GET", "POST"),
        imports=_REQUEST,
    ),
    json_body_source("redirect_uri", id="json_redirect_uri"),
    CoreSource(
        id="referrer",
        context="web",
        phrase="the page named in the Referer header",
        code='$var = request.referrer or ""',
        imports=_REQUEST,
    ),
    CoreSource(
        id="cookie",
        context="web",
        phrase="the address saved in the `${entity}_return` cookie",
        code='$var = request.cookies.get("${entity}_return", "")',
        imports=_REQUEST,
    ),
    CoreSource(
        id="path_rest",
        context="web",
        phrase="the rest of the URL path, taken as a path on this site",
        code='$var = "/" + $var',
        route="/<path:$var>",
        params="$var",
    ),
)

# Steps that leave the address unchecked (no prefix, host or membership test: those are fixes).
STEPS_HERE = tuple(s for s in STEPS if s.id in {"strip", "log", "to_text", "require_web"}) + (
    CoreStep(id="default_home", code='$var = $var or "/$route"'),
    too_long_web_step("the address", limit=2048, id="too_long"),
    unquote_step(),
    CoreStep(id="drop_fragment", code='$var = $var.partition("#")[0]'),
    CoreStep(
        id="app_log",
        context="web",
        code='current_app.logger.info("redirecting to %s", $var)',
        imports=("from flask import current_app",),
    ),
)

_RESPONSE = ("response", "resp", "reply")
_URL = ("target_url", "resolved", "decoded_url")
_REDIRECT = ("from flask import redirect",)
# A local path only: "//host" and "/\\host" are other sites to a browser.
_LOCAL_ONLY = (
    'if not $var.startswith("/") or $var.startswith(("//", "/\\\\")):\n    $var = "/$route"\n'
)

SINKS = (
    CoreSink(
        id="redirect_plain",
        context="web",
        name="back_$entity",
        phrase="send the visitor back to $input",
        produces="response",
        out_names=_RESPONSE,
        imports=_REDIRECT,
        insecure="$out = redirect($var)",
        secure=_LOCAL_ONLY + "$out = redirect($var)",
    ),
    CoreSink(
        id="redirect_joined_code",
        context="web",
        name="continue_$entity",
        phrase="continue to $input with a 303 redirect",
        produces="response",
        out_names=_RESPONSE,
        imports=_REDIRECT,
        secure_imports=("from urllib.parse import urljoin, urlsplit",),
        insecure="$out = redirect($var, code=303)",
        secure="$var = urljoin(request.host_url, $var)\n"
        "if urlsplit($var).netloc != urlsplit(request.host_url).netloc:\n"
        '    $var = "/$route"\n'
        "$out = redirect($var, code=303)",
    ),
    CoreSink(
        id="redirect_fstring",
        context="web",
        name="saved_$entity",
        phrase="send the visitor to $input with `saved=1` added to the query string",
        produces="response",
        out_names=_RESPONSE,
        imports=_REDIRECT,
        insecure='$out = redirect(f"{$var}?saved=1")',
        secure=_LOCAL_ONLY + '$out = redirect(f"{$var}?saved=1")',
    ),
    CoreSink(
        id="location_header",
        context="web",
        name="return_$entity",
        phrase="answer with a 302 whose Location header is $input",
        produces="response",
        out_names=_RESPONSE,
        imports=("from flask import Response",),
        secure_imports=("import re",),
        insecure='$out = Response(status=302)\n$out.headers["Location"] = $var',
        secure='if not re.fullmatch(r"/[\\w\\-/]*", $var) or $var.startswith("//"):\n'
        '    $var = "/$route"\n'
        '$out = Response(status=302)\n$out.headers["Location"] = $var',
    ),
    CoreSink(
        id="headers_dict",
        context="web",
        name="leave_$entity",
        phrase="send the visitor on to the `/$route` page named in $input",
        produces="response",
        out_names=_RESPONSE,
        imports=("from flask import Response",),
        insecure='$out = Response(status=303, headers={"Location": $var})',
        secure='if $var not in ("/$route", "/$route/new", "/$route/recent"):\n'
        '    $var = "/$route"\n'
        '$out = Response(status=303, headers={"Location": $var})',
    ),
    CoreSink(
        id="location_attr",
        context="web",
        name="visit_$entity",
        phrase="forward the visitor to the partner site address in $input",
        produces="response",
        out_names=_RESPONSE,
        imports=("from flask import make_response",),
        secure_imports=("from flask import abort", "from urllib.parse import urlsplit"),
        insecure='$out = make_response("", 302)\n$out.location = $var',
        secure='$var = $var.replace("\\\\", "/")\n'
        "parts = urlsplit($var)\n"
        'if parts.scheme != "https" or parts.hostname not in {"$host", "shop.$host"}:\n'
        "    abort(400)\n"
        '$out = make_response("", 302)\n$out.location = $var',
    ),
    CoreSink(
        id="headers_set",
        context="web",
        name="jump_$entity",
        phrase="answer with a temporary redirect to $input",
        produces="response",
        out_names=_RESPONSE,
        imports=("from flask import make_response",),
        insecure='$out = make_response("", 307)\n$out.headers.set("Location", $var)',
        secure=_LOCAL_ONLY + '$out = make_response("", 307)\n$out.headers.set("Location", $var)',
    ),
    CoreSink(
        id="redirect_urljoin",
        context="web",
        name="open_$entity",
        phrase="redirect to $input, resolved against this site's address",
        produces="response",
        out_names=_RESPONSE,
        imports=(*_REDIRECT, "from urllib.parse import urljoin"),
        secure_imports=("from urllib.parse import urlsplit",),
        insecure="$out = redirect(urljoin(request.host_url, $var))",
        secure="$var = urljoin(request.host_url, $var)\n"
        "if urlsplit($var).netloc != request.host:\n"
        '    $var = "/$route"\n'
        "$out = redirect($var)",
    ),
    CoreSink(
        id="redirect_ifexp",
        context="web",
        name="finish_$entity",
        phrase="redirect to $input, or to the $plural page when it is empty",
        produces="response",
        out_names=_RESPONSE,
        imports=_REDIRECT,
        insecure='$out = redirect($var if $var else "/$route")',
        secure=_LOCAL_ONLY + '$out = redirect($var if $var else "/$route")',
    ),
    CoreSink(
        id="b64_state",
        context="web",
        name="resume_$entity",
        phrase="decode the base64 return address carried in $input",
        produces="location",
        out_names=_URL,
        imports=("import base64",),
        insecure="$out = base64.urlsafe_b64decode($var).decode()",
        secure="$out = base64.urlsafe_b64decode($var).decode()\n"
        'if not $out.startswith("/") or $out.startswith(("//", "/\\\\")):\n'
        '    $out = "/$route"',
    ),
    CoreSink(
        id="nested_next",
        context="web",
        name="login_$entity",
        phrase="take the `next` value out of the query string of $input",
        produces="location",
        out_names=_URL,
        imports=("from urllib.parse import parse_qs, urlsplit",),
        insecure='$out = parse_qs(urlsplit($var).query).get("next", ["/"])[0]',
        secure='$out = parse_qs(urlsplit($var).query).get("next", ["/"])[0]\n'
        "if urlsplit($out).netloc or urlsplit($out).scheme "
        'or $out.startswith(("//", "/\\\\")):\n'
        '    $out = "/$route"',
    ),
)

RESULTS = (
    CoreResult(
        id="return_response",
        context="web",
        consumes=("response",),
        phrase="return that response",
        code="return $out",
    ),
    CoreResult(
        id="no_store",
        context="web",
        consumes=("response",),
        phrase="tell browsers not to cache the redirect",
        code='$out.headers["Cache-Control"] = "no-store"\nreturn $out',
    ),
    CoreResult(
        id="seen_cookie",
        context="web",
        consumes=("response",),
        phrase="set a cookie that remembers the visit",
        code='$out.set_cookie("${entity}_seen", "1", max_age=86400)\nreturn $out',
    ),
    CoreResult(
        id="log_path",
        context="web",
        consumes=("response",),
        phrase="log the request path before returning it",
        code='current_app.logger.info("redirect from %s", request.path)\nreturn $out',
        imports=("from flask import current_app", "from flask import request"),
    ),
    CoreResult(
        id="redirect_to",
        context="web",
        consumes=("location",),
        phrase="redirect the visitor there",
        code="return redirect($out)",
        imports=_REDIRECT,
    ),
    CoreResult(
        id="redirect_see_other",
        context="web",
        consumes=("location",),
        phrase="send the visitor there with a 303 redirect",
        code="return redirect($out, code=303)",
        imports=_REDIRECT,
    ),
    CoreResult(
        id="redirect_no_store",
        context="web",
        consumes=("location",),
        phrase="redirect the visitor there with a response browsers must not cache",
        code='response = redirect($out)\nresponse.headers["Cache-Control"] = "no-store"\n'
        "return response",
        imports=_REDIRECT,
    ),
    CoreResult(
        id="location_response",
        context="web",
        consumes=("location",),
        phrase="answer with a 302 that points there",
        code='return Response(status=302, headers={"Location": $out})',
        imports=("from flask import Response",),
    ),
)

FAMILY = Family(
    id="open_redirect",
    cwe="CWE-601",
    title="Open redirect: redirect target taken from request data",
    rule_ids=("redirect-to-request-url",),
    paper_weight=3,
    composition=Composition(
        sources=SOURCES,
        steps=STEPS_HERE,
        sinks=SINKS,
        results=RESULTS,
        var_names=("target", "next_url", "destination", "return_to", "${entity}_url"),
    ),
    skeletons=(
        Skeleton(
            id="open_redirect.favourite_view",
            context="web",
            feature="mark a $entity as a favourite and send the visitor back to the page named in the form's next field",
            imports=(
                "from collections import Counter",
                "from flask import redirect",
                "from flask import request",
                "from flask.views import MethodView",
            ),
            secure_imports=("from urllib.parse import urljoin, urlsplit",),
            body="""
class ${Entity}FavouriteView(MethodView):
    counts = Counter()

    def post(self, ${entity}_id):
        self.counts[${entity}_id] += 1
<<<
        next_url = request.form.get("next") or "/$route"
        return redirect(next_url, code=303)
===
        next_url = urljoin(request.host_url, request.form.get("next") or "/$route")
        parts = urlsplit(next_url)
        if parts.scheme not in ("http", "https") or parts.netloc != urlsplit(request.host_url).netloc:
            next_url = "/$route"
        return redirect(next_url, code=303)
>>>


app.add_url_rule(
    "/$route/<int:${entity}_id>/favourite",
    view_func=${Entity}FavouriteView.as_view("favourite_${entity}"),
)
""",
        ),
        Skeleton(
            id="open_redirect.outbound_link",
            context="web",
            feature="count clicks on the partner link shown on a $entity page and then forward the visitor to that link",
            imports=(
                "from collections import Counter",
                "from flask import redirect",
                "from flask import request",
            ),
            secure_imports=("from flask import abort", "from urllib.parse import urlsplit"),
            body="""
PARTNER_HOSTS = {"shop.$host", "partners.$host"}
${entity}_link_clicks = Counter()


@app.route("/$route/<int:${entity}_id>/visit")
def visit_${entity}_link(${entity}_id):
    target = request.args.get("url", "")
    ${entity}_link_clicks[${entity}_id] += 1
<<<
    return redirect(target)
===
    target = target.replace("\\\\", "/")
    parts = urlsplit(target)
    if parts.scheme not in ("http", "https") or parts.hostname not in PARTNER_HOSTS:
        abort(400)
    return redirect(target)
>>>
""",
        ),
        Skeleton(
            id="open_redirect.discard_draft",
            context="web",
            feature="discard the visitor's unsaved $entity draft and return them to the page given in the form",
            imports=("from flask import redirect", "from flask import request"),
            body="""
${entity}_drafts = {}
DRAFT_RETURN_PAGES = ("/$route", "/$route/new", "/$route/drafts")


@app.post("/$route/drafts/<int:draft_id>/discard")
def discard_${entity}_draft(draft_id):
    ${entity}_drafts.pop(draft_id, None)
<<<
    return redirect(request.form.get("return_to", "/$route"), code=303)
===
    return_to = request.form.get("return_to", "/$route")
    if return_to not in DRAFT_RETURN_PAGES:
        return_to = "/$route"
    return redirect(return_to, code=303)
>>>
""",
        ),
        Skeleton(
            id="open_redirect.pin_back",
            context="web",
            feature="pin or unpin a $entity on the front page and take the visitor back to the page they came from",
            imports=("from flask import redirect", "from flask import request"),
            secure_imports=("from urllib.parse import urlsplit",),
            body="""
pinned_$plural = set()


@app.post("/$route/<int:${entity}_id>/pin")
def toggle_${entity}_pin(${entity}_id):
    if ${entity}_id in pinned_$plural:
        pinned_$plural.discard(${entity}_id)
    else:
        pinned_$plural.add(${entity}_id)
<<<
    return redirect(request.referrer or "/$route", code=303)
===
    back = request.referrer or ""
    if urlsplit(back).netloc != request.host:
        back = "/$route"
    return redirect(back, code=303)
>>>
""",
        ),
        Skeleton(
            id="open_redirect.created_location",
            context="web",
            feature="create a $entity from a submitted form and send the browser on to the page the form says it came from",
            imports=("import itertools", "from flask import Response", "from flask import request"),
            secure_imports=("import re",),
            body="""
${entity}_ids = itertools.count(1)
${plural}_by_id = {}


@app.post("/$route/create")
def create_$entity():
    new_id = next(${entity}_ids)
    ${plural}_by_id[new_id] = {
        "$field": request.form.get("$field", "").strip(),
        "$field2": request.form.get("$field2", "").strip(),
    }
    response = Response(status=303)
<<<
    response.headers["Location"] = request.form.get("origin", "/$route")
===
    origin = request.form.get("origin", "")
    if not re.fullmatch(r"/[\\w\\-/]*", origin) or origin.startswith("//"):
        origin = "/$route"
    response.headers["Location"] = origin
>>>
    return response
""",
        ),
        Skeleton(
            id="open_redirect.link_service",
            context="script",
            feature="run a small HTTP service that forwards /go?to=... requests to the given $entity page and logs each hop",
            imports=(
                "import logging",
                "from http.server import BaseHTTPRequestHandler, HTTPServer",
                "from urllib.parse import parse_qs, urlsplit",
            ),
            body="""
log = logging.getLogger("${app_name}.links")
ALLOWED_HOSTS = {"$host", "www.$host"}


class ${Entity}LinkHandler(BaseHTTPRequestHandler):
    def do_GET(self):
        request_parts = urlsplit(self.path)
        if request_parts.path != "/go":
            self.send_error(404)
            return
        target = parse_qs(request_parts.query).get("to", [""])[0]
<<<
        log.info("forwarding to %s", target)
===
        target = target.replace("\\\\", "/")
        parts = urlsplit(target)
        if parts.scheme != "https" or parts.hostname not in ALLOWED_HOSTS:
            self.send_error(400, "unknown destination")
            return
        log.info("forwarding to %s", target)
>>>
        self.send_response(302)
        self.send_header("Location", target)
        self.end_headers()


def serve_${entity}_links(port=$port):
    logging.basicConfig(level=logging.INFO)
    HTTPServer(("127.0.0.1", port), ${Entity}LinkHandler).serve_forever()


if __name__ == "__main__":
    serve_${entity}_links()
""",
        ),
        Skeleton(
            id="open_redirect.follow_next",
            context="web",
            feature="let a visitor follow a $entity and then return them to the address in the next field, or to the $entity page",
            imports=("from flask import redirect", "from flask import request"),
            secure_imports=("from urllib.parse import urlparse",),
            body="""
${entity}_followers = {}


@app.route("/$route/<int:${entity}_id>/follow", methods=["POST"])
def follow_$entity(${entity}_id):
    ${entity}_followers[${entity}_id] = ${entity}_followers.get(${entity}_id, 0) + 1
    target = request.values.get("next", f"/$route/{${entity}_id}")
<<<
    return redirect(target)
===
    parsed = urlparse(target)
    if parsed.scheme or parsed.netloc or not target.startswith("/") or target.startswith(("//", "/\\\\")):
        target = f"/$route/{${entity}_id}"
    return redirect(target)
>>>
""",
        ),
    ),
)
