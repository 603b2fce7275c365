from emgen.datagen.core_parts import (
    STEPS,
    argparse_source,
    argument_source,
    argv_source,
    env_source,
    ini_source,
    prompt_source,
    stdin_line_source,
)
from emgen.schemas.catalog import (
    Composition,
    Context,
    CoreResult,
    CoreSink,
    CoreSource,
    CoreStep,
    Family,
    Skeleton,
)

# Composed cores: the input is an archive, a path (scripts) or an uploaded file object (web).
_NAMES = ("names", "extracted", "entries", "$plural")
_COUNTS = ("count", "written", "total")
_FOLDERS = ("folder", "destination", "target_dir")

SCRIPT_ARCHIVE_SOURCES = (
    argv_source(phrase="whose path is the first command-line argument"),
    argv_source(
        id="argv_default",
        phrase="named on the command line (`$dir/incoming/latest` by default)",
        default='"$dir/incoming/latest"',
    ),
    argparse_source(
        "archive",
        phrase="whose path is given as the `archive` command-line argument",
        description="Unpack $plural",
        options=', help="path to the archive"',
    ),
    env_source(
        "IMPORT_ARCHIVE",
        phrase="whose path is in the `IMPORT_ARCHIVE` environment variable",
        default=None,
    ),
    stdin_line_source(phrase="whose path is read from standard input"),
    prompt_source("Archive to unpack", phrase="whose path the user types at a prompt", strip=True),
    argument_source(phrase="at the path the function is called with"),
    CoreSource(
        id="json_job",
        context="script",
        phrase="named by the `archive` key of a JSON job read from standard input",
        code='job = json.load(sys.stdin)\n$var = job["archive"]',
        imports=("import json", "import sys"),
    ),
    CoreSource(
        id="newest_download",
        context="script",
        phrase="that is the newest file in the `$dir/downloads` folder",
        code='candidates = sorted(Path("$dir", "downloads").iterdir(), key=lambda p: p.stat().st_mtime)\n'
        "if not candidates:\n"
        '    sys.exit("nothing to unpack")\n'
        "$var = str(candidates[-1])",
        imports=("import sys", "from pathlib import Path"),
    ),
    ini_source(
        "$app_name.ini",
        "import",
        "archive",
        id="ini_setting",
        phrase="named by the `archive` setting in `$app_name.ini`",
    ),
)

WEB_ARCHIVE_SOURCES = (
    CoreSource(
        id="upload",
        context="web",
        phrase="uploaded in the `archive` form field",
        code='$var = request.files["archive"]',
        methods=("POST",),
        imports=("from flask import request",),
    ),
    CoreSource(
        id="upload_checked",
        context="web",
        phrase="uploaded in the `${entity}_archive` form field",
        code='$var = request.files.get("${entity}_archive")\nif $var is None:\n    abort(400)',
        methods=("POST",),
        imports=("from flask import abort, request",),
    ),
    CoreSource(
        id="upload_stream",
        context="web",
        phrase="uploaded in the `bundle` form field",
        code='$var = request.files["bundle"].stream',
        methods=("POST",),
        imports=("from flask import request",),
    ),
    CoreSource(
        id="upload_bytes",
        context="web",
        phrase="uploaded in the `file` form field",
        code='$var = io.BytesIO(request.files["file"].read())',
        methods=("POST",),
        imports=("import io", "from flask import request"),
    ),
    CoreSource(
        id="raw_body",
        context="web",
        phrase="sent as the raw request body",
        code="$var = io.BytesIO(request.get_data())",
        methods=("PUT",),
        imports=("import io", "from flask import request"),
    ),
    CoreSource(
        id="first_of_many",
        context="web",
        phrase="uploaded first in the `archives` form field",
        code='uploads = request.files.getlist("archives")\n'
        "if not uploads:\n"
        '    return {"error": "no archive uploaded"}, 400\n'
        "$var = uploads[0]",
        methods=("POST",),
        imports=("from flask import request",),
    ),
)

ARCHIVE_STEPS = (
    *(s for s in STEPS if s.id in {"log", "require_script"}),
    CoreStep(
        id="exists",
        context="script",
        code='if not os.path.isfile($var):\n    sys.exit(f"no such archive: {$var}")',
        imports=("import os", "import sys"),
    ),
    CoreStep(
        id="expand_user",
        context="script",
        code="$var = os.path.expanduser($var)",
        imports=("import os",),
    ),
    CoreStep(
        id="absolute", context="script", code="$var = os.path.abspath($var)", imports=("import os",)
    ),
    CoreStep(
        id="size_limit_script",
        context="script",
        code='if os.path.getsize($var) > 512 * 1024 * 1024:\n    raise SystemExit("archive too large")',
        imports=("import os",),
    ),
    CoreStep(
        id="announce",
        context="script",
        code='print(f"unpacking {$var}", file=sys.stderr)',
        imports=("import sys",),
    ),
    CoreStep(
        id="size_limit_web",
        context="web",
        code="size = $var.seek(0, 2)\n$var.seek(0)\nif size > 64 * 1024 * 1024:\n    abort(413)",
        imports=("from flask import abort",),
    ),
    CoreStep(
        id="not_empty",
        context="web",
        code='if not $var.read(1):\n    return {"error": "empty archive"}, 400\n$var.seek(0)',
    ),
    CoreStep(
        id="content_length",
        context="web",
        code="if (request.content_length or 0) > 100 * 1024 * 1024:\n    abort(413)",
        imports=("from flask import abort, request",),
    ),
    CoreStep(
        id="app_log",
        context="web",
        code='current_app.logger.info("archive received for $route")',
        imports=("from flask import current_app",),
    ),
    CoreStep(
        id="mimetype",
        context="web",
        code='if request.mimetype not in ("multipart/form-data", "application/octet-stream"):\n'
        "    abort(415)",
        imports=("from flask import abort, request",),
    ),
)


def _tar_sinks(
    stem: str,
    name: str,
    phrase: str,
    produces: str,
    out_names: tuple[str, ...],
    imports: tuple[str, ...],
    insecure: str,
    secure: str,
    script_open: str = "tarfile.open($var)",
) -> tuple[CoreSink, ...]:
    """One tar sink in two forms: the archive opened by path (script) or as a file (web)."""
    forms: tuple[tuple[Context, str], ...] = (
        ("script", script_open),
        ("web", 'tarfile.open(fileobj=$var, mode="r:*")'),
    )
    return tuple(
        CoreSink(
            id=f"{stem}_{context}",
            context=context,
            name=name,
            phrase=phrase,
            produces=produces,
            out_names=out_names,
            imports=("import tarfile", *imports),
            insecure=insecure.replace("TAR_OPEN", opener),
            secure=secure.replace("TAR_OPEN", opener),
        )
        for context, opener in forms
    )


_TAR_SINKS = (
    *_tar_sinks(
        stem="extractall",
        name="import_$plural",
        phrase="extract the tar archive $input into the `$dir/imports` folder",
        produces="names",
        out_names=_NAMES,
        imports=(),
        insecure="""
with TAR_OPEN as archive:
    $out = archive.getnames()
    archive.extractall("$dir/imports")
""",
        secure="""
with TAR_OPEN as archive:
    $out = archive.getnames()
    archive.extractall("$dir/imports", filter="data")
""",
    ),
    *_tar_sinks(
        stem="members_list",
        name="restore_$plural",
        phrase="restore every entry of the gzipped tar archive $input into `$dir/restore`",
        produces="names",
        out_names=_NAMES,
        imports=("import os",),
        script_open='tarfile.open($var, "r:gz")',
        insecure="""
archive = TAR_OPEN
members = archive.getmembers()
archive.extractall(path=os.path.join("$dir", "restore"), members=members)
archive.close()
$out = [member.name for member in members]
""",
        secure="""
archive = TAR_OPEN
members = archive.getmembers()
archive.extractall(path=os.path.join("$dir", "restore"), members=members, filter="data")
archive.close()
$out = [member.name for member in members]
""",
    ),
    *_tar_sinks(
        stem="extract_each_file",
        name="unpack_$plural",
        phrase="extract the regular files of the tar archive $input into the `$dir` folder",
        produces="names",
        out_names=_NAMES,
        imports=(),
        insecure="""
$out = []
with TAR_OPEN as archive:
    for member in archive:
        if member.isfile():
            archive.extract(member, "$dir")
            $out.append(member.name)
""",
        secure="""
$out = []
with TAR_OPEN as archive:
    for member in archive:
        if member.isfile():
            archive.extract(member, "$dir", filter="data")
            $out.append(member.name)
""",
    ),
    *_tar_sinks(
        stem="checked_root",
        name="load_$plural",
        phrase="extract the tar archive $input under the `$dir/imports` folder, counting its entries",
        produces="count",
        out_names=_COUNTS,
        imports=("import os",),
        insecure="""
root = os.path.realpath(os.path.join("$dir", "imports"))
with TAR_OPEN as archive:
    archive.extractall(root)
    $out = len(archive.getmembers())
""",
        secure="""
root = os.path.realpath(os.path.join("$dir", "imports"))
with TAR_OPEN as archive:
    members = []
    for member in archive.getmembers():
        target = os.path.realpath(os.path.join(root, member.name))
        if os.path.commonpath([root, target]) != root or member.issym() or member.islnk():
            raise ValueError(f"refusing {member.name}")
        members.append(member)
    archive.extractall(root, members=members)
    $out = len(members)
""",
    ),
    *_tar_sinks(
        stem="json_by_name",
        name="extract_${entity}_metadata",
        phrase="copy the JSON files of the tar archive $input into the `$dir/meta` folder",
        produces="names",
        out_names=_NAMES,
        imports=(),
        insecure="""
with TAR_OPEN as archive:
    $out = [name for name in archive.getnames() if name.endswith(".json")]
    for name in $out:
        archive.extract(name, path="$dir/meta")
""",
        secure="""
with TAR_OPEN as archive:
    $out = [name for name in archive.getnames() if name.endswith(".json")]
    for name in $out:
        archive.extract(name, path="$dir/meta", filter="data")
""",
    ),
    *_tar_sinks(
        stem="copy_members",
        name="copy_${entity}_files",
        phrase="copy each regular file of the tar archive $input to the same relative path under "
        "`$dir`",
        produces="count",
        out_names=_COUNTS,
        imports=("import os", "import shutil"),
        insecure="""
$out = 0
with TAR_OPEN as archive:
    for member in archive.getmembers():
        if not member.isfile():
            continue
        target = os.path.join("$dir", member.name)
        os.makedirs(os.path.dirname(target), exist_ok=True)
        with archive.extractfile(member) as src, open(target, "wb") as dst:
            shutil.copyfileobj(src, dst)
        $out += 1
""",
        secure="""
root = os.path.realpath("$dir")
$out = 0
with TAR_OPEN as archive:
    for member in archive.getmembers():
        if not member.isfile():
            continue
        target = os.path.realpath(os.path.join(root, member.name))
        if os.path.commonpath([root, target]) != root:
            raise ValueError(f"{member.name} is outside {root}")
        os.makedirs(os.path.dirname(target), exist_ok=True)
        with archive.extractfile(member) as src, open(target, "wb") as dst:
            shutil.copyfileobj(src, dst)
        $out += 1
""",
    ),
    *_tar_sinks(
        stem="next_loop",
        name="collect_$plural",
        phrase="extract the CSV files of the tar archive $input into the `$dir` folder",
        produces="names",
        out_names=_NAMES,
        imports=(),
        insecure="""
$out = []
archive = TAR_OPEN
try:
    while (member := archive.next()) is not None:
        if member.name.endswith(".csv"):
            archive.extract(member, "$dir")
            $out.append(member.name)
finally:
    archive.close()
""",
        secure="""
$out = []
archive = TAR_OPEN
try:
    while (member := archive.next()) is not None:
        if member.name.endswith(".csv"):
            archive.extract(member, "$dir", filter="data")
            $out.append(member.name)
finally:
    archive.close()
""",
    ),
    *_tar_sinks(
        stem="one_line",
        name="expand_$plural",
        phrase="unpack the tar archive $input into `$dir/unpacked`",
        produces="folder",
        out_names=_FOLDERS,
        imports=("import os",),
        insecure="""
$out = os.path.join("$dir", "unpacked")
TAR_OPEN.extractall($out)
""",
        secure="""
$out = os.path.join("$dir", "unpacked")
TAR_OPEN.extractall($out, filter="data")
""",
    ),
    *_tar_sinks(
        stem="pathlib_write",
        name="save_${entity}_files",
        phrase="write each regular file of the tar archive $input under the `$dir` folder",
        produces="names",
        out_names=_NAMES,
        imports=("from pathlib import Path",),
        insecure="""
dest = Path("$dir")
with TAR_OPEN as archive:
    $out = [m.name for m in archive.getmembers() if m.isfile()]
    for name in $out:
        (dest / name).parent.mkdir(parents=True, exist_ok=True)
        (dest / name).write_bytes(archive.extractfile(name).read())
""",
        secure="""
dest = Path("$dir").resolve()
with TAR_OPEN as archive:
    $out = [m.name for m in archive.getmembers() if m.isfile()]
    for name in $out:
        target = (dest / name).resolve()
        if not target.is_relative_to(dest):
            raise ValueError(f"{name} is outside {dest}")
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(archive.extractfile(name).read())
""",
    ),
)

_ZIP_SINKS = (
    CoreSink(
        id="zip_namelist",
        name="import_$plural",
        phrase="unpack the files of the zip archive $input into the `$dir/imports` folder",
        produces="names",
        out_names=_NAMES,
        imports=("import os", "import zipfile"),
        insecure="""
$out = []
with zipfile.ZipFile($var) as bundle:
    for name in bundle.namelist():
        if name.endswith("/"):
            continue
        target = os.path.join("$dir", "imports", name)
        os.makedirs(os.path.dirname(target), exist_ok=True)
        with open(target, "wb") as handle:
            handle.write(bundle.read(name))
        $out.append(name)
""",
        secure="""
root = os.path.realpath(os.path.join("$dir", "imports"))
$out = []
with zipfile.ZipFile($var) as bundle:
    for name in bundle.namelist():
        if name.endswith("/"):
            continue
        target = os.path.realpath(os.path.join(root, name))
        if os.path.commonpath([root, target]) != root:
            raise ValueError(f"{name} is outside {root}")
        os.makedirs(os.path.dirname(target), exist_ok=True)
        with open(target, "wb") as handle:
            handle.write(bundle.read(name))
        $out.append(name)
""",
    ),
    CoreSink(
        id="zip_infolist_pathlib",
        name="store_$plural",
        phrase="store the files of the zip archive $input under the `$dir/uploads` folder",
        produces="count",
        out_names=_COUNTS,
        imports=("import zipfile", "from pathlib import Path"),
        insecure="""
base = Path("$dir", "uploads").resolve()
$out = 0
with zipfile.ZipFile($var) as bundle:
    for info in bundle.infolist():
        if info.is_dir():
            continue
        dest = base / info.filename
        dest.parent.mkdir(parents=True, exist_ok=True)
        dest.write_bytes(bundle.read(info))
        $out += 1
""",
        secure="""
base = Path("$dir", "uploads").resolve()
$out = 0
with zipfile.ZipFile($var) as bundle:
    for info in bundle.infolist():
        if info.is_dir():
            continue
        dest = (base / info.filename).resolve()
        if not dest.is_relative_to(base):
            raise ValueError(f"{info.filename} is outside {base}")
        dest.parent.mkdir(parents=True, exist_ok=True)
        dest.write_bytes(bundle.read(info))
        $out += 1
""",
    ),
    CoreSink(
        id="zip_no_with",
        name="unzip_$plural",
        phrase="recreate the folders and files of the zip archive $input inside `$dir`",
        produces="names",
        out_names=_NAMES,
        imports=("import os", "import zipfile"),
        insecure="""
bundle = zipfile.ZipFile($var)
$out = bundle.namelist()
for name in $out:
    path = os.path.join("$dir", name)
    if name.endswith("/"):
        os.makedirs(path, exist_ok=True)
    else:
        with open(path, "wb") as fh:
            fh.write(bundle.read(name))
bundle.close()
""",
        secure="""
root = os.path.abspath("$dir")
bundle = zipfile.ZipFile($var)
$out = bundle.namelist()
for name in $out:
    path = os.path.abspath(os.path.join(root, name))
    if not path.startswith(root + os.sep):
        raise ValueError(f"{name} is outside {root}")
    if name.endswith("/"):
        os.makedirs(path, exist_ok=True)
    else:
        with open(path, "wb") as fh:
            fh.write(bundle.read(name))
bundle.close()
""",
    ),
    CoreSink(
        id="zip_stream_copy",
        name="receive_$plural",
        phrase="copy every file of the zip archive $input into `$dir/files`",
        produces="count",
        out_names=_COUNTS,
        imports=("import shutil", "import zipfile", "from pathlib import Path"),
        insecure="""
$out = 0
with zipfile.ZipFile($var, "r") as bundle:
    for info in bundle.infolist():
        if info.filename.endswith("/"):
            continue
        target = Path("$dir") / "files" / info.filename
        target.parent.mkdir(parents=True, exist_ok=True)
        with bundle.open(info) as src, target.open("wb") as dst:
            shutil.copyfileobj(src, dst)
        $out += 1
""",
        secure="""
$out = 0
with zipfile.ZipFile($var, "r") as bundle:
    for info in bundle.infolist():
        if info.filename.endswith("/"):
            continue
        name = info.filename
        if os.path.isabs(name) or ".." in name.split("/"):
            raise ValueError(f"{name} is outside the files folder")
        target = Path("$dir") / "files" / name
        target.parent.mkdir(parents=True, exist_ok=True)
        with bundle.open(info) as src, target.open("wb") as dst:
            shutil.copyfileobj(src, dst)
        $out += 1
""",
        secure_imports=("import os",),
    ),
)

_UNPACK_SINKS = (
    CoreSink(
        id="unpack_named_folder",
        context="script",
        name="unpack_$plural",
        phrase="unpack the archive $input into a folder of `$dir` named after it",
        produces="names",
        out_names=_NAMES,
        imports=("import shutil", "from pathlib import Path"),
        insecure="""
target = Path("$dir") / Path($var).name.split(".")[0]
shutil.unpack_archive($var, target)
$out = sorted(p.name for p in target.iterdir())
""",
        secure="""
target = Path("$dir") / Path($var).name.split(".")[0]
shutil.unpack_archive($var, target, filter="data")
$out = sorted(p.name for p in target.iterdir())
""",
    ),
    CoreSink(
        id="unpack_gztar",
        context="script",
        name="extract_$plural",
        phrase="unpack the gzipped tar archive $input into `$dir/extracted`",
        produces="folder",
        out_names=_FOLDERS,
        imports=("import os", "import shutil"),
        insecure="""
$out = os.path.join("$dir", "extracted")
os.makedirs($out, exist_ok=True)
shutil.unpack_archive($var, $out, format="gztar")
""",
        secure="""
$out = os.path.join("$dir", "extracted")
os.makedirs($out, exist_ok=True)
shutil.unpack_archive($var, $out, format="gztar", filter="data")
""",
    ),
    CoreSink(
        id="unpack_saved_upload",
        context="web",
        name="import_$plural",
        phrase="save the tar.gz archive $input to a temporary file and unpack it into "
        "`$dir/imports`",
        produces="folder",
        out_names=_FOLDERS,
        imports=("import os", "import shutil", "import tempfile"),
        insecure="""
$out = os.path.join("$dir", "imports")
with tempfile.TemporaryDirectory() as tmp:
    saved = os.path.join(tmp, "upload.tar.gz")
    with open(saved, "wb") as fh:
        shutil.copyfileobj($var, fh)
    shutil.unpack_archive(saved, $out)
""",
        secure="""
$out = os.path.join("$dir", "imports")
with tempfile.TemporaryDirectory() as tmp:
    saved = os.path.join(tmp, "upload.tar.gz")
    with open(saved, "wb") as fh:
        shutil.copyfileobj($var, fh)
    shutil.unpack_archive(saved, $out, filter="data")
""",
    ),
    CoreSink(
        id="tar_stream",
        context="web",
        name="receive_$plural",
        phrase="extract the tar stream $input into the `$dir/incoming` folder",
        produces="names",
        out_names=_NAMES,
        imports=("import tarfile",),
        insecure="""
$out = []
with tarfile.open(fileobj=$var, mode="r|*") as stream:
    for member in stream:
        stream.extract(member, path="$dir/incoming")
        $out.append(member.name)
""",
        secure="""
$out = []
with tarfile.open(fileobj=$var, mode="r|*") as stream:
    for member in stream:
        stream.extract(member, path="$dir/incoming", filter="data")
        $out.append(member.name)
""",
    ),
)

ARCHIVE_SINKS = _TAR_SINKS + _ZIP_SINKS + _UNPACK_SINKS

ARCHIVE_RESULTS = (
    CoreResult(
        id="json_names",
        context="web",
        consumes=("names",),
        phrase="return the extracted names as JSON",
        code="return jsonify(files=$out)",
        imports=("from flask import jsonify",),
    ),
    CoreResult(
        id="created_names",
        context="web",
        consumes=("names",),
        phrase="answer 201 with how many entries there were and their names",
        code='return {"count": len($out), "files": $out}, 201',
    ),
    CoreResult(
        id="names_or_422",
        context="web",
        consumes=("names",),
        phrase="answer 422 when nothing was extracted, or the sorted names as JSON",
        code="if not $out:\n    abort(422)\nreturn jsonify(sorted($out))",
        imports=("from flask import abort, jsonify",),
    ),
    CoreResult(
        id="json_count",
        context="web",
        consumes=("count",),
        phrase="answer 201 with the number of files as JSON",
        code="return jsonify(extracted=$out), 201",
        imports=("from flask import jsonify",),
    ),
    CoreResult(
        id="count_or_422",
        context="web",
        consumes=("count",),
        phrase="answer 422 when the archive held no files, or the number of files",
        code='if $out == 0:\n    return {"error": "the archive held no files"}, 422\n'
        'return {"extracted": $out}',
    ),
    CoreResult(
        id="list_folder",
        context="web",
        consumes=("folder",),
        phrase="return the sorted contents of the folder as JSON",
        code="return jsonify(sorted(os.listdir($out)))",
        imports=("import os", "from flask import jsonify"),
    ),
    CoreResult(
        id="folder_created",
        context="web",
        consumes=("folder",),
        phrase="answer 201 with the folder's path",
        code='return {"folder": $out}, 201',
    ),
    CoreResult(
        id="json_result",
        context="web",
        consumes=("names", "count", "folder"),
        phrase="report the result as JSON",
        code='return jsonify({"status": "ok", "result": $out})',
        imports=("from flask import jsonify",),
    ),
    CoreResult(
        id="print_each",
        context="script",
        consumes=("names",),
        phrase="print each extracted name",
        code="for name in $out:\n    print(name)",
    ),
    CoreResult(
        id="summary",
        context="script",
        consumes=("names",),
        phrase="print how many entries were extracted",
        code='print(f"{len($out)} entries unpacked")\nreturn 0',
    ),
    CoreResult(
        id="joined",
        context="script",
        consumes=("names",),
        phrase="print the sorted names, one per line",
        code='print("\\n".join(sorted($out)))',
    ),
    CoreResult(
        id="exit_status",
        context="script",
        consumes=("names", "count"),
        phrase="exit with 1 when nothing was extracted",
        code="return 0 if $out else 1",
    ),
    CoreResult(
        id="print_count",
        context="script",
        consumes=("count",),
        phrase="print how many files were written",
        code='print(f"wrote {$out} files")',
    ),
    CoreResult(
        id="print_folder",
        context="script",
        consumes=("folder",),
        phrase="print the folder's absolute path",
        code="print(os.path.abspath($out))",
        imports=("import os",),
    ),
    CoreResult(
        id="walk_folder",
        context="script",
        consumes=("folder",),
        phrase="print the name of each entry in the folder",
        code="for entry in sorted(os.listdir($out)):\n    print(entry)",
        imports=("import os",),
    ),
    CoreResult(
        id="log_line",
        context="script",
        consumes=("names", "count", "folder"),
        phrase="append a line about it to `$dir/unpack.log`",
        code='with open("$dir/unpack.log", "a", encoding="utf-8") as log:\n'
        '    log.write(f"{$var}\\t{$out}\\n")',
    ),
)


FAMILY = Family(
    id="archive_extraction",
    cwe="CWE-22",
    title="Archive extraction writes members outside the destination folder (tar/zip slip)",
    rule_ids=("tarfile-extract-without-filter", "archive-member-name-to-path"),
    paper_weight=10,
    composition=Composition(
        sources=SCRIPT_ARCHIVE_SOURCES + WEB_ARCHIVE_SOURCES,
        steps=ARCHIVE_STEPS,
        sinks=ARCHIVE_SINKS,
        results=ARCHIVE_RESULTS,
        var_names=("archive", "${entity}_archive", "bundle_file", "source"),
    ),
    skeletons=(
        Skeleton(
            id="archive_extraction.upload_tar",
            context="web",
            feature="import $plural from an uploaded tar.gz archive into the $dir folder",
            imports=(
                "import os",
                "import tarfile",
                "from flask import abort",
                "from flask import jsonify",
                "from flask import request",
            ),
            body="""
IMPORT_DIR = os.path.join("$dir", "imports")


@app.route("/$route/import", methods=["POST"])
def import_${plural}_archive():
    upload = request.files.get("archive")
    if upload is None:
        abort(400)
    os.makedirs(IMPORT_DIR, exist_ok=True)
    try:
        with tarfile.open(fileobj=upload.stream, mode="r:gz") as archive:
            names = archive.getnames()
<<<
            archive.extractall(IMPORT_DIR)
===
            archive.extractall(IMPORT_DIR, filter="data")
>>>
    except tarfile.TarError:
        abort(400)
    return jsonify(imported=len(names)), 201
""",
        ),
        Skeleton(
            id="archive_extraction.restore_cli",
            context="script",
            feature="restore a backup of $plural from a tar archive into a destination folder given on the command line",
            imports=("import argparse", "import os", "import sys", "import tarfile"),
            body="""
def restore_${plural}(archive_path, destination):
    root = os.path.realpath(destination)
    os.makedirs(root, exist_ok=True)
    with tarfile.open(archive_path) as tar:
<<<
        tar.extractall(path=root)
        return len(tar.getmembers())
===
        members = []
        for member in tar.getmembers():
            target = os.path.realpath(os.path.join(root, member.name))
            if os.path.commonpath([root, target]) != root or member.issym() or member.islnk():
                raise ValueError(f"refusing to restore {member.name!r}")
            members.append(member)
        tar.extractall(path=root, members=members)
        return len(members)
>>>


def main():
    parser = argparse.ArgumentParser(description="Restore $plural from a backup archive")
    parser.add_argument("archive")
    parser.add_argument("--to", default="$dir")
    args = parser.parse_args()
    try:
        count = restore_${plural}(args.archive, args.to)
    except (tarfile.TarError, ValueError) as exc:
        print(f"restore failed: {exc}", file=sys.stderr)
        return 1
    print(f"restored {count} entries into {args.to}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
""",
        ),
        Skeleton(
            id="archive_extraction.zip_members",
            context="script",
            feature="unpack a zip of $plural into a folder, skipping directory entries and counting the files written",
            imports=("import os", "import shutil", "import zipfile"),
            body="""
def unpack_${plural}_zip(zip_path, destination):
    root = os.path.realpath(destination)
    written = 0
    with zipfile.ZipFile(zip_path) as bundle:
        for name in bundle.namelist():
            if name.endswith("/"):
                continue
<<<
            target = os.path.join(root, name)
===
            target = os.path.realpath(os.path.join(root, name))
            if os.path.commonpath([root, target]) != root:
                raise ValueError(f"{name} points outside {root}")
>>>
            os.makedirs(os.path.dirname(target), exist_ok=True)
            with bundle.open(name) as src, open(target, "wb") as dst:
                shutil.copyfileobj(src, dst)
            written += 1
    return written
""",
        ),
        Skeleton(
            id="archive_extraction.zip_upload_pathlib",
            context="web",
            feature="accept a zip of $entity images from the browser and store its files under the $dir folder",
            imports=(
                "import io",
                "import zipfile",
                "from pathlib import Path",
                "from flask import abort",
                "from flask import jsonify",
                "from flask import request",
            ),
            body="""
MEDIA_ROOT = Path("$dir", "media").resolve()


@app.route("/$route/<int:${entity}_id>/media", methods=["POST"])
def upload_${entity}_media(${entity}_id):
    payload = request.files.get("bundle")
    if payload is None:
        abort(400)
    folder = MEDIA_ROOT / str(${entity}_id)
    stored = []
    with zipfile.ZipFile(io.BytesIO(payload.read())) as bundle:
        for info in bundle.infolist():
            if info.is_dir():
                continue
<<<
            target = folder / info.filename
===
            target = (folder / info.filename).resolve()
            if not target.is_relative_to(folder):
                abort(400)
>>>
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(bundle.read(info))
            stored.append(info.filename)
    return jsonify(${entity}_id=${entity}_id, files=stored), 201
""",
        ),
        Skeleton(
            id="archive_extraction.selected_members",
            context="script",
            feature="pull only the JSON metadata files for $plural out of a tar archive into a cache folder and list them",
            imports=("import os", "import tarfile"),
            body="""
def extract_${entity}_metadata(archive_path, cache_dir="$dir/cache"):
    os.makedirs(cache_dir, exist_ok=True)
    extracted = []
    with tarfile.open(archive_path, "r:*") as tar:
        for member in tar.getmembers():
            if not member.isfile() or not member.name.endswith(".json"):
                continue
<<<
            tar.extract(member, cache_dir)
===
            tar.extract(member, cache_dir, filter="data")
>>>
            extracted.append(member.name)
    return sorted(extracted)
""",
        ),
        Skeleton(
            id="archive_extraction.bundle_dataclass",
            context="script",
            feature="describe a downloaded $entity bundle and unpack it next to the download",
            imports=(
                "import shutil",
                "from dataclasses import dataclass",
                "from pathlib import Path",
            ),
            body="""
@dataclass
class ${Entity}Bundle:
    archive: Path
    target_dir: Path

    @property
    def ready(self):
        return self.target_dir.is_dir() and any(self.target_dir.iterdir())

    def unpack(self):
        self.target_dir.mkdir(parents=True, exist_ok=True)
<<<
        shutil.unpack_archive(str(self.archive), str(self.target_dir))
===
        shutil.unpack_archive(str(self.archive), str(self.target_dir), filter="data")
>>>
        return sorted(p.name for p in self.target_dir.iterdir())


def unpack_downloaded_${plural}(download_dir="$dir/downloads"):
    results = {}
    for archive in sorted(Path(download_dir).glob("*.tar.gz")):
        bundle = ${Entity}Bundle(archive, archive.with_name(archive.name.removesuffix(".tar.gz")))
        if not bundle.ready:
            results[archive.name] = bundle.unpack()
    return results
""",
        ),
        Skeleton(
            id="archive_extraction.importer_class",
            context="web",
            feature="let users upload a tar archive of $entity files and copy each regular file into their import folder",
            imports=(
                "import os",
                "import shutil",
                "import tarfile",
                "from flask import abort",
                "from flask import jsonify",
                "from flask import request",
            ),
            body="""
class ${Entity}ArchiveImporter:
    def __init__(self, root):
        self.root = os.path.realpath(root)

    def import_fileobj(self, fileobj):
        copied = []
        with tarfile.open(fileobj=fileobj, mode="r:*") as tar:
            for member in tar:
                if not member.isfile():
                    continue
<<<
                destination = os.path.join(self.root, member.name)
===
                destination = os.path.realpath(os.path.join(self.root, member.name))
                if not destination.startswith(self.root + os.sep):
                    raise ValueError(f"{member.name} is outside the import folder")
>>>
                os.makedirs(os.path.dirname(destination), exist_ok=True)
                with tar.extractfile(member) as src, open(destination, "wb") as dst:
                    shutil.copyfileobj(src, dst)
                copied.append(member.name)
        return copied


${entity}_importer = ${Entity}ArchiveImporter(os.path.join("$dir", "imports"))


@app.post("/$route/import-files")
def import_${entity}_files():
    upload = request.files.get("archive")
    if upload is None:
        abort(400)
    try:
        copied = ${entity}_importer.import_fileobj(upload.stream)
    except (tarfile.TarError, ValueError):
        abort(400)
    return jsonify(count=len(copied))
""",
        ),
    ),
)
