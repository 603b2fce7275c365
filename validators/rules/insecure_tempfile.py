import csv
import json
import logging
import os
import sqlite3
import subprocess
import tempfile
import zipfile
from pathlib import Path


def export(rows, out_dir):
    # ruleid: tempfile-mktemp
    tmp_path = tempfile.mktemp(dir=out_dir, suffix=".tmp")
    with open(tmp_path, "w", newline="") as fh:
        csv.writer(fh).writerows(rows)
    os.replace(tmp_path, os.path.join(out_dir, "rows.csv"))


def export_ok(rows, out_dir):
    # ok: tempfile-mktemp
    fd, tmp_path = tempfile.mkstemp(dir=out_dir, suffix=".tmp")
    with os.fdopen(fd, "w", newline="") as fh:
        csv.writer(fh).writerows(rows)
    os.replace(tmp_path, os.path.join(out_dir, "rows.csv"))


def sort_lines(src, name):
    scratch = "/tmp/" + name + "_sorted.txt"
    # ruleid: predictable-tmp-path
    subprocess.run(["sort", "-o", scratch, src], check=True)
    # ruleid: predictable-tmp-path
    with open(scratch) as fh:
        return fh.read().splitlines()


def sort_lines_ok(src):
    with tempfile.TemporaryDirectory() as work_dir:
        scratch = os.path.join(work_dir, "sorted.txt")
        # ok: predictable-tmp-path
        subprocess.run(["sort", "-o", scratch, src], check=True)
        # ok: predictable-tmp-path
        with open(scratch) as fh:
            return fh.read().splitlines()


def save_upload(upload, app_name):
    tmp_path = f"/tmp/{app_name}_import.csv"
    # ruleid: predictable-tmp-path
    upload.save(tmp_path)
    return tmp_path


def save_upload_ok(upload):
    # ok: predictable-tmp-path
    with tempfile.NamedTemporaryFile(suffix=".csv", delete=False) as tmp:
        upload.save(tmp)
        return tmp.name


def report(html):
    out = Path("/tmp") / "report.html"
    # ruleid: predictable-tmp-path
    out.write_text(html)
    joined = os.path.join(tempfile.gettempdir(), "last_sync.json")
    # ruleid: predictable-tmp-path
    with open(joined, "w") as fh:
        fh.write(html)
    # ruleid: predictable-tmp-path
    with open("/tmp/cache.json", "w") as fh:
        fh.write(html)
    # ok: predictable-tmp-path
    with open("/tmpdata/cache.json", "w") as fh:
        fh.write(html)


def report_ok(html):
    # ok: predictable-tmp-path
    with tempfile.NamedTemporaryFile("w", suffix=".html", delete=False) as fh:
        fh.write(html)
    out = Path(fh.name)
    return out


def not_tmp(home, name):
    path = f"{home}/tmp/{name}.txt"
    # ok: predictable-tmp-path
    with open(path, "w") as fh:
        fh.write(name)
    other = f"/var/tmp/{name}.lock"
    # ruleid: predictable-tmp-path
    with open(other, "w") as fh:
        fh.write(name)
    # ruleid: predictable-tmp-path
    os.makedirs(os.path.join("/tmp", name), exist_ok=True)


def fstring_forms(upload, name):
    first = f"/tmp/uploads_import_{os.getpid()}.csv"
    # ruleid: predictable-tmp-path
    upload.save(first)
    second = rf"/tmp/{name}_{os.getpid()}.json"
    # ruleid: predictable-tmp-path
    with open(second, "w", encoding="utf-8") as fh:
        fh.write(name)


def composed_forms(text):
    # ruleid: tempfile-mktemp
    work = tempfile.mktemp(prefix="app-")
    os.mkdir(work)
    # ok: tempfile-mktemp
    kept = tempfile.mkdtemp(prefix="app-")
    queued = f"/tmp/entry-{os.getpid()}.json"
    # ruleid: predictable-tmp-path
    with open(queued, "w", encoding="utf-8") as handle:
        json.dump({"text": text}, handle)
    shared = "/tmp/app_work"
    # ruleid: predictable-tmp-path
    os.makedirs(shared, exist_ok=True)
    # ruleid: predictable-tmp-path
    with open(os.path.join(shared, "notes.txt"), "w", encoding="utf-8") as handle:
        handle.write(text)
    # ruleid: predictable-tmp-path
    conn = sqlite3.connect("/tmp/app_scratch.db")
    conn.close()
    # ok: predictable-tmp-path
    conn = sqlite3.connect(os.path.join(kept, "scratch.db"))
    conn.close()
    trace = "/tmp/app_trace.log"
    # ruleid: predictable-tmp-path
    handler = logging.FileHandler(trace, encoding="utf-8")
    handler.close()
    # ok: predictable-tmp-path
    handler = logging.FileHandler(os.path.join(tempfile.mkdtemp(), "trace.log"))
    handler.close()
    joined = "/tmp/" + "app_" + str(os.getpid()) + ".csv"
    # ruleid: predictable-tmp-path
    with open(joined, "w", newline="", encoding="utf-8") as handle:
        csv.writer(handle).writerow(["text", text])
    # ruleid: predictable-tmp-path
    fd = os.open("/var/tmp/app.spool", os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    os.close(fd)
    # ok: predictable-tmp-path
    fd, spool_path = tempfile.mkstemp(prefix="app_", suffix=".spool")
    os.close(fd)
    bundle_path = "/tmp/app_bundle.zip"
    # ruleid: predictable-tmp-path
    with zipfile.ZipFile(bundle_path, "w") as bundle:
        bundle.writestr("text.txt", text)
    fd, bundle_path = tempfile.mkstemp(suffix=".zip")
    os.close(fd)
    # ok: predictable-tmp-path
    with zipfile.ZipFile(bundle_path, "w") as bundle:
        bundle.writestr("text.txt", text)
    draft = Path(tempfile.mkdtemp(prefix="app_")) / "notes.md"
    # ok: predictable-tmp-path
    draft.write_text(text, encoding="utf-8")
    return work, spool_path


def literal_forms(text):
    # the text before /tmp that the rule looks for first: a prefix, triple quotes, single quotes
    # ruleid: predictable-tmp-path
    with open(r"/tmp/app_raw.txt", "w") as handle:
        handle.write(text)
    # ruleid: predictable-tmp-path
    with open("""/tmp/app_triple.txt""", "w") as handle:
        handle.write(text)
    # ruleid: predictable-tmp-path
    with open(b'/tmp/app_bytes.txt', "wb") as handle:
        handle.write(text.encode())
    # ok: predictable-tmp-path
    with open("data/tmp/app.txt", "w") as handle:
        handle.write(text)
