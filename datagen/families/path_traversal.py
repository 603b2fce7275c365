from emgen.datagen.core_parts import STEPS, WEB_SOURCES, path_source, unquote_step
from emgen.schemas.catalog import (
    Composition,
    CoreResult,
    CoreSink,
    CoreStep,
    Family,
    Skeleton,
)

_TEXT = ("content", "text", "body", "${entity}_text")
_DATA = ("data", "raw", "payload", "${entity}_bytes")
_NAMES = ("names", "entries", "files", "listing")
_RESP = ("response", "download", "reply")
_ABORT = ("from flask import abort",)

# The rule only sees request data as a source, so every input comes from the request; a URL
# segment written <path:...> carries slashes as well.
SOURCES = (
    *WEB_SOURCES,
    path_source(id="path_rest", phrase="the file path at the end of the URL", converter="path:"),
)

# Common handling of a file name that leaves "../" (or an absolute path) in place.
LOCAL_STEPS = (
    unquote_step(),
    CoreStep(id="lstrip_slash", code='$var = $var.lstrip("/")'),
    CoreStep(id="drop_dotdot_once", code='$var = $var.replace("../", "", 1)'),
    CoreStep(
        id="backslashes",
        code='if "\\\\" in $var:\n    $var = $var.replace("\\\\", "/")',
    ),
)

# Each sink reaches a file operation with a path built from the input; its secure form keeps
# the path inside the folder (send_from_directory, safe_join, secure_filename, basename, a
# resolved-path check, an allowlist or a strict pattern).
SINKS = (
    CoreSink(
        id="send_file_join",
        context="web",
        name="download_$entity",
        phrase="send the $entity file named by $input from the `$dir` folder as a download",
        produces="response",
        out_names=_RESP,
        insecure_imports=("import os", "from flask import send_file"),
        secure_imports=("from flask import send_from_directory",),
        insecure='$out = send_file(os.path.join("$dir", $var), as_attachment=True)',
        secure='$out = send_from_directory("$dir", $var, as_attachment=True)',
    ),
    CoreSink(
        id="send_file_pathlib",
        context="web",
        name="view_$entity",
        phrase="send the PDF named by $input from the `$dir` folder for viewing in the browser",
        produces="response",
        out_names=_RESP,
        insecure_imports=("from pathlib import Path", "from flask import send_file"),
        secure_imports=("from flask import send_from_directory",),
        insecure='$out = send_file(Path("$dir", $var), mimetype="application/pdf")',
        secure='$out = send_from_directory("$dir", $var, mimetype="application/pdf")',
    ),
    CoreSink(
        id="open_safe_join",
        context="web",
        name="read_$entity",
        phrase="read the text of the $entity file named by $input in the `$dir/$plural` folder",
        produces="text",
        out_names=_TEXT,
        insecure_imports=("import os",),
        secure_imports=("from werkzeug.utils import safe_join", *_ABORT),
        insecure="""
path = os.path.join("$dir", "$plural", $var)
with open(path, encoding="utf-8") as handle:
    $out = handle.read()
""",
        secure="""
path = safe_join("$dir", "$plural", $var)
if path is None:
    abort(404)
with open(path, encoding="utf-8") as handle:
    $out = handle.read()
""",
    ),
    CoreSink(
        id="pathlib_read_text",
        context="web",
        name="show_$entity",
        phrase="read the text file named by $input under the `$dir` folder",
        produces="text",
        out_names=_TEXT,
        imports=("from pathlib import Path",),
        secure_imports=_ABORT,
        insecure="""
base = Path("$dir").resolve()
$out = (base / $var).read_text(encoding="utf-8")
""",
        secure="""
base = Path("$dir").resolve()
target = (base / $var).resolve()
if not target.is_relative_to(base):
    abort(404)
$out = target.read_text(encoding="utf-8")
""",
    ),
    CoreSink(
        id="open_bytes_fstring",
        context="web",
        name="fetch_$entity",
        phrase="read the bytes of the file named by $input in the `$dir` folder",
        produces="bytes",
        out_names=_DATA,
        secure_imports=("from werkzeug.utils import secure_filename",),
        insecure="""
with open(f"$dir/{$var}", "rb") as handle:
    $out = handle.read()
""",
        secure="""
with open(f"$dir/{secure_filename($var)}", "rb") as handle:
    $out = handle.read()
""",
    ),
    CoreSink(
        id="realpath_commonpath",
        context="web",
        name="get_$entity",
        phrase="read the bytes of the file at the relative path given by $input under the `$dir` folder",
        produces="bytes",
        out_names=_DATA,
        imports=("import os",),
        secure_imports=_ABORT,
        insecure="""
root = os.path.realpath("$dir")
full_path = os.path.realpath(os.path.join(root, $var))
with open(full_path, "rb") as handle:
    $out = handle.read()
""",
        secure="""
root = os.path.realpath("$dir")
full_path = os.path.realpath(os.path.join(root, $var))
if os.path.commonpath([root, full_path]) != root:
    abort(404)
with open(full_path, "rb") as handle:
    $out = handle.read()
""",
    ),
    CoreSink(
        id="format_json",
        context="web",
        name="load_$entity",
        phrase="load the JSON file `$dir/<name>.json` whose name is $input",
        produces="data",
        out_names=("data", "document", "${entity}_data", "loaded"),
        imports=("import json",),
        secure_imports=("import re", *_ABORT),
        insecure="""
with open("$dir/{}.json".format($var), encoding="utf-8") as handle:
    $out = json.load(handle)
""",
        secure="""
if not re.fullmatch(r"[A-Za-z0-9_-]+", $var):
    abort(400)
with open("$dir/{}.json".format($var), encoding="utf-8") as handle:
    $out = json.load(handle)
""",
    ),
    CoreSink(
        id="io_lines",
        context="web",
        name="lines_$entity",
        phrase="read the lines of the `.txt` file named by $input in the `$dir/$plural` folder",
        produces="list",
        out_names=("lines", "rows", "${entity}_lines"),
        imports=("import io", "import os"),
        secure_imports=("from werkzeug.utils import secure_filename",),
        insecure="""
with io.open(os.path.join("$dir", "$plural", $var + ".txt"), encoding="utf-8") as handle:
    $out = [line.rstrip("\\n") for line in handle]
""",
        secure="""
name = secure_filename($var) + ".txt"
with io.open(os.path.join("$dir", "$plural", name), encoding="utf-8") as handle:
    $out = [line.rstrip("\\n") for line in handle]
""",
    ),
    CoreSink(
        id="listdir_folder",
        context="web",
        name="list_$plural",
        phrase="list the files in the subfolder of `$dir` named by $input",
        produces="list",
        out_names=_NAMES,
        imports=("import os",),
        insecure='$out = sorted(os.listdir(os.path.join("$dir", $var)))',
        secure='$out = sorted(os.listdir(os.path.join("$dir", os.path.basename($var))))',
    ),
    CoreSink(
        id="iterdir_parents",
        context="web",
        name="browse_$plural",
        phrase="list the names of the files in the folder at the relative path given by $input under `$dir`",
        produces="list",
        out_names=_NAMES,
        imports=("from pathlib import Path",),
        secure_imports=_ABORT,
        insecure="""
root = Path("$dir").resolve()
folder = root / $var
$out = [entry.name for entry in folder.iterdir() if entry.is_file()]
""",
        secure="""
root = Path("$dir").resolve()
folder = (root / $var).resolve()
if folder != root and root not in folder.parents:
    abort(404)
$out = [entry.name for entry in folder.iterdir() if entry.is_file()]
""",
    ),
    CoreSink(
        id="remove_percent",
        context="web",
        name="delete_$entity",
        phrase="delete the $entity file named by $input from the `$dir` folder if it exists",
        imports=("import os",),
        secure_imports=_ABORT,
        insecure="""
target = "$dir/%s" % $var
if os.path.isfile(target):
    os.remove(target)
""",
        secure="""
if $var not in os.listdir("$dir"):
    abort(404)
target = "$dir/%s" % $var
if os.path.isfile(target):
    os.remove(target)
""",
    ),
    CoreSink(
        id="move_archive",
        context="web",
        name="archive_$entity",
        phrase="move the $entity file named by $input from `$dir` into its `archive` subfolder",
        imports=("import os", "import shutil"),
        secure_imports=("from werkzeug.utils import secure_filename",),
        insecure="""
shutil.move(os.path.join("$dir", $var), os.path.join("$dir", "archive", $var))
""",
        secure="""
name = secure_filename($var)
shutil.move(os.path.join("$dir", name), os.path.join("$dir", "archive", name))
""",
    ),
    CoreSink(
        id="copy_template",
        context="web",
        name="create_$entity",
        phrase="create a new $entity file named by $input in `$dir` as a copy of `$dir/template.txt`",
        imports=("import os", "import shutil"),
        secure_imports=("from werkzeug.utils import safe_join", *_ABORT),
        insecure="""
destination = os.path.join("$dir", $var)
shutil.copyfile(os.path.join("$dir", "template.txt"), destination)
""",
        secure="""
destination = safe_join("$dir", $var)
if destination is None:
    abort(400)
shutil.copyfile(os.path.join("$dir", "template.txt"), destination)
""",
    ),
)

RESULTS = (
    CoreResult(
        id="return_response",
        context="web",
        consumes=("response",),
        phrase="return it",
        code="return $out",
    ),
    CoreResult(
        id="no_store",
        context="web",
        consumes=("response",),
        phrase="return it with caching turned off",
        code='$out.headers["Cache-Control"] = "no-store"\nreturn $out',
    ),
    CoreResult(
        id="text_plain_response",
        context="web",
        consumes=("text",),
        phrase="return it as plain text",
        code='return Response($out, mimetype="text/plain")',
        imports=("from flask import Response",),
    ),
    CoreResult(
        id="text_tuple",
        context="web",
        consumes=("text",),
        phrase="return it as plain text with a UTF-8 charset",
        code='return $out, 200, {"Content-Type": "text/plain; charset=utf-8"}',
    ),
    CoreResult(
        id="text_json",
        context="web",
        consumes=("text",),
        phrase="return the name and the text as JSON",
        code='return {"$field": $var, "text": $out}',
    ),
    CoreResult(
        id="text_lines_json",
        context="web",
        consumes=("text",),
        phrase="return its lines as a JSON list",
        code="return jsonify(lines=$out.splitlines())",
        imports=("from flask import jsonify",),
    ),
    CoreResult(
        id="bytes_response",
        context="web",
        consumes=("bytes",),
        phrase="return them as a binary response",
        code='return Response($out, mimetype="application/octet-stream")',
        imports=("from flask import Response",),
    ),
    CoreResult(
        id="bytes_make_response",
        context="web",
        consumes=("bytes",),
        phrase="return them with a guessed content type",
        code="reply = make_response($out)\n"
        'reply.mimetype = mimetypes.guess_type($var)[0] or "application/octet-stream"\n'
        "return reply",
        imports=("import mimetypes", "from flask import make_response"),
    ),
    CoreResult(
        id="bytes_size",
        context="web",
        consumes=("bytes",),
        phrase="return its size and SHA-256 digest as JSON",
        code='return {"size": len($out), "sha256": hashlib.sha256($out).hexdigest()}',
        imports=("import hashlib",),
    ),
    CoreResult(
        id="data_jsonify",
        context="web",
        consumes=("data", "list"),
        phrase="return it as JSON",
        code="return jsonify($out)",
        imports=("from flask import jsonify",),
    ),
    CoreResult(
        id="data_wrapped",
        context="web",
        consumes=("data",),
        phrase="return it under a `$entity` key as JSON",
        code='return {"$entity": $out}',
    ),
    CoreResult(
        id="list_counted",
        context="web",
        consumes=("list",),
        phrase="return them as JSON along with how many there are",
        code='return {"count": len($out), "items": $out}',
    ),
    CoreResult(
        id="list_not_found",
        context="web",
        consumes=("list",),
        phrase="answer 404 when there are none, or return them as JSON",
        code="if not $out:\n    abort(404)\nreturn jsonify($out)",
        imports=("from flask import abort, jsonify",),
    ),
    CoreResult(
        id="done_json",
        context="web",
        consumes=("none",),
        phrase="confirm it with the file name as JSON",
        code='return jsonify({"ok": True, "$field": $var})',
        imports=("from flask import jsonify",),
    ),
    CoreResult(
        id="no_content",
        context="web",
        consumes=("none",),
        phrase="answer with an empty 204 response",
        code='return "", 204',
    ),
    CoreResult(
        id="done_logged",
        context="web",
        consumes=("none",),
        phrase="log what was done and answer with a JSON status",
        code='current_app.logger.info("$handler done for %s", $var)\nreturn {"status": "done"}',
        imports=("from flask import current_app",),
    ),
)


FAMILY = Family(
    id="path_traversal",
    cwe="CWE-22",
    title="Path traversal: file path built from a request-supplied name",
    rule_ids=("file-path-from-request-data",),
    paper_weight=5,
    composition=Composition(
        sources=SOURCES,
        steps=STEPS + LOCAL_STEPS,
        sinks=SINKS,
        results=RESULTS,
        var_names=("filename", "file_name", "${entity}_file", "requested_file", "$field"),
    ),
    skeletons=(
        Skeleton(
            id="path_traversal.attachment_download",
            context="web",
            feature="let visitors download an attachment of a $entity by its file name",
            imports=("import os", "from flask import request"),
            insecure_imports=("from flask import send_file",),
            secure_imports=("from flask import send_from_directory",),
            body="""
ATTACHMENT_DIR = os.path.join("$dir", "attachments")


@app.route("/$route/attachments")
def download_${entity}_attachment():
    name = request.args.get("file", "")
<<<
    return send_file(os.path.join(ATTACHMENT_DIR, name), as_attachment=True)
===
    return send_from_directory(ATTACHMENT_DIR, name, as_attachment=True)
>>>
""",
        ),
        Skeleton(
            id="path_traversal.notes_by_name",
            context="web",
            feature="show the plain-text notes saved for a $entity, looked up by the name in the URL",
            imports=("import os", "from flask import Response", "from flask import abort"),
            secure_imports=("from werkzeug.utils import secure_filename",),
            body="""
NOTES_DIR = os.path.join("$dir", "notes")


@app.route("/$route/<name>/notes")
def ${entity}_notes(name):
<<<
    path = os.path.join(NOTES_DIR, name + ".txt")
===
    path = os.path.join(NOTES_DIR, secure_filename(name) + ".txt")
>>>
    if not os.path.isfile(path):
        abort(404)
    with open(path, encoding="utf-8") as fh:
        return Response(fh.read(), mimetype="text/plain")
""",
        ),
        Skeleton(
            id="path_traversal.photo_upload",
            context="web",
            feature="accept a photo upload for a $entity and store it in the uploads folder",
            imports=(
                "import os",
                "from flask import abort",
                "from flask import jsonify",
                "from flask import request",
            ),
            secure_imports=("from werkzeug.utils import secure_filename",),
            body="""
UPLOAD_DIR = os.path.join("$dir", "photos")
PHOTO_TYPES = (".jpg", ".jpeg", ".png", ".webp")


@app.route("/$route/<int:${entity}_id>/photos", methods=["POST"])
def upload_${entity}_photo(${entity}_id):
    upload = request.files.get("photo")
    if upload is None or not upload.filename.lower().endswith(PHOTO_TYPES):
        abort(400)
    folder = os.path.join(UPLOAD_DIR, str(${entity}_id))
    os.makedirs(folder, exist_ok=True)
<<<
    stored = os.path.join(folder, upload.filename)
===
    stored = os.path.join(folder, secure_filename(upload.filename))
>>>
    upload.save(stored)
    return jsonify(${entity}_id=${entity}_id, stored=os.path.basename(stored)), 201
""",
        ),
        Skeleton(
            id="path_traversal.docs_pathlib",
            context="web",
            feature="serve the markdown help pages for $plural from the docs folder, chosen by a page query parameter",
            imports=(
                "from pathlib import Path",
                "from flask import Response",
                "from flask import abort",
                "from flask import request",
            ),
            body="""
DOCS_ROOT = Path("$dir", "docs").resolve()


@app.route("/$route/help")
def ${entity}_help_page():
    page = request.args.get("page", "index.md")
<<<
    target = DOCS_ROOT / page
===
    target = (DOCS_ROOT / page).resolve()
    if not target.is_relative_to(DOCS_ROOT):
        abort(404)
>>>
    if not target.is_file():
        abort(404)
    return Response(target.read_text(encoding="utf-8"), mimetype="text/markdown")
""",
        ),
        Skeleton(
            id="path_traversal.export_cleanup",
            context="web",
            feature="let an admin delete one of the generated $entity export files by name",
            imports=(
                "import os",
                "from flask import abort",
                "from flask import jsonify",
                "from flask import request",
            ),
            body="""
EXPORT_DIR = os.path.join("$dir", "exports")


@app.route("/$route/exports/delete", methods=["POST"])
def delete_${entity}_export():
    name = request.form.get("file", "")
    if not name:
        abort(400)
<<<
    try:
        os.remove(os.path.join(EXPORT_DIR, name))
    except FileNotFoundError:
        abort(404)
===
    if name not in os.listdir(EXPORT_DIR):
        abort(404)
    os.remove(os.path.join(EXPORT_DIR, name))
>>>
    return jsonify(deleted=name)
""",
        ),
        Skeleton(
            id="path_traversal.static_http_server",
            context="script",
            feature="serve the files of the $dir folder over HTTP on port $port",
            imports=(
                "import mimetypes",
                "import os",
                "from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer",
                "from urllib.parse import unquote, urlsplit",
            ),
            body="""
SITE_ROOT = os.path.realpath("$dir")


class ${Entity}FileHandler(BaseHTTPRequestHandler):
    def do_GET(self):
        relative = unquote(urlsplit(self.path).path).lstrip("/") or "index.html"
<<<
        full_path = os.path.join(SITE_ROOT, relative)
===
        full_path = os.path.realpath(os.path.join(SITE_ROOT, relative))
        if os.path.commonpath([SITE_ROOT, full_path]) != SITE_ROOT:
            self.send_error(404)
            return
>>>
        try:
            with open(full_path, "rb") as fh:
                data = fh.read()
        except OSError:
            self.send_error(404)
            return
        self.send_response(200)
        self.send_header("Content-Type", mimetypes.guess_type(full_path)[0] or "application/octet-stream")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)


def main():
    server = ThreadingHTTPServer(("127.0.0.1", $port), ${Entity}FileHandler)
    print(f"serving {SITE_ROOT} on port $port")
    server.serve_forever()


if __name__ == "__main__":
    main()
""",
        ),
        Skeleton(
            id="path_traversal.spool_socket",
            context="script",
            feature="run a line-based TCP service that sends back a stored $entity file when a client sends its name",
            imports=("import socketserver", "from pathlib import Path"),
            body="""
SPOOL_DIR = Path("$dir", "spool").resolve()


class ${Entity}FetchHandler(socketserver.StreamRequestHandler):
    def handle(self):
        name = self.rfile.readline(256).decode("utf-8", "replace").strip()
<<<
        target = SPOOL_DIR / name
===
        target = (SPOOL_DIR / name).resolve()
        try:
            target.relative_to(SPOOL_DIR)
        except ValueError:
            self.wfile.write(b"ERR unknown name\\n")
            return
>>>
        if not target.is_file():
            self.wfile.write(b"ERR unknown name\\n")
            return
        data = target.read_bytes()
        self.wfile.write(f"OK {len(data)}\\n".encode("ascii"))
        self.wfile.write(data)


if __name__ == "__main__":
    with socketserver.ThreadingTCPServer(("127.0.0.1", $port), ${Entity}FetchHandler) as server:
        server.serve_forever()
""",
        ),
    ),
)
