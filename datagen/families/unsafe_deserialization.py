from emgen.schemas.catalog import Family, Skeleton

FAMILY = Family(
    id="unsafe_deserialization",
    cwe="CWE-502",
    title="Deserialization of user-supplied data with an object-constructing loader",
    rule_ids=(
        "yaml-load-object-constructing-loader",
        "pickle-style-deserialization",
        "shelve-open-user-supplied-file",
    ),
    paper_weight=6,
    skeletons=(
        Skeleton(
            id="unsafe_deserialization.yaml_upload",
            context="web",
            feature="import $plural from a YAML file that a user uploads, returning how many were added",
            imports=("import yaml", "from flask import jsonify, request"),
            body="""
${plural}_catalog = []


@app.route("/$route/import", methods=["POST"])
def import_${plural}_yaml():
    upload = request.files.get("file")
    if upload is None:
        return jsonify({"error": "no file"}), 400
<<<
    entries = yaml.load(upload.read(), Loader=yaml.Loader) or []
===
    entries = yaml.safe_load(upload.read()) or []
>>>
    added = 0
    for entry in entries:
        if isinstance(entry, dict) and entry.get("$field"):
            ${plural}_catalog.append({"$field": entry["$field"], "$field2": entry.get("$field2")})
            added += 1
    return jsonify({"added": added})
""",
        ),
        Skeleton(
            id="unsafe_deserialization.cookie_state",
            context="web",
            feature="keep the list of $plural a visitor has pinned in a cookie and show it back to them",
            imports=("import base64", "from flask import jsonify, request"),
            insecure_imports=("import pickle",),
            secure_imports=("import json",),
            body="""
@app.route("/$route/pinned")
def pinned_${plural}():
    cookie = request.cookies.get("pinned_$plural")
    pinned = []
    if cookie:
<<<
        try:
            pinned = pickle.loads(base64.b64decode(cookie))
        except (pickle.UnpicklingError, ValueError, EOFError):
            pinned = []
===
        try:
            pinned = json.loads(base64.b64decode(cookie))
        except ValueError:
            pinned = []
>>>
    return jsonify({"pinned": pinned, "count": len(pinned)})
""",
        ),
        Skeleton(
            id="unsafe_deserialization.snapshot_cli",
            context="script",
            feature="restore $plural from a snapshot file whose path is given on the command line and print a summary",
            imports=("import argparse",),
            insecure_imports=("import pickle",),
            secure_imports=("import json",),
            body="""
def restore_${plural}_snapshot(path):
<<<
    with open(path, "rb") as fh:
        snapshot = pickle.load(fh)
===
    with open(path, encoding="utf-8") as fh:
        snapshot = json.load(fh)
>>>
    return snapshot.get("$plural", [])


def main():
    parser = argparse.ArgumentParser(description="Restore $plural from a snapshot")
    parser.add_argument("snapshot")
    args = parser.parse_args()
    restored = restore_${plural}_snapshot(args.snapshot)
    for item in restored:
        print(item.get("$field"), item.get("$field2"))
    print(f"{len(restored)} $plural restored")


if __name__ == "__main__":
    main()
""",
        ),
        Skeleton(
            id="unsafe_deserialization.sync_view",
            context="web",
            feature="accept a batch of $plural that a desktop client posts in the request body and merge them",
            imports=("from flask import jsonify, request", "from flask.views import MethodView"),
            insecure_imports=("import pickle",),
            secure_imports=("import json",),
            body="""
class ${Entity}SyncView(MethodView):
    store = {}

    def post(self):
        body = request.get_data()
<<<
        batch = pickle.loads(body)
===
        batch = json.loads(body)
>>>
        for item in batch:
            self.store[item["id"]] = item
        return jsonify({"merged": len(batch), "total": len(self.store)})


app.add_url_rule("/$route/sync", view_func=${Entity}SyncView.as_view("${entity}_sync"))
""",
        ),
        Skeleton(
            id="unsafe_deserialization.settings_dataclass",
            context="script",
            feature="read the $app_name settings from a YAML file named on the command line into a settings object",
            imports=("import sys", "import yaml", "from dataclasses import dataclass, field"),
            body="""
@dataclass
class ${Entity}Settings:
    folder: str = "$dir"
    batch_size: int = 50
    tags: list = field(default_factory=list)


def read_${entity}_settings(path):
    with open(path, encoding="utf-8") as fh:
<<<
        loaded = yaml.load(fh, Loader=yaml.FullLoader) or {}
===
        loaded = yaml.safe_load(fh) or {}
>>>
    known = {k: v for k, v in loaded.items() if k in ("folder", "batch_size", "tags")}
    return ${Entity}Settings(**known)


if __name__ == "__main__":
    settings = read_${entity}_settings(sys.argv[1] if len(sys.argv) > 1 else "$app_name.yaml")
    print(settings)
""",
        ),
        Skeleton(
            id="unsafe_deserialization.index_cache",
            context="script",
            feature="load a cached index of $plural from a folder given as an argument, rebuilding it when it is missing",
            imports=("import sys", "from pathlib import Path"),
            insecure_imports=("import marshal",),
            secure_imports=("import json",),
            body="""
class ${Entity}IndexCache:
    def __init__(self, folder):
        self.folder = Path(folder)
        self.path = self.folder / "index.cache"

    def rebuild(self):
        return {p.stem: p.stat().st_size for p in self.folder.glob("*") if p.is_file()}

    def load(self):
        if not self.path.exists():
            return self.rebuild()
<<<
        return marshal.loads(self.path.read_bytes())
===
        return json.loads(self.path.read_text(encoding="utf-8"))
>>>


if __name__ == "__main__":
    index = ${Entity}IndexCache(sys.argv[1] if len(sys.argv) > 1 else "$dir").load()
    for name, size in sorted(index.items()):
        print(f"{name}\\t{size}")
""",
        ),
        Skeleton(
            id="unsafe_deserialization.multi_document_post",
            context="web",
            feature="accept several $plural posted as a multi-document YAML body and report which ones were accepted",
            imports=("import yaml", "from flask import jsonify, request"),
            body="""
@app.route("/$route/bulk", methods=["POST"])
def bulk_${plural}_yaml():
    text = request.get_data(as_text=True)
    accepted, rejected = [], 0
    try:
<<<
        documents = list(yaml.load_all(text, Loader=yaml.Loader))
===
        documents = list(yaml.safe_load_all(text))
>>>
    except yaml.YAMLError as exc:
        return jsonify({"error": str(exc)}), 400
    for doc in documents:
        if isinstance(doc, dict) and "$field" in doc:
            accepted.append(doc["$field"])
        else:
            rejected += 1
    return jsonify({"accepted": accepted, "rejected": rejected})
""",
        ),
        Skeleton(
            id="unsafe_deserialization.shelf_report",
            context="script",
            feature="print a report of the $plural kept in a data file whose path the user passes with --store",
            imports=("import argparse",),
            insecure_imports=("import shelve",),
            secure_imports=("import json",),
            body="""
def ${entity}_report(store_path):
    lines = []
<<<
    with shelve.open(store_path, flag="r") as store:
        records = dict(store)
===
    with open(store_path, encoding="utf-8") as fh:
        records = json.load(fh)
>>>
    for key in sorted(records):
        item = records[key]
        lines.append(f"{key}: {item.get('$field', '?')} ({item.get('$field3', '-')})")
    return "\\n".join(lines)


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("--store", required=True)
    print(${entity}_report(parser.parse_args().store))
""",
        ),
    ),
)
