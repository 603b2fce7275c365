from emgen.schemas.catalog import Family, Skeleton

FAMILY = Family(
    id="path_traversal",
    cwe="CWE-22",
    title="Path traversal: file path built from a request-supplied name",
    rule_ids=("file-path-from-request-data",),
    paper_weight=5,
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
