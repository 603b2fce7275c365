from emgen.datagen.core_parts import (
    SOURCES,
    STEPS,
    argparse_source,
    argument_source,
    cookie_source,
    env_source,
    form_source,
    header_source,
    json_body_source,
    json_message_source,
    prompt_source,
    query_required_source,
    query_source,
    raw_body_source,
    size_limit_web_step,
)
from emgen.schemas.catalog import (
    Composition,
    CoreResult,
    CoreSink,
    CoreStep,
    Family,
    Skeleton,
)

# Composed cores: the input is serialized data (text) or, in scripts, the path of a saved file.
# The shelve rule is taint mode with its own sources, so shelve stays in the skeletons.
_DATA = ("data", "state", "loaded", "$entity")

_SOURCES = (
    *(s for s in SOURCES if s.id in {"argv", "stdin_line", "file_line", "path"}),
    query_source("state", id="query_state"),
    query_required_source("payload"),
    form_source("$entity"),
    json_body_source("data", holder="body"),
    raw_body_source(),
    header_source("X-$Entity-State"),
    cookie_source("${entity}_state"),
    argparse_source("data", description="$Entity loader"),
    env_source("${ENV}_STATE"),
    prompt_source("$Entity data", phrase="what the user pastes at a prompt"),
    json_message_source("payload"),
    argument_source("value"),
)

_STEPS = (
    *(
        s
        for s in STEPS
        if s.id in {"strip", "log", "to_text", "require_web", "too_long_web", "require_script"}
    ),
    CoreStep(
        id="unquote",
        code="$var = urllib.parse.unquote($var)",
        imports=("import urllib.parse",),
    ),
    CoreStep(id="drop_prefix", code='$var = $var.removeprefix("v1:")'),
    size_limit_web_step("64 * 1024"),
    CoreStep(
        id="empty_script",
        context="script",
        code='if not $var:\n    print("nothing to load", file=sys.stderr)\n    return 1',
        imports=("import sys",),
    ),
)

_SINKS = (
    CoreSink(
        id="pickle_b64",
        name="restore_$entity",
        phrase="restore the $entity state encoded as base64 in $input",
        produces="data",
        out_names=_DATA,
        imports=("import base64",),
        insecure_imports=("import pickle",),
        secure_imports=("import json",),
        insecure="$out = pickle.loads(base64.b64decode($var))",
        secure="$out = json.loads(base64.b64decode($var))",
    ),
    CoreSink(
        id="pickle_urlsafe_try",
        name="decode_$entity",
        phrase="decode the URL-safe base64 $entity state in $input (None when it is invalid)",
        produces="data",
        out_names=_DATA,
        imports=("import base64",),
        insecure_imports=("import pickle",),
        secure_imports=("import json",),
        insecure="""
try:
    $out = pickle.loads(base64.urlsafe_b64decode($var.encode()))
except (pickle.UnpicklingError, ValueError, EOFError):
    $out = None
""",
        secure="""
try:
    $out = json.loads(base64.urlsafe_b64decode($var.encode()))
except ValueError:
    $out = None
""",
    ),
    CoreSink(
        id="pickle_zlib",
        name="unpack_$entity",
        phrase="unpack the compressed, base64-encoded $entity state in $input",
        produces="data",
        out_names=_DATA,
        imports=("import base64", "import zlib"),
        insecure_imports=("import pickle",),
        secure_imports=("import json",),
        insecure="$out = pickle.loads(zlib.decompress(base64.b64decode($var)))",
        secure="$out = json.loads(zlib.decompress(base64.b64decode($var)))",
    ),
    CoreSink(
        id="unpickler_stream",
        name="read_$entity",
        phrase="read the $entity record encoded as base64 in $input",
        produces="data",
        out_names=_DATA,
        imports=("import base64", "import io"),
        insecure_imports=("import pickle",),
        secure_imports=("import json",),
        insecure="""
buffer = io.BytesIO(base64.b64decode($var))
$out = pickle.Unpickler(buffer).load()
""",
        secure="""
buffer = io.BytesIO(base64.b64decode($var))
$out = json.load(buffer)
""",
    ),
    CoreSink(
        id="marshal_hex",
        name="load_$entity",
        phrase="load the $entity values hex-encoded in $input",
        produces="data",
        out_names=_DATA,
        insecure_imports=("import marshal",),
        secure_imports=("import json",),
        insecure="$out = marshal.loads(bytes.fromhex($var))",
        secure="$out = json.loads(bytes.fromhex($var))",
    ),
    CoreSink(
        id="jsonpickle_decode",
        name="rebuild_$entity",
        phrase="rebuild the $entity object described by the JSON text in $input",
        produces="data",
        out_names=_DATA,
        insecure_imports=("import jsonpickle",),
        secure_imports=("import json",),
        insecure="$out = jsonpickle.decode($var)",
        secure="$out = json.loads($var)",
    ),
    CoreSink(
        id="yaml_loader_kw",
        name="parse_$plural",
        phrase="parse the YAML document in $input",
        produces="data",
        out_names=_DATA,
        imports=("import yaml",),
        insecure="$out = yaml.load($var, Loader=yaml.Loader)",
        secure="$out = yaml.safe_load($var)",
    ),
    CoreSink(
        id="yaml_full_load_default",
        name="read_$entity",
        phrase="read the $entity settings written as YAML in $input (an empty mapping when blank)",
        produces="data",
        out_names=_DATA,
        imports=("import yaml",),
        insecure="$out = yaml.full_load($var) or {}",
        secure="$out = yaml.safe_load($var) or {}",
    ),
    CoreSink(
        id="yaml_load_all",
        name="import_$plural",
        phrase="read every non-empty YAML document in $input",
        produces="data",
        out_names=("documents", "$plural", "entries"),
        imports=("import yaml",),
        insecure="$out = [doc for doc in yaml.load_all($var, Loader=yaml.FullLoader) if doc]",
        secure="$out = [doc for doc in yaml.safe_load_all($var) if doc]",
    ),
    CoreSink(
        id="yaml_positional_loader",
        name="parse_$entity",
        phrase="parse the YAML in $input (None when it is malformed)",
        produces="data",
        out_names=_DATA,
        imports=("import yaml",),
        insecure="""
try:
    $out = yaml.load($var, yaml.CLoader)
except yaml.YAMLError:
    $out = None
""",
        secure="""
try:
    $out = yaml.load($var, yaml.SafeLoader)
except yaml.YAMLError:
    $out = None
""",
    ),
    CoreSink(
        id="yaml_loader_object",
        name="load_$plural",
        phrase="load the single YAML document in $input",
        produces="data",
        out_names=_DATA,
        imports=("import yaml",),
        insecure="""
loader = yaml.Loader($var)
try:
    $out = loader.get_single_data()
finally:
    loader.dispose()
""",
        secure="""
loader = yaml.SafeLoader($var)
try:
    $out = loader.get_single_data()
finally:
    loader.dispose()
""",
    ),
    CoreSink(
        id="pickle_file",
        context="script",
        name="restore_$plural",
        phrase="load the saved $plural from the file named by $input",
        produces="data",
        out_names=_DATA,
        insecure_imports=("import pickle",),
        secure_imports=("import json",),
        insecure="""
with open($var, "rb") as fh:
    $out = pickle.load(fh)
""",
        secure="""
with open($var, encoding="utf-8") as fh:
    $out = json.load(fh)
""",
    ),
    CoreSink(
        id="pickle_pathlib",
        context="script",
        name="load_$plural",
        phrase="load the $entity snapshot kept in the file named by $input",
        produces="data",
        out_names=_DATA,
        imports=("from pathlib import Path",),
        insecure_imports=("import pickle",),
        secure_imports=("import json",),
        insecure="$out = pickle.loads(Path($var).read_bytes())",
        secure='$out = json.loads(Path($var).read_text(encoding="utf-8"))',
    ),
    CoreSink(
        id="yaml_file",
        context="script",
        name="read_$plural",
        phrase="read the $entity settings from the YAML file named by $input",
        produces="data",
        out_names=_DATA,
        imports=("import yaml",),
        insecure="""
with open($var, encoding="utf-8") as fh:
    $out = yaml.load(fh, Loader=yaml.FullLoader) or {}
""",
        secure="""
with open($var, encoding="utf-8") as fh:
    $out = yaml.safe_load(fh) or {}
""",
    ),
    CoreSink(
        id="numpy_file",
        context="script",
        name="load_${entity}_array",
        phrase="load the $entity array saved in the .npy file named by $input",
        produces="data",
        out_names=("values", "array", "$plural"),
        imports=("import numpy as np",),
        insecure="$out = np.load($var, allow_pickle=True).tolist()",
        secure="$out = np.load($var).tolist()",
    ),
    CoreSink(
        id="pickle_cache_check",
        context="script",
        name="open_${entity}_cache",
        phrase="load the $entity cache from the file named by $input (empty when the file is "
        "missing)",
        produces="data",
        out_names=_DATA,
        imports=("import os",),
        insecure_imports=("import pickle",),
        secure_imports=("import json",),
        insecure="""
$out = {}
if os.path.exists($var):
    with open($var, "rb") as cache:
        $out = pickle.load(cache)
""",
        secure="""
$out = {}
if os.path.exists($var):
    with open($var, encoding="utf-8") as cache:
        $out = json.load(cache)
""",
    ),
)

_RESULTS = (
    CoreResult(
        id="jsonify",
        context="web",
        consumes=("data",),
        phrase="return it as JSON",
        code="return jsonify($out)",
        imports=("from flask import jsonify",),
    ),
    CoreResult(
        id="keyed",
        context="web",
        consumes=("data",),
        phrase="return it under the `$entity` key",
        code='return {"$entity": $out}',
    ),
    CoreResult(
        id="none_400",
        context="web",
        consumes=("data",),
        phrase="answer 400 when there is nothing, or the data as JSON",
        code="if $out is None:\n    abort(400)\nreturn jsonify(data=$out)",
        imports=("from flask import abort, jsonify",),
    ),
    CoreResult(
        id="items_count",
        context="web",
        consumes=("data",),
        phrase="answer with how many items it holds and the items",
        code="items = $out if isinstance($out, list) else [$out]\n"
        "return jsonify(count=len(items), items=items)",
        imports=("from flask import jsonify",),
    ),
    CoreResult(
        id="session",
        context="web",
        consumes=("data",),
        phrase="keep it in the session",
        code='session["$entity"] = $out\nreturn {"stored": True}, 201',
        imports=("from flask import session",),
    ),
    CoreResult(
        id="print_json",
        context="script",
        consumes=("data",),
        phrase="print it as indented JSON",
        code="print(json.dumps($out, indent=2, default=str))",
        imports=("import json",),
    ),
    CoreResult(
        id="pprint",
        context="script",
        consumes=("data",),
        phrase="pretty-print it",
        code="pprint.pprint($out)",
        imports=("import pprint",),
    ),
    CoreResult(
        id="each_item",
        context="script",
        consumes=("data",),
        phrase="print each item on its own line",
        code="for item in $out if isinstance($out, list) else [$out]:\n    print(item)",
    ),
    CoreResult(
        id="summary",
        context="script",
        consumes=("data",),
        phrase="print what kind of value it is and how many entries it has",
        code='print(f"loaded {type($out).__name__} with {len($out)} entries")',
    ),
    CoreResult(
        id="save_json",
        context="script",
        consumes=("data",),
        phrase="save it as JSON in `$dir/$entity.json`",
        code='with open("$dir/$entity.json", "w", encoding="utf-8") as fh:\n'
        "    json.dump($out, fh, default=str)",
        imports=("import json",),
    ),
    CoreResult(
        id="exit_code",
        context="script",
        consumes=("data",),
        phrase="exit with 1 when it is empty",
        code="return 0 if $out else 1",
    ),
)


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
    composition=Composition(
        sources=_SOURCES,
        steps=_STEPS,
        sinks=_SINKS,
        results=_RESULTS,
        layouts=("inline", "helper"),
        var_names=("raw", "encoded", "${entity}_data", "payload"),
    ),
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
