from emgen.schemas.catalog import Family, Skeleton

FAMILY = Family(
    id="archive_extraction",
    cwe="CWE-22",
    title="Archive extraction writes members outside the destination folder (tar/zip slip)",
    rule_ids=("tarfile-extract-without-filter", "archive-member-name-to-path"),
    paper_weight=10,
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
