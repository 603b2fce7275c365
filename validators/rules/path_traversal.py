import io
import json
import os
import re
import shutil
import socketserver
from http.server import BaseHTTPRequestHandler
from pathlib import Path
from urllib.parse import unquote, urlsplit

from flask import Flask, Response, abort, jsonify, request, send_file, send_from_directory
from werkzeug.utils import safe_join, secure_filename

app = Flask(__name__)
ATTACH_DIR = "attachments"
BASE = Path("data").resolve()
ROOT = os.path.realpath("public")


@app.route("/files/download")
def download_bad():
    name = request.args.get("file", "")
    # ruleid: file-path-from-request-data
    return send_file(os.path.join(ATTACH_DIR, name), as_attachment=True)


@app.route("/files/download2")
def download_good():
    name = request.args.get("file", "")
    # ok: file-path-from-request-data
    return send_from_directory(ATTACH_DIR, name, as_attachment=True)


@app.route("/notes/<name>")
def notes_bad(name):
    # ruleid: file-path-from-request-data
    with open(os.path.join("data", "notes", name + ".txt"), encoding="utf-8") as fh:
        return Response(fh.read(), mimetype="text/plain")


@app.route("/notes2/<name>")
def notes_good(name):
    # ok: file-path-from-request-data
    with open(os.path.join("data", "notes", secure_filename(name) + ".txt"), encoding="utf-8") as fh:
        return Response(fh.read(), mimetype="text/plain")


@app.route("/notes3/<int:note_id>")
def notes_by_id(note_id):
    # ok: file-path-from-request-data
    with open(os.path.join("data", "notes", f"{note_id}.txt"), encoding="utf-8") as fh:
        return Response(fh.read(), mimetype="text/plain")


@app.post("/photos")
def upload_bad():
    upload = request.files["photo"]
    # ruleid: file-path-from-request-data
    upload.save(os.path.join("uploads", upload.filename))
    return jsonify(ok=True)


@app.post("/photos2")
def upload_good():
    upload = request.files["photo"]
    # ok: file-path-from-request-data
    upload.save(os.path.join("uploads", secure_filename(upload.filename)))
    return jsonify(ok=True)


@app.route("/docs")
def docs_bad():
    target = BASE / request.args.get("path", "index.md")
    # ruleid: file-path-from-request-data
    return Response(target.read_text(encoding="utf-8"), mimetype="text/plain")


@app.route("/docs2")
def docs_good():
    target = (BASE / request.args.get("path", "index.md")).resolve()
    if not target.is_relative_to(BASE):
        abort(404)
    # ok: file-path-from-request-data
    return Response(target.read_text(encoding="utf-8"), mimetype="text/plain")


@app.post("/exports/delete")
def delete_bad():
    name = request.form["file"]
    # ruleid: file-path-from-request-data
    os.remove(os.path.join("exports", name))
    return jsonify(deleted=True)


@app.post("/exports/delete2")
def delete_good():
    name = request.form["file"]
    if name not in os.listdir("exports"):
        abort(404)
    # ok: file-path-from-request-data
    os.remove(os.path.join("exports", name))
    return jsonify(deleted=True)


@app.route("/exports/<path:name>")
def export_checked(name):
    full = os.path.realpath(os.path.join(ROOT, name))
    if os.path.commonpath([ROOT, full]) != ROOT:
        abort(404)
    # ok: file-path-from-request-data
    return send_file(full)


@app.route("/exports2/<path:name>")
def export_prefix(name):
    full = os.path.join(ROOT, name)
    if not os.path.realpath(full).startswith(ROOT + os.sep):
        abort(404)
    # ok: file-path-from-request-data
    return send_file(full)


class StaticHandler(BaseHTTPRequestHandler):
    def do_GET(self):
        relative = unquote(urlsplit(self.path).path).lstrip("/")
        path = os.path.join(ROOT, relative)
        try:
            # ruleid: file-path-from-request-data
            with open(path, "rb") as fh:
                data = fh.read()
        except OSError:
            self.send_error(404)
            return
        self.send_response(200)
        self.end_headers()
        self.wfile.write(data)


class CheckedStaticHandler(BaseHTTPRequestHandler):
    def do_GET(self):
        relative = unquote(urlsplit(self.path).path).lstrip("/")
        path = os.path.realpath(os.path.join(ROOT, relative))
        if os.path.commonpath([ROOT, path]) != ROOT:
            self.send_error(404)
            return
        # ok: file-path-from-request-data
        with open(path, "rb") as fh:
            self.wfile.write(fh.read())


class SpoolHandler(socketserver.StreamRequestHandler):
    def handle(self):
        name = self.rfile.readline().decode("utf-8").strip()
        # ruleid: file-path-from-request-data
        with open(os.path.join("spool", name), "rb") as fh:
            self.wfile.write(fh.read())


class CheckedSpoolHandler(socketserver.StreamRequestHandler):
    def handle(self):
        name = self.rfile.readline().decode("utf-8").strip()
        target = (BASE / name).resolve()
        try:
            target.relative_to(BASE)
        except ValueError:
            self.wfile.write(b"ERR\n")
            return
        # ok: file-path-from-request-data
        self.wfile.write(target.read_bytes())


@app.route("/avatars/<user>")
def avatar_bad(user):
    # ruleid: file-path-from-request-data
    return send_file(f"static/avatars/{user}.png")


@app.route("/avatars2/<user>")
def avatar_good(user):
    if ".." in user or user.startswith("/"):
        abort(400)
    # ok: file-path-from-request-data
    return send_file(f"static/avatars/{user}.png")


@app.route("/config")
def config_file():
    # ok: file-path-from-request-data
    with open(os.path.join(ROOT, "settings.json")) as fh:
        return Response(fh.read(), mimetype="application/json")


# Composed sinks (datagen/families/path_traversal.py).

@app.route("/fx/send_file_join/bad")
def send_file_join_bad():
    name = request.args.get("file", "")
    # ruleid: file-path-from-request-data
    out = send_file(os.path.join("data", name), as_attachment=True)
    return "ok"


@app.route("/fx/send_file_join/good")
def send_file_join_good():
    name = request.args.get("file", "")
    # ok: file-path-from-request-data
    out = send_from_directory("data", name, as_attachment=True)
    return "ok"


@app.route("/fx/send_file_pathlib/bad")
def send_file_pathlib_bad():
    name = request.args.get("file", "")
    # ruleid: file-path-from-request-data
    out = send_file(Path("data", name), mimetype="application/pdf")
    return "ok"


@app.route("/fx/send_file_pathlib/good")
def send_file_pathlib_good():
    name = request.args.get("file", "")
    # ok: file-path-from-request-data
    out = send_from_directory("data", name, mimetype="application/pdf")
    return "ok"


@app.route("/fx/open_safe_join/bad")
def open_safe_join_bad():
    name = request.args.get("file", "")
    path = os.path.join("data", "reports", name)
    # ruleid: file-path-from-request-data
    with open(path, encoding="utf-8") as handle:
        out = handle.read()
    return "ok"


@app.route("/fx/open_safe_join/good")
def open_safe_join_good():
    name = request.args.get("file", "")
    path = safe_join("data", "reports", name)
    if path is None:
        abort(404)
    # ok: file-path-from-request-data
    with open(path, encoding="utf-8") as handle:
        out = handle.read()
    return "ok"


@app.route("/fx/pathlib_read_text/bad")
def pathlib_read_text_bad():
    name = request.args.get("file", "")
    base = Path("data").resolve()
    # ruleid: file-path-from-request-data
    out = (base / name).read_text(encoding="utf-8")
    return "ok"


@app.route("/fx/pathlib_read_text/good")
def pathlib_read_text_good():
    name = request.args.get("file", "")
    base = Path("data").resolve()
    target = (base / name).resolve()
    if not target.is_relative_to(base):
        abort(404)
    # ok: file-path-from-request-data
    out = target.read_text(encoding="utf-8")
    return "ok"


@app.route("/fx/open_bytes_fstring/bad")
def open_bytes_fstring_bad():
    name = request.args.get("file", "")
    # ruleid: file-path-from-request-data
    with open(f"data/{name}", "rb") as handle:
        out = handle.read()
    return "ok"


@app.route("/fx/open_bytes_fstring/good")
def open_bytes_fstring_good():
    name = request.args.get("file", "")
    # ok: file-path-from-request-data
    with open(f"data/{secure_filename(name)}", "rb") as handle:
        out = handle.read()
    return "ok"


@app.route("/fx/realpath_commonpath/bad")
def realpath_commonpath_bad():
    name = request.args.get("file", "")
    root = os.path.realpath("data")
    full_path = os.path.realpath(os.path.join(root, name))
    # ruleid: file-path-from-request-data
    with open(full_path, "rb") as handle:
        out = handle.read()
    return "ok"


@app.route("/fx/realpath_commonpath/good")
def realpath_commonpath_good():
    name = request.args.get("file", "")
    root = os.path.realpath("data")
    full_path = os.path.realpath(os.path.join(root, name))
    if os.path.commonpath([root, full_path]) != root:
        abort(404)
    # ok: file-path-from-request-data
    with open(full_path, "rb") as handle:
        out = handle.read()
    return "ok"


@app.route("/fx/format_json/bad")
def format_json_bad():
    name = request.args.get("file", "")
    # ruleid: file-path-from-request-data
    with open("data/{}.json".format(name), encoding="utf-8") as handle:
        out = json.load(handle)
    return "ok"


@app.route("/fx/format_json/good")
def format_json_good():
    name = request.args.get("file", "")
    if not re.fullmatch(r"[A-Za-z0-9_-]+", name):
        abort(400)
    # ok: file-path-from-request-data
    with open("data/{}.json".format(name), encoding="utf-8") as handle:
        out = json.load(handle)
    return "ok"


@app.route("/fx/io_lines/bad")
def io_lines_bad():
    name = request.args.get("file", "")
    # ruleid: file-path-from-request-data
    with io.open(os.path.join("data", "reports", name + ".txt"), encoding="utf-8") as handle:
        out = [line.rstrip("\n") for line in handle]
    return "ok"


@app.route("/fx/io_lines/good")
def io_lines_good():
    name = request.args.get("file", "")
    name = secure_filename(name) + ".txt"
    # ok: file-path-from-request-data
    with io.open(os.path.join("data", "reports", name), encoding="utf-8") as handle:
        out = [line.rstrip("\n") for line in handle]
    return "ok"


@app.route("/fx/listdir_folder/bad")
def listdir_folder_bad():
    name = request.args.get("file", "")
    # ruleid: file-path-from-request-data
    out = sorted(os.listdir(os.path.join("data", name)))
    return "ok"


@app.route("/fx/listdir_folder/good")
def listdir_folder_good():
    name = request.args.get("file", "")
    # ok: file-path-from-request-data
    out = sorted(os.listdir(os.path.join("data", os.path.basename(name))))
    return "ok"


@app.route("/fx/iterdir_parents/bad")
def iterdir_parents_bad():
    name = request.args.get("file", "")
    root = Path("data").resolve()
    folder = root / name
    # ruleid: file-path-from-request-data
    out = [entry.name for entry in folder.iterdir() if entry.is_file()]
    return "ok"


@app.route("/fx/iterdir_parents/good")
def iterdir_parents_good():
    name = request.args.get("file", "")
    root = Path("data").resolve()
    folder = (root / name).resolve()
    if folder != root and root not in folder.parents:
        abort(404)
    # ok: file-path-from-request-data
    out = [entry.name for entry in folder.iterdir() if entry.is_file()]
    return "ok"


@app.route("/fx/remove_percent/bad")
def remove_percent_bad():
    name = request.args.get("file", "")
    target = "data/%s" % name
    if os.path.isfile(target):
        # ruleid: file-path-from-request-data
        os.remove(target)
    return "ok"


@app.route("/fx/remove_percent/good")
def remove_percent_good():
    name = request.args.get("file", "")
    if name not in os.listdir("data"):
        abort(404)
    target = "data/%s" % name
    if os.path.isfile(target):
        # ok: file-path-from-request-data
        os.remove(target)
    return "ok"


@app.route("/fx/move_archive/bad")
def move_archive_bad():
    name = request.args.get("file", "")
    # ruleid: file-path-from-request-data
    shutil.move(os.path.join("data", name), os.path.join("data", "archive", name))
    return "ok"


@app.route("/fx/move_archive/good")
def move_archive_good():
    name = request.args.get("file", "")
    name = secure_filename(name)
    # ok: file-path-from-request-data
    shutil.move(os.path.join("data", name), os.path.join("data", "archive", name))
    return "ok"


@app.route("/fx/copy_template/bad")
def copy_template_bad():
    name = request.args.get("file", "")
    destination = os.path.join("data", name)
    # ruleid: file-path-from-request-data
    shutil.copyfile(os.path.join("data", "template.txt"), destination)
    return "ok"


@app.route("/fx/copy_template/good")
def copy_template_good():
    name = request.args.get("file", "")
    destination = safe_join("data", name)
    if destination is None:
        abort(400)
    # ok: file-path-from-request-data
    shutil.copyfile(os.path.join("data", "template.txt"), destination)
    return "ok"


@app.route("/fx/truncated")
def truncated_name():
    name = request.args.get("file", "")
    name = name[:200]
    # ruleid: file-path-from-request-data
    return send_file(os.path.join("data", name))


@app.route("/fx/copy-to/<path:name>")
def copy_to_named(name):
    destination = os.path.join("data", name)
    shutil.copyfile(
        # the propagator taints this call of os.path.join only, not the function for every
        # later call: a constant path built after a tainted one is not flagged
        # ok: file-path-from-request-data
        os.path.join("data", "template.txt"),
        # ruleid: file-path-from-request-data
        destination,
    )
    return "ok"


def logged(view):
    return view


# The URL segment's text comes first in the file (looked for before the taint analysis runs),
# here with another decorator between the route and the view
@app.route("/fx/stacked/<name>")
@logged
def stacked_view(name):
    # ruleid: file-path-from-request-data
    return send_file(os.path.join("data", name))
