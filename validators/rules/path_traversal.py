import os
import socketserver
from http.server import BaseHTTPRequestHandler
from pathlib import Path
from urllib.parse import unquote, urlsplit

from flask import Flask, Response, abort, jsonify, request, send_file, send_from_directory
from werkzeug.utils import secure_filename

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
