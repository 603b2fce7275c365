from emgen.schemas.catalog import Family, Skeleton

FAMILY = Family(
    id="chmod_world_writable",
    cwe="CWE-732",
    title="Incorrect permission assignment: files or folders made writable by every user",
    rule_ids=(
        "world-writable-permission-mode",
        "world-writable-permission-flag",
        "world-writable-umask",
    ),
    paper_weight=17,
    skeletons=(
        Skeleton(
            id="chmod_world_writable.csv_export",
            context="script",
            feature="set the permissions of the exported $plural CSV file",
            imports=("import argparse", "import csv", "import os", "import sqlite3"),
            body="""
def export_${plural}_csv(db_path: str, out_dir: str) -> str:
    os.makedirs(out_dir, exist_ok=True)
    out_path = os.path.join(out_dir, "${plural}.csv")
    with sqlite3.connect(db_path) as conn:
        rows = conn.execute("SELECT $field, $field2, $field3 FROM $table ORDER BY $field").fetchall()
    with open(out_path, "w", newline="", encoding="utf-8") as fh:
        writer = csv.writer(fh)
        writer.writerow(["$field", "$field2", "$field3"])
        writer.writerows(rows)
<<<
    os.chmod(out_path, 0o666)
===
    os.chmod(out_path, 0o644)
>>>
    return out_path


def main() -> None:
    parser = argparse.ArgumentParser(description="Export $plural to a CSV file")
    parser.add_argument("--db", default="$db")
    parser.add_argument("--out", default="$dir")
    args = parser.parse_args()
    path = export_${plural}_csv(args.db, args.out)
    print(f"wrote {path}")


if __name__ == "__main__":
    main()
""",
        ),
        Skeleton(
            id="chmod_world_writable.cache_class_makedirs",
            context="script",
            feature="create the folder that holds the cached $plural",
            imports=("import json", "import os", "import time"),
            body="""
class ${Entity}Cache:
    def __init__(self, root: str = "$dir/cache", ttl: int = 3600) -> None:
        self.root = root
        self.ttl = ttl
<<<
        os.makedirs(self.root, mode=0o777, exist_ok=True)
===
        os.makedirs(self.root, mode=0o700, exist_ok=True)
>>>

    def _path(self, key: str) -> str:
        return os.path.join(self.root, f"{key}.json")

    def get(self, key: str):
        path = self._path(key)
        try:
            if time.time() - os.path.getmtime(path) > self.ttl:
                return None
            with open(path, encoding="utf-8") as fh:
                return json.load(fh)
        except (OSError, ValueError):
            return None

    def put(self, key: str, value) -> None:
        with open(self._path(key), "w", encoding="utf-8") as fh:
            json.dump(value, fh)
""",
        ),
        Skeleton(
            id="chmod_world_writable.upload_route",
            context="web",
            feature="set the permissions of a newly stored $entity attachment",
            imports=(
                "import os",
                "import uuid",
                "from flask import abort, jsonify, request",
            ),
            body="""
ATTACHMENT_EXTENSIONS = {".png", ".jpg", ".jpeg", ".pdf"}


@app.route("/$route/<int:${entity}_id>/attachments", methods=["POST"])
def upload_${entity}_attachment(${entity}_id):
    upload = request.files.get("file")
    if upload is None or not upload.filename:
        abort(400)
    ext = os.path.splitext(upload.filename)[1].lower()
    if ext not in ATTACHMENT_EXTENSIONS:
        abort(400)
    folder = os.path.join("$dir", str(${entity}_id))
    os.makedirs(folder, exist_ok=True)
    dest = os.path.join(folder, f"{uuid.uuid4().hex}{ext}")
    upload.save(dest)
<<<
    os.chmod(dest, 0o777)
===
    os.chmod(dest, 0o640)
>>>
    return jsonify({"stored": os.path.basename(dest)}), 201
""",
        ),
        Skeleton(
            id="chmod_world_writable.log_dir_pathlib",
            context="script",
            feature="set the permissions of the $entity sync log folder",
            imports=("import logging", "from pathlib import Path"),
            body="""
def configure_${entity}_sync_logging(base: str = "$dir") -> logging.Logger:
    log_dir = Path(base) / "logs"
    log_dir.mkdir(parents=True, exist_ok=True)
<<<
    log_dir.chmod(0o777)
===
    log_dir.chmod(0o750)
>>>
    logger = logging.getLogger("${app_name}.sync")
    handler = logging.FileHandler(log_dir / "${entity}_sync.log", encoding="utf-8")
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(message)s"))
    logger.addHandler(handler)
    logger.setLevel(logging.INFO)
    return logger


def sync_${plural}(items: list[dict]) -> int:
    logger = configure_${entity}_sync_logging()
    count = 0
    for item in items:
        if not item.get("$field"):
            logger.warning("skipping $entity without $field: %r", item)
            continue
        logger.info("synced $entity %s", item["$field"])
        count += 1
    return count
""",
        ),
        Skeleton(
            id="chmod_world_writable.state_file_os_open",
            context="script",
            feature="open the $entity sync state file for writing",
            imports=("import json", "import os", "import time"),
            body="""
STATE_PATH = os.path.join("$dir", "${entity}_state.json")


def write_${entity}_state(state: dict) -> None:
    payload = json.dumps(state, indent=2, sort_keys=True).encode("utf-8")
<<<
    fd = os.open(STATE_PATH, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o666)
===
    fd = os.open(STATE_PATH, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
>>>
    with os.fdopen(fd, "wb") as fh:
        fh.write(payload)


def run_${entity}_passes(passes: int, interval: float = 30.0) -> None:
    seen = 0
    for number in range(1, passes + 1):
        seen += number
        write_${entity}_state({"pass": number, "seen": seen, "at": time.time()})
        time.sleep(interval)
""",
        ),
        Skeleton(
            id="chmod_world_writable.hook_script_fchmod",
            context="script",
            feature="make the generated $plural backup hook script executable",
            imports=("import os", "import stat", "import sys"),
            body='''
HOOK_TEMPLATE = """#!/bin/sh
set -e
tar -czf "$$1/${plural}-$$(date +%F).tar.gz" "$dir"
"""


def write_${entity}_backup_hook(hook_path: str) -> None:
    with open(hook_path, "w", encoding="utf-8") as fh:
        fh.write(HOOK_TEMPLATE)
<<<
        os.fchmod(fh.fileno(), stat.S_IRWXU | stat.S_IRWXG | stat.S_IRWXO)
===
        os.fchmod(fh.fileno(), stat.S_IRWXU)
>>>


if __name__ == "__main__":
    target = sys.argv[1] if len(sys.argv) > 1 else "backup_${plural}.sh"
    write_${entity}_backup_hook(target)
    print(f"hook written to {target}")
''',
        ),
        Skeleton(
            id="chmod_world_writable.report_stat_flags",
            context="web",
            feature="set the permissions of the generated $plural report file",
            imports=(
                "import os",
                "import stat",
                "from datetime import datetime, timezone",
                "from flask import jsonify, request",
            ),
            body="""
REPORT_DIR = os.path.join("$dir", "reports")


@app.route("/$route/reports", methods=["POST"])
def create_${entity}_report():
    items = request.get_json(silent=True) or []
    lines = [f"{item.get('$field', '')}\\t{item.get('$field2', '')}" for item in items]
    os.makedirs(REPORT_DIR, exist_ok=True)
    stamp = datetime.now(timezone.utc).strftime("%Y%m%d%H%M%S")
    path = os.path.join(REPORT_DIR, f"${plural}_{stamp}.tsv")
    with open(path, "w", encoding="utf-8") as fh:
        fh.write("\\n".join(lines))
<<<
    os.chmod(path, stat.S_IRUSR | stat.S_IWUSR | stat.S_IRGRP | stat.S_IWGRP | stat.S_IROTH | stat.S_IWOTH)
===
    os.chmod(path, stat.S_IRUSR | stat.S_IWUSR | stat.S_IRGRP)
>>>
    return jsonify({"report": os.path.basename(path), "rows": len(lines)}), 201
""",
        ),
        Skeleton(
            id="chmod_world_writable.mirror_umask",
            context="script",
            feature="set the file creation mask before the $plural mirror copies files",
            imports=(
                "import os",
                "import shutil",
                "from dataclasses import dataclass",
            ),
            body="""
@dataclass
class ${Entity}MirrorJob:
    source: str
    target: str = "$dir/mirror"
    overwrite: bool = False


def run_${entity}_mirror(job: ${Entity}MirrorJob) -> int:
<<<
    previous = os.umask(0)
===
    previous = os.umask(0o077)
>>>
    copied = 0
    try:
        for root, _dirs, files in os.walk(job.source):
            rel = os.path.relpath(root, job.source)
            dest_dir = os.path.join(job.target, rel)
            os.makedirs(dest_dir, exist_ok=True)
            for name in files:
                dest = os.path.join(dest_dir, name)
                if os.path.exists(dest) and not job.overwrite:
                    continue
                shutil.copy2(os.path.join(root, name), dest)
                copied += 1
    finally:
        os.umask(previous)
    return copied
""",
        ),
    ),
)
