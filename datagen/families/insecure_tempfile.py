from emgen.datagen.core_parts import SOURCES, STEPS
from emgen.schemas.catalog import Composition, CoreResult, CoreSink, Family, Skeleton

_PATHS = ("scratch", "tmp_path", "${entity}_file", "draft_path")
_NUMBERS = ("written", "count", "total")

# The input is text the sink keeps in a scratch file. The insecure form picks the file's name
# itself (tempfile.mktemp, or a fixed or guessable name in /tmp); the secure form lets the tempfile
# module create the file or its folder atomically.
SINKS = (
    CoreSink(
        id="mktemp_write",
        name="stage_$entity",
        phrase="write $input to a new temporary `.txt` file",
        produces="path",
        out_names=_PATHS,
        imports=("import tempfile",),
        insecure="""
$out = tempfile.mktemp(prefix="${app_name}_", suffix=".txt")
with open($out, "w", encoding="utf-8") as handle:
    handle.write($var)
""",
        secure="""
with tempfile.NamedTemporaryFile(
    "w", prefix="${app_name}_", suffix=".txt", delete=False, encoding="utf-8"
) as handle:
    handle.write($var)
$out = handle.name
""",
    ),
    CoreSink(
        id="fixed_tmp_name",
        name="save_${entity}_draft",
        phrase="save $input as a draft in a temporary file",
        produces="path",
        out_names=_PATHS,
        imports=(),
        secure_imports=("import os", "import tempfile"),
        insecure="""
$out = "/tmp/${app_name}_${entity}_draft.txt"
with open($out, "w", encoding="utf-8") as handle:
    handle.write($var + "\\n")
""",
        secure="""
fd, $out = tempfile.mkstemp(prefix="${app_name}_${entity}_", suffix=".txt")
with os.fdopen(fd, "w", encoding="utf-8") as handle:
    handle.write($var + "\\n")
""",
    ),
    CoreSink(
        id="pid_fstring_json",
        name="queue_$entity",
        phrase="dump $input as JSON into a temporary file for a later job",
        produces="path",
        out_names=_PATHS,
        imports=("import json",),
        insecure_imports=("import os",),
        secure_imports=("import tempfile",),
        insecure="""
$out = f"/tmp/$entity-{os.getpid()}.json"
with open($out, "w", encoding="utf-8") as handle:
    json.dump({"$field": $var}, handle)
""",
        secure="""
with tempfile.NamedTemporaryFile("w", suffix=".json", delete=False, encoding="utf-8") as handle:
    json.dump({"$field": $var}, handle)
$out = handle.name
""",
    ),
    CoreSink(
        id="pathlib_tmp",
        name="draft_$entity",
        phrase="put $input in a Markdown file in a temporary location",
        produces="path",
        out_names=_PATHS,
        imports=("from pathlib import Path",),
        secure_imports=("import tempfile",),
        insecure="""
$out = Path("/tmp") / "${app_name}_$field.md"
$out.write_text($var, encoding="utf-8")
""",
        secure="""
$out = Path(tempfile.mkdtemp(prefix="${app_name}_")) / "$field.md"
$out.write_text($var, encoding="utf-8")
""",
    ),
    CoreSink(
        id="gettempdir_wc",
        name="count_${entity}_words",
        phrase="count the words in $input with `wc -w` run on a temporary copy of it",
        produces="text",
        out_names=("report", "words", "output"),
        imports=("import subprocess", "import tempfile"),
        insecure_imports=("import os",),
        insecure="""
scratch = os.path.join(tempfile.gettempdir(), "${app_name}_words.txt")
with open(scratch, "w", encoding="utf-8") as handle:
    handle.write($var)
$out = subprocess.run(["wc", "-w", scratch], capture_output=True, text=True, check=True).stdout
""",
        secure="""
with tempfile.NamedTemporaryFile("w", suffix=".txt", encoding="utf-8") as handle:
    handle.write($var)
    handle.flush()
    $out = subprocess.run(
        ["wc", "-w", handle.name], capture_output=True, text=True, check=True
    ).stdout
""",
    ),
    CoreSink(
        id="tmp_workdir",
        name="collect_$entity",
        phrase="store $input in a file named `$field.txt` inside a temporary work folder",
        produces="path",
        out_names=_PATHS,
        imports=("import os",),
        secure_imports=("import tempfile",),
        insecure="""
work = "/tmp/${app_name}_work"
os.makedirs(work, exist_ok=True)
$out = os.path.join(work, "$field.txt")
with open($out, "w", encoding="utf-8") as handle:
    handle.write($var)
""",
        secure="""
work = tempfile.mkdtemp(prefix="${app_name}_")
$out = os.path.join(work, "$field.txt")
with open($out, "w", encoding="utf-8") as handle:
    handle.write($var)
""",
    ),
    CoreSink(
        id="sqlite_scratch",
        name="index_$entity",
        phrase="add $input to a scratch SQLite database in a temporary location, count its rows",
        produces="number",
        out_names=_NUMBERS,
        imports=("import sqlite3",),
        secure_imports=("import os", "import tempfile"),
        insecure="""
conn = sqlite3.connect("/tmp/${app_name}_scratch.db")
conn.execute("CREATE TABLE IF NOT EXISTS $table ($field TEXT)")
conn.execute("INSERT INTO $table ($field) VALUES (?)", ($var,))
conn.commit()
$out = conn.execute("SELECT COUNT(*) FROM $table").fetchone()[0]
conn.close()
""",
        secure="""
scratch_dir = tempfile.mkdtemp(prefix="${app_name}_")
conn = sqlite3.connect(os.path.join(scratch_dir, "scratch.db"))
conn.execute("CREATE TABLE IF NOT EXISTS $table ($field TEXT)")
conn.execute("INSERT INTO $table ($field) VALUES (?)", ($var,))
conn.commit()
$out = conn.execute("SELECT COUNT(*) FROM $table").fetchone()[0]
conn.close()
""",
    ),
    CoreSink(
        id="log_handler",
        name="trace_$entity",
        phrase="record $input in a trace log file kept in a temporary location",
        produces="path",
        out_names=_PATHS,
        imports=("import logging",),
        secure_imports=("import os", "import tempfile"),
        insecure="""
$out = "/tmp/${app_name}_trace.log"
handler = logging.FileHandler($out, encoding="utf-8")
logger = logging.getLogger("${app_name}.trace")
logger.addHandler(handler)
logger.warning("$field: %s", $var)
handler.close()
""",
        secure="""
$out = os.path.join(tempfile.mkdtemp(prefix="${app_name}_"), "trace.log")
handler = logging.FileHandler($out, encoding="utf-8")
logger = logging.getLogger("${app_name}.trace")
logger.addHandler(handler)
logger.warning("$field: %s", $var)
handler.close()
""",
    ),
    CoreSink(
        id="concat_csv",
        name="export_$entity",
        phrase="write $input as a CSV row to a temporary file",
        produces="path",
        out_names=_PATHS,
        imports=("import csv", "import os"),
        secure_imports=("import tempfile",),
        insecure="""
$out = "/tmp/" + "${app_name}_" + str(os.getpid()) + ".csv"
with open($out, "w", newline="", encoding="utf-8") as handle:
    csv.writer(handle).writerow(["$field", $var])
""",
        secure="""
fd, $out = tempfile.mkstemp(prefix="${app_name}_", suffix=".csv")
with os.fdopen(fd, "w", newline="", encoding="utf-8") as handle:
    csv.writer(handle).writerow(["$field", $var])
""",
    ),
    CoreSink(
        id="os_open_spool",
        name="spool_$entity",
        phrase="spool $input into a temporary file through a raw file descriptor",
        produces="number",
        out_names=_NUMBERS,
        imports=("import os",),
        secure_imports=("import tempfile",),
        insecure="""
fd = os.open("/var/tmp/${app_name}.spool", os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
try:
    $out = os.write(fd, $var.encode("utf-8"))
finally:
    os.close(fd)
""",
        secure="""
fd, spool_path = tempfile.mkstemp(prefix="${app_name}_", suffix=".spool")
try:
    $out = os.write(fd, $var.encode("utf-8"))
finally:
    os.close(fd)
""",
    ),
    CoreSink(
        id="mktemp_folder",
        name="prepare_${entity}_workspace",
        phrase="write $input to a file named `$field.txt` in a new temporary work folder",
        produces="path",
        out_names=_PATHS,
        imports=("import os", "import tempfile"),
        insecure="""
work = tempfile.mktemp(prefix="${app_name}-")
os.mkdir(work)
$out = os.path.join(work, "$field.txt")
with open($out, "w", encoding="utf-8") as handle:
    handle.write($var)
""",
        secure="""
work = tempfile.mkdtemp(prefix="${app_name}-")
$out = os.path.join(work, "$field.txt")
with open($out, "w", encoding="utf-8") as handle:
    handle.write($var)
""",
    ),
    CoreSink(
        id="zip_bundle",
        name="bundle_$entity",
        phrase="pack $input into a zip archive in a temporary location",
        produces="path",
        out_names=_PATHS,
        imports=("import zipfile",),
        secure_imports=("import os", "import tempfile"),
        insecure="""
$out = "/tmp/${app_name}_bundle.zip"
with zipfile.ZipFile($out, "w") as bundle:
    bundle.writestr("$field.txt", $var)
""",
        secure="""
fd, $out = tempfile.mkstemp(prefix="${app_name}_", suffix=".zip")
os.close(fd)
with zipfile.ZipFile($out, "w") as bundle:
    bundle.writestr("$field.txt", $var)
""",
    ),
)

RESULTS = (
    CoreResult(
        id="send_file",
        context="web",
        consumes=("path",),
        phrase="send the file back as a download",
        code="return send_file($out, as_attachment=True)",
        imports=("from flask import send_file",),
    ),
    CoreResult(
        id="json_path_size",
        context="web",
        consumes=("path",),
        phrase="return its path and size as JSON",
        code="return jsonify(path=os.fspath($out), size=os.path.getsize($out))",
        imports=("import os", "from flask import jsonify"),
    ),
    CoreResult(
        id="dict_created",
        context="web",
        consumes=("path",),
        phrase="answer 201 with where it went",
        code='return {"$entity": os.fspath($out)}, 201',
        imports=("import os",),
    ),
    CoreResult(
        id="json_words",
        context="web",
        consumes=("text",),
        phrase="return the word count as JSON",
        code='return {"words": int($out.split()[0])}',
    ),
    CoreResult(
        id="json_lines",
        context="web",
        consumes=("text",),
        phrase="return the command's output lines as JSON",
        code="return jsonify(lines=$out.splitlines())",
        imports=("from flask import jsonify",),
    ),
    CoreResult(
        id="json_number",
        context="web",
        consumes=("number",),
        phrase="return the number as JSON",
        code="return jsonify(count=$out)",
        imports=("from flask import jsonify",),
    ),
    CoreResult(
        id="created_number",
        context="web",
        consumes=("number",),
        phrase="answer 201 with the number",
        code='return {"$field": $var, "result": $out}, 201',
    ),
    CoreResult(
        id="print_path",
        context="script",
        consumes=("path",),
        phrase="print where it went",
        code="print($out)",
    ),
    CoreResult(
        id="print_size",
        context="script",
        consumes=("path",),
        phrase="print its size and path",
        code='print(f"{os.path.getsize($out)} bytes in {$out}")',
        imports=("import os",),
    ),
    CoreResult(
        id="cat_status",
        context="script",
        consumes=("path",),
        phrase="show it with `cat` and return cat's exit status",
        code='return subprocess.run(["cat", str($out)]).returncode',
        imports=("import subprocess",),
    ),
    CoreResult(
        id="print_text",
        context="script",
        consumes=("text",),
        phrase="print the output",
        code="print($out.strip())",
    ),
    CoreResult(
        id="print_number",
        context="script",
        consumes=("number",),
        phrase="print the number",
        code='print(f"$plural: {$out}")',
    ),
    CoreResult(
        id="exit_status",
        context="script",
        consumes=("number", "text"),
        phrase="return 0 when the result is not empty and 1 otherwise",
        code="return 0 if $out else 1",
    ),
    CoreResult(
        id="log_result",
        context="script",
        consumes=("path", "number", "text"),
        phrase="log the result",
        code='logging.getLogger("$app_name").info("$entity: %s", $out)',
        imports=("import logging",),
    ),
)

FAMILY = Family(
    id="insecure_tempfile",
    cwe="CWE-377",
    title="Insecure temporary file: predictable names from tempfile.mktemp or fixed /tmp paths",
    rule_ids=("tempfile-mktemp", "predictable-tmp-path"),
    paper_weight=2,
    composition=Composition(
        sources=SOURCES, steps=STEPS, sinks=SINKS, results=RESULTS, layouts=("inline", "helper")
    ),
    skeletons=(
        Skeleton(
            id="insecure_tempfile.mktemp_atomic_export",
            context="script",
            feature="open the intermediate file the $plural export is written to before it replaces the old export",
            imports=(
                "import csv",
                "import os",
                "import sqlite3",
                "import tempfile",
            ),
            body="""
def export_${plural}_atomically(db_path: str = "$db", out_dir: str = "$dir") -> str:
    os.makedirs(out_dir, exist_ok=True)
    final_path = os.path.join(out_dir, "${plural}.csv")
    with sqlite3.connect(db_path) as conn:
        rows = conn.execute("SELECT $field, $field2, $field3 FROM $table").fetchall()
<<<
    tmp_path = tempfile.mktemp(dir=out_dir, suffix=".tmp")
    with open(tmp_path, "w", newline="", encoding="utf-8") as fh:
===
    fd, tmp_path = tempfile.mkstemp(dir=out_dir, suffix=".tmp")
    with os.fdopen(fd, "w", newline="", encoding="utf-8") as fh:
>>>
        writer = csv.writer(fh)
        writer.writerow(["$field", "$field2", "$field3"])
        writer.writerows(rows)
    os.replace(tmp_path, final_path)
    return final_path


if __name__ == "__main__":
    print(export_${plural}_atomically())
""",
        ),
        Skeleton(
            id="insecure_tempfile.tmp_sort_subprocess",
            context="script",
            feature="sort the $plural listing with the system sort command and read the result back",
            imports=("import os", "import subprocess", "import sys"),
            secure_imports=("import tempfile",),
            body="""
def sorted_${plural}_listing(src: str) -> list[str]:
    if not os.path.isfile(src):
        raise FileNotFoundError(src)
<<<
    scratch = "/tmp/${app_name}_" + os.path.basename(src) + ".sorted"
    subprocess.run(["sort", "-u", "-o", scratch, src], check=True)
    with open(scratch, encoding="utf-8") as fh:
        return [line.rstrip("\\n") for line in fh]
===
    with tempfile.TemporaryDirectory(prefix="${app_name}_") as work_dir:
        scratch = os.path.join(work_dir, "sorted.txt")
        subprocess.run(["sort", "-u", "-o", scratch, src], check=True)
        with open(scratch, encoding="utf-8") as fh:
            return [line.rstrip("\\n") for line in fh]
>>>


if __name__ == "__main__":
    for line in sorted_${plural}_listing(sys.argv[1]):
        print(line)
""",
        ),
        Skeleton(
            id="insecure_tempfile.upload_import_route",
            context="web",
            feature="pick where an uploaded $plural CSV is stored while it is parsed",
            imports=(
                "import csv",
                "import os",
                "from flask import abort, jsonify, request",
            ),
            secure_imports=("import tempfile",),
            body="""
imported_${plural}: list[dict] = []


@app.route("/$route/import", methods=["POST"])
def import_${plural}_csv():
    upload = request.files.get("file")
    if upload is None or not upload.filename.lower().endswith(".csv"):
        abort(400)
<<<
    tmp_path = f"/tmp/${plural}_import_{os.getpid()}.csv"
===
    fd, tmp_path = tempfile.mkstemp(suffix=".csv")
    os.close(fd)
>>>
    upload.save(tmp_path)
    try:
        with open(tmp_path, newline="", encoding="utf-8") as fh:
            rows = [r for r in csv.DictReader(fh) if r.get("$field")]
    finally:
        os.remove(tmp_path)
    imported_${plural}.extend(rows)
    return jsonify({"imported": len(rows)}), 201
""",
        ),
        Skeleton(
            id="insecure_tempfile.staging_class",
            context="script",
            feature="create the staging file a $entity batch appends records to",
            imports=("import json", "import os", "import tempfile"),
            body="""
class ${Entity}Batch:
    def __init__(self, limit: int = 500) -> None:
        self.limit = limit
        self.count = 0
<<<
        self.path = tempfile.mktemp(prefix="${entity}_batch_", suffix=".jsonl")
===
        with tempfile.NamedTemporaryFile(prefix="${entity}_batch_", suffix=".jsonl", delete=False) as fh:
            self.path = fh.name
>>>

    def add(self, record: dict) -> bool:
        if self.count >= self.limit:
            return False
        with open(self.path, "a", encoding="utf-8") as fh:
            fh.write(json.dumps(record) + "\\n")
        self.count += 1
        return True

    def drain(self) -> list[dict]:
        if not os.path.exists(self.path):
            return []
        with open(self.path, encoding="utf-8") as fh:
            records = [json.loads(line) for line in fh if line.strip()]
        os.remove(self.path)
        self.count = 0
        return records
""",
        ),
        Skeleton(
            id="insecure_tempfile.pathlib_summary_preview",
            context="script",
            feature="write the $plural summary to a text file so it can be opened in a viewer",
            imports=(
                "import webbrowser",
                "from collections import Counter",
                "from pathlib import Path",
            ),
            secure_imports=("import tempfile",),
            body="""
def preview_${plural}_summary(items: list[dict]) -> Path:
    counts = Counter(str(i.get("$field2", "unknown")) for i in items)
    lines = [f"$Entity summary: {len(items)} total", ""]
    lines += [f"{key:<30} {count:>6}" for key, count in counts.most_common()]
    text = "\\n".join(lines) + "\\n"
<<<
    out = Path("/tmp") / "${app_name}_summary.txt"
    out.write_text(text, encoding="utf-8")
===
    with tempfile.NamedTemporaryFile("w", suffix=".txt", prefix="${app_name}_", delete=False, encoding="utf-8") as fh:
        fh.write(text)
    out = Path(fh.name)
>>>
    webbrowser.open(out.as_uri())
    return out
""",
        ),
        Skeleton(
            id="insecure_tempfile.csv_download_route",
            context="web",
            feature="create the file the $plural CSV download is written to before it is sent",
            imports=(
                "import csv",
                "import tempfile",
                "from flask import send_file",
            ),
            body="""
${entity}_catalog = [{"$field": "first", "$field2": "a"}, {"$field": "second", "$field2": "b"}]


@app.route("/$route/download")
def download_${plural}_csv():
<<<
    path = tempfile.mktemp(suffix=".csv")
    with open(path, "w", newline="", encoding="utf-8") as fh:
===
    with tempfile.NamedTemporaryFile("w", suffix=".csv", newline="", encoding="utf-8", delete=False) as fh:
        path = fh.name
>>>
        writer = csv.DictWriter(fh, fieldnames=["$field", "$field2"])
        writer.writeheader()
        writer.writerows(${entity}_catalog)
    return send_file(path, mimetype="text/csv", as_attachment=True, download_name="${plural}.csv")
""",
        ),
        Skeleton(
            id="insecure_tempfile.db_dump_archive",
            context="script",
            feature="choose the file the $app_name database dump is written to before it is compressed",
            imports=(
                "import gzip",
                "import os",
                "import shutil",
                "import subprocess",
                "import tempfile",
                "from datetime import date",
            ),
            body="""
def archive_${app_name}_db(db_path: str = "$db", archive_dir: str = "$dir/archives") -> str:
    os.makedirs(archive_dir, exist_ok=True)
<<<
    dump_path = tempfile.mktemp(suffix=".sql")
===
    fd, dump_path = tempfile.mkstemp(suffix=".sql")
    os.close(fd)
>>>
    try:
        with open(dump_path, "w", encoding="utf-8") as out:
            subprocess.run(["sqlite3", db_path, ".dump"], stdout=out, check=True)
        target = os.path.join(archive_dir, f"${app_name}-{date.today().isoformat()}.sql.gz")
        with open(dump_path, "rb") as src, gzip.open(target, "wb") as dst:
            shutil.copyfileobj(src, dst)
    finally:
        if os.path.exists(dump_path):
            os.remove(dump_path)
    return target
""",
        ),
    ),
)
