from emgen.datagen.core_parts import SOURCES, STEPS
from emgen.schemas.catalog import Composition, CoreResult, CoreSink, Family, Skeleton

_PATHS = ("path", "target", "${entity}_path", "dest")
_FOLDERS = ("folder", "${entity}_dir", "target_dir", "workdir")
_SIZES = ("written", "size", "count")

# The input names a file or folder the sink creates; every sink confines it to `$dir` (basename,
# Path.name or secure_filename) in both forms, so the only difference is the permission mode: the
# insecure form lets every user write, the secure form is owner- or group-only.
SINKS = (
    CoreSink(
        id="chmod_octal",
        name="save_${entity}_file",
        phrase="save a $entity file named after $input in the `$dir` folder, set its permissions",
        produces="path",
        out_names=_PATHS,
        imports=("import os",),
        insecure="""
$out = os.path.join("$dir", os.path.basename($var))
with open($out, "w", encoding="utf-8") as handle:
    handle.write("$field,$field2,$field3\\n")
os.chmod($out, 0o666)
""",
        secure="""
$out = os.path.join("$dir", os.path.basename($var))
with open($out, "w", encoding="utf-8") as handle:
    handle.write("$field,$field2,$field3\\n")
os.chmod($out, 0o644)
""",
    ),
    CoreSink(
        id="makedirs_keyword",
        name="create_${entity}_folder",
        phrase="create a folder named after $input inside `$dir` with an explicit permission mode",
        produces="path",
        out_names=_FOLDERS,
        imports=("import os", "from werkzeug.utils import secure_filename"),
        insecure="""
$out = os.path.join("$dir", secure_filename($var))
os.makedirs($out, mode=0o777, exist_ok=True)
""",
        secure="""
$out = os.path.join("$dir", secure_filename($var))
os.makedirs($out, mode=0o750, exist_ok=True)
""",
    ),
    CoreSink(
        id="os_open_fdopen",
        name="write_${entity}_state",
        phrase="create a JSON state file named after $input in `$dir` through a raw file "
        "descriptor, write the value into it",
        produces="size",
        out_names=_SIZES,
        imports=("import json", "import os"),
        insecure="""
target = os.path.join("$dir", os.path.basename($var) + ".json")
fd = os.open(target, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o666)
with os.fdopen(fd, "w", encoding="utf-8") as handle:
    $out = handle.write(json.dumps({"$field": $var}))
""",
        secure="""
target = os.path.join("$dir", os.path.basename($var) + ".json")
fd = os.open(target, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
with os.fdopen(fd, "w", encoding="utf-8") as handle:
    $out = handle.write(json.dumps({"$field": $var}))
""",
    ),
    CoreSink(
        id="path_chmod_flags",
        name="export_$plural",
        phrase="write the $plural header to a `.txt` file named after $input in `$dir`, "
        "set its permission bits",
        produces="path",
        out_names=_PATHS,
        imports=("import stat", "from pathlib import Path"),
        insecure="""
$out = Path("$dir") / f"{Path($var).name}.txt"
$out.write_text("$field\\t$field2\\n", encoding="utf-8")
$out.chmod(stat.S_IRUSR | stat.S_IWUSR | stat.S_IRGRP | stat.S_IWGRP | stat.S_IROTH | stat.S_IWOTH)
""",
        secure="""
$out = Path("$dir") / f"{Path($var).name}.txt"
$out.write_text("$field\\t$field2\\n", encoding="utf-8")
$out.chmod(stat.S_IRUSR | stat.S_IWUSR | stat.S_IRGRP)
""",
    ),
    CoreSink(
        id="stat_or_flag",
        name="share_${entity}_file",
        phrase="create a file named after $input in `$dir` if it is missing, add write access "
        "on top of its current permissions",
        produces="path",
        out_names=_PATHS,
        imports=("import os", "import stat"),
        insecure="""
$out = os.path.join("$dir", os.path.basename($var))
open($out, "a", encoding="utf-8").close()
current = os.stat($out).st_mode
os.chmod($out, current | stat.S_IWOTH)
""",
        secure="""
$out = os.path.join("$dir", os.path.basename($var))
open($out, "a", encoding="utf-8").close()
current = os.stat($out).st_mode
os.chmod($out, current | stat.S_IWGRP)
""",
    ),
    CoreSink(
        id="umask_try",
        name="prepare_${entity}_folder",
        phrase="create a folder named after $input in `$dir` with the file creation mask set "
        "just for that call",
        produces="path",
        out_names=_FOLDERS,
        imports=("import os",),
        insecure="""
$out = os.path.join("$dir", os.path.basename($var))
previous = os.umask(0)
try:
    os.makedirs($out, exist_ok=True)
finally:
    os.umask(previous)
""",
        secure="""
$out = os.path.join("$dir", os.path.basename($var))
previous = os.umask(0o027)
try:
    os.makedirs($out, exist_ok=True)
finally:
    os.umask(previous)
""",
    ),
    CoreSink(
        id="touch_keyword",
        name="register_$entity",
        phrase="create an empty marker file named after $input in `$dir` with an explicit mode",
        produces="path",
        out_names=_PATHS,
        imports=("from pathlib import Path",),
        insecure="""
folder = Path("$dir")
folder.mkdir(parents=True, exist_ok=True)
$out = folder / Path($var).name
$out.touch(mode=0o666, exist_ok=True)
""",
        secure="""
folder = Path("$dir")
folder.mkdir(parents=True, exist_ok=True)
$out = folder / Path($var).name
$out.touch(mode=0o600, exist_ok=True)
""",
    ),
    CoreSink(
        id="fchmod_script",
        name="install_${entity}_hook",
        phrase="write a small shell script named after $input into `$dir`, make it executable",
        produces="path",
        out_names=_PATHS,
        imports=("import os", "import stat", "from werkzeug.utils import secure_filename"),
        insecure="""
$out = os.path.join("$dir", secure_filename($var) + ".sh")
with open($out, "w", encoding="utf-8") as handle:
    handle.write("#!/bin/sh\\necho $entity\\n")
    os.fchmod(handle.fileno(), stat.S_IRWXU | stat.S_IRWXG | stat.S_IRWXO)
""",
        secure="""
$out = os.path.join("$dir", secure_filename($var) + ".sh")
with open($out, "w", encoding="utf-8") as handle:
    handle.write("#!/bin/sh\\necho $entity\\n")
    os.fchmod(handle.fileno(), stat.S_IRWXU | stat.S_IRGRP | stat.S_IXGRP)
""",
    ),
    CoreSink(
        id="makedirs_loop",
        name="setup_${entity}_workspace",
        phrase="create a workspace folder named after $input in `$dir` with inbox, outbox and "
        "archive subfolders",
        produces="path",
        out_names=_FOLDERS,
        imports=("import os",),
        insecure="""
$out = os.path.join("$dir", os.path.basename($var))
for sub in ("inbox", "outbox", "archive"):
    os.makedirs(os.path.join($out, sub), 0o777, exist_ok=True)
""",
        secure="""
$out = os.path.join("$dir", os.path.basename($var))
for sub in ("inbox", "outbox", "archive"):
    os.makedirs(os.path.join($out, sub), 0o700, exist_ok=True)
""",
    ),
    CoreSink(
        id="mkdir_existing",
        name="reserve_$entity",
        phrase="create a folder named after $input in `$dir` unless it already exists",
        produces="path",
        out_names=_FOLDERS,
        imports=("from pathlib import Path",),
        insecure="""
$out = Path("$dir", Path($var).name)
try:
    $out.mkdir(0o777)
except FileExistsError:
    pass
""",
        secure="""
$out = Path("$dir", Path($var).name)
try:
    $out.mkdir(0o700)
except FileExistsError:
    pass
""",
    ),
    CoreSink(
        id="walk_chmod",
        name="publish_${entity}_tree",
        phrase="create the `$dir` subfolder named after $input if it is missing, set the "
        "permissions of everything in it",
        produces="path",
        out_names=_FOLDERS,
        imports=("import os",),
        insecure="""
$out = os.path.join("$dir", os.path.basename($var))
os.makedirs($out, exist_ok=True)
for root, dirs, files in os.walk($out):
    for name in dirs + files:
        os.chmod(os.path.join(root, name), 0o777)
""",
        secure="""
$out = os.path.join("$dir", os.path.basename($var))
os.makedirs($out, exist_ok=True)
for root, dirs, files in os.walk($out):
    for name in dirs + files:
        os.chmod(os.path.join(root, name), 0o755)
""",
    ),
    CoreSink(
        id="os_open_append",
        name="append_${entity}_line",
        phrase="append the value as a line to a `.log` file named after $input in `$dir` "
        "through a raw file descriptor",
        produces="size",
        out_names=_SIZES,
        imports=("import os",),
        insecure="""
target = os.path.join("$dir", os.path.basename($var) + ".log")
fd = os.open(target, os.O_WRONLY | os.O_CREAT | os.O_APPEND, mode=0o666)
try:
    $out = os.write(fd, f"{$var}\\n".encode("utf-8"))
finally:
    os.close(fd)
""",
        secure="""
target = os.path.join("$dir", os.path.basename($var) + ".log")
fd = os.open(target, os.O_WRONLY | os.O_CREAT | os.O_APPEND, mode=0o600)
try:
    $out = os.write(fd, f"{$var}\\n".encode("utf-8"))
finally:
    os.close(fd)
""",
    ),
    CoreSink(
        id="chmod_mode_name",
        name="store_$entity",
        phrase="store an empty placeholder file named after $input in `$dir`, give it a fixed "
        "permission mode",
        produces="path",
        out_names=_PATHS,
        imports=("import os",),
        insecure="""
mode = 0o666
$out = os.path.join("$dir", os.path.basename($var))
with open($out, "wb"):
    pass
os.chmod($out, mode=mode)
""",
        secure="""
mode = 0o640
$out = os.path.join("$dir", os.path.basename($var))
with open($out, "wb"):
    pass
os.chmod($out, mode=mode)
""",
    ),
)

RESULTS = (
    CoreResult(
        id="json_stored",
        context="web",
        consumes=("path",),
        phrase="answer 201 with its name as JSON",
        code='return jsonify({"stored": os.path.basename($out)}), 201',
        imports=("import os", "from flask import jsonify"),
    ),
    CoreResult(
        id="dict_created",
        context="web",
        consumes=("path",),
        phrase="return its name and a created flag",
        code='return {"$entity": os.path.basename($out), "created": True}',
        imports=("import os",),
    ),
    CoreResult(
        id="check_exists",
        context="web",
        consumes=("path",),
        phrase="answer 500 if it is not there afterwards, else its name",
        code='if not os.path.exists($out):\n    abort(500)\nreturn {"name": os.path.basename($out)}',
        imports=("import os", "from flask import abort"),
    ),
    CoreResult(
        id="json_mode",
        context="web",
        consumes=("path",),
        phrase="return its name and permission bits as JSON",
        code="info = os.stat($out)\n"
        "return jsonify(name=os.path.basename($out), mode=oct(info.st_mode & 0o777))",
        imports=("import os", "from flask import jsonify"),
    ),
    CoreResult(
        id="json_written",
        context="web",
        consumes=("size",),
        phrase="answer 201 with the number of characters written",
        code='return {"written": $out}, 201',
    ),
    CoreResult(
        id="json_name_size",
        context="web",
        consumes=("size",),
        phrase="return the file name and size as JSON",
        code='return jsonify({"$field": os.path.basename($var), "size": $out})',
        imports=("import os", "from flask import jsonify"),
    ),
    CoreResult(
        id="print_created",
        context="script",
        consumes=("path",),
        phrase="print where it is",
        code='print(f"created {$out}")',
    ),
    CoreResult(
        id="print_return",
        context="script",
        consumes=("path",),
        phrase="print its path and return 0",
        code="print($out)\nreturn 0",
    ),
    CoreResult(
        id="log_path",
        context="script",
        consumes=("path", "size"),
        phrase="log what it did",
        code='logging.getLogger("$app_name").info("$entity %s: %s", $var, $out)',
        imports=("import logging",),
    ),
    CoreResult(
        id="print_json_mode",
        context="script",
        consumes=("path",),
        phrase="print its path and permission bits as JSON",
        code='print(json.dumps({"path": str($out), "mode": oct(os.stat($out).st_mode & 0o777)}))',
        imports=("import json", "import os"),
    ),
    CoreResult(
        id="print_size",
        context="script",
        consumes=("size",),
        phrase="print how much was written",
        code='print(f"wrote {$out} characters for {$var}")',
    ),
    CoreResult(
        id="exit_status",
        context="script",
        consumes=("size",),
        phrase="return 0 when something was written and 1 otherwise",
        code="return 0 if $out else 1",
    ),
)

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
    composition=Composition(
        sources=SOURCES, steps=STEPS, sinks=SINKS, results=RESULTS, layouts=("inline", "helper")
    ),
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
