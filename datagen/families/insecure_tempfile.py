from emgen.schemas.catalog import Family, Skeleton

FAMILY = Family(
    id="insecure_tempfile",
    cwe="CWE-377",
    title="Insecure temporary file: predictable names from tempfile.mktemp or fixed /tmp paths",
    rule_ids=("tempfile-mktemp", "predictable-tmp-path"),
    paper_weight=2,
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
