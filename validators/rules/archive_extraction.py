import io
import os
import shutil
import tarfile
import zipfile
from pathlib import Path

from flask import Flask, abort, jsonify, request

app = Flask(__name__)
DEST = os.path.realpath("imports")
BASE = Path("imports").resolve()


@app.post("/albums/import")
def import_bad():
    upload = request.files["archive"]
    with tarfile.open(fileobj=upload.stream, mode="r:gz") as archive:
        # ruleid: tarfile-extract-without-filter
        archive.extractall("imports")
    return jsonify(ok=True)


@app.post("/albums/import2")
def import_good():
    upload = request.files["archive"]
    with tarfile.open(fileobj=upload.stream, mode="r:gz") as archive:
        # ok: tarfile-extract-without-filter
        archive.extractall("imports", filter="data")
    return jsonify(ok=True)


def restore_bad(path, dest):
    tar = tarfile.open(path)
    # ruleid: tarfile-extract-without-filter
    tar.extractall(path=dest, members=tar.getmembers())
    tar.close()


def restore_good(path, dest):
    root = os.path.realpath(dest)
    with tarfile.open(path) as tar:
        members = []
        for member in tar.getmembers():
            target = os.path.realpath(os.path.join(root, member.name))
            if os.path.commonpath([root, target]) != root or member.issym() or member.islnk():
                raise ValueError(f"refusing {member.name}")
            members.append(member)
        # ok: tarfile-extract-without-filter
        tar.extractall(root, members=members)


def restore_comprehension(path, dest):
    with tarfile.open(path) as tar:
        # ruleid: tarfile-extract-without-filter
        tar.extractall(dest, members=[m for m in tar.getmembers() if m.name.endswith(".json")])


def restore_trusted(path, dest):
    with tarfile.open(path) as tar:
        # ruleid: tarfile-extract-without-filter
        tar.extractall(dest, filter="fully_trusted")


def json_members_bad(path, dest):
    with tarfile.open(path) as tar:
        for member in tar.getmembers():
            if member.name.endswith(".json"):
                # ruleid: tarfile-extract-without-filter
                tar.extract(member, dest)


def json_members_good(path, dest):
    with tarfile.open(path) as tar:
        for member in tar.getmembers():
            if member.name.endswith(".json"):
                # ok: tarfile-extract-without-filter
                tar.extract(member, dest, filter="data")


def json_members_checked(path, dest):
    root = os.path.realpath(dest)
    with tarfile.open(path) as tar:
        for member in tar.getmembers():
            target = os.path.realpath(os.path.join(root, member.name))
            if not target.startswith(root + os.sep) or not member.isfile():
                continue
            # ok: tarfile-extract-without-filter
            tar.extract(member, root)


def unpack_bad(archive, dest):
    # ruleid: tarfile-extract-without-filter
    shutil.unpack_archive(archive, dest)


def unpack_good(archive, dest):
    # ok: tarfile-extract-without-filter
    shutil.unpack_archive(archive, dest, filter="data")


def zip_extractall(path, dest):
    with zipfile.ZipFile(path) as zf:
        # ok: tarfile-extract-without-filter
        zf.extractall(dest)


def zip_bad(path, dest):
    with zipfile.ZipFile(path) as zf:
        for name in zf.namelist():
            if name.endswith("/"):
                continue
            target = os.path.join(dest, name)
            # ruleid: archive-member-name-to-path
            os.makedirs(os.path.dirname(target), exist_ok=True)
            # ruleid: archive-member-name-to-path
            with zf.open(name) as src, open(target, "wb") as dst:
                shutil.copyfileobj(src, dst)


def zip_good(path, dest):
    root = os.path.realpath(dest)
    with zipfile.ZipFile(path) as zf:
        for name in zf.namelist():
            if name.endswith("/"):
                continue
            target = os.path.realpath(os.path.join(root, name))
            if os.path.commonpath([root, target]) != root:
                raise ValueError(f"member {name} is outside {root}")
            # ok: archive-member-name-to-path
            os.makedirs(os.path.dirname(target), exist_ok=True)
            # ok: archive-member-name-to-path
            with zf.open(name) as src, open(target, "wb") as dst:
                shutil.copyfileobj(src, dst)


@app.post("/albums/zip")
def zip_upload_bad():
    data = io.BytesIO(request.files["archive"].read())
    with zipfile.ZipFile(data) as zf:
        for info in zf.infolist():
            if info.is_dir():
                continue
            target = BASE / info.filename
            # ruleid: archive-member-name-to-path
            target.parent.mkdir(parents=True, exist_ok=True)
            # ruleid: archive-member-name-to-path
            target.write_bytes(zf.read(info))
    return jsonify(ok=True)


@app.post("/albums/zip2")
def zip_upload_good():
    data = io.BytesIO(request.files["archive"].read())
    with zipfile.ZipFile(data) as zf:
        for info in zf.infolist():
            if info.is_dir():
                continue
            target = (BASE / info.filename).resolve()
            if not target.is_relative_to(BASE):
                abort(400)
            # ok: archive-member-name-to-path
            target.parent.mkdir(parents=True, exist_ok=True)
            # ok: archive-member-name-to-path
            target.write_bytes(zf.read(info))
    return jsonify(ok=True)


def tar_files_bad(path, dest):
    with tarfile.open(path) as tar:
        for member in tar:
            if not member.isfile():
                continue
            source = tar.extractfile(member)
            # ruleid: archive-member-name-to-path
            with open(os.path.join(dest, member.name), "wb") as out:
                shutil.copyfileobj(source, out)


def tar_files_flat(path, dest):
    with tarfile.open(path) as tar:
        for member in tar.getmembers():
            if not member.isfile():
                continue
            source = tar.extractfile(member)
            # ok: archive-member-name-to-path
            with open(os.path.join(dest, os.path.basename(member.name)), "wb") as out:
                shutil.copyfileobj(source, out)


class Importer:
    def __init__(self, root):
        self.root = os.path.realpath(root)

    def import_fileobj(self, fileobj):
        with tarfile.open(fileobj=fileobj, mode="r:*") as tar:
            for member in tar:
                if not member.isfile():
                    continue
                destination = os.path.realpath(os.path.join(self.root, member.name))
                if not destination.startswith(self.root + os.sep):
                    raise ValueError(member.name)
                # ok: archive-member-name-to-path
                os.makedirs(os.path.dirname(destination), exist_ok=True)
                # ok: archive-member-name-to-path
                with tar.extractfile(member) as src, open(destination, "wb") as dst:
                    shutil.copyfileobj(src, dst)


class BundleUnpacker:
    def __init__(self, archive, target):
        self.archive = archive
        self.target = target

    def unpack(self):
        # ruleid: tarfile-extract-without-filter
        shutil.unpack_archive(str(self.archive), str(self.target))

    def unpack_filtered(self):
        # ok: tarfile-extract-without-filter
        shutil.unpack_archive(str(self.archive), str(self.target), filter="data")


def members_variable_bad(path):
    archive = tarfile.open(path, "r:gz")
    members = archive.getmembers()
    # ruleid: tarfile-extract-without-filter
    archive.extractall(path=os.path.join("data", "restore"), members=members)
    archive.close()


def members_variable_good(path):
    archive = tarfile.open(path, "r:gz")
    members = archive.getmembers()
    # ok: tarfile-extract-without-filter
    archive.extractall(path=os.path.join("data", "restore"), members=members, filter="data")
    archive.close()


def one_line_bad(path):
    # ruleid: tarfile-extract-without-filter
    tarfile.open(path).extractall("unpacked")


def one_line_good(path):
    # ok: tarfile-extract-without-filter
    tarfile.open(path).extractall("unpacked", filter="data")


def one_line_upload_bad(fileobj):
    # ruleid: tarfile-extract-without-filter
    tarfile.open(fileobj=fileobj, mode="r:*").extractall("unpacked")


def next_loop_bad(path):
    archive = tarfile.open(path)
    try:
        while (member := archive.next()) is not None:
            if member.name.endswith(".csv"):
                # ruleid: tarfile-extract-without-filter
                archive.extract(member, "data")
    finally:
        archive.close()


def next_loop_good(path):
    archive = tarfile.open(path)
    try:
        while (member := archive.next()) is not None:
            if member.name.endswith(".csv"):
                # ok: tarfile-extract-without-filter
                archive.extract(member, "data", filter="data")
    finally:
        archive.close()


def by_name_bad(path):
    with tarfile.open(path) as archive:
        for name in [n for n in archive.getnames() if n.endswith(".json")]:
            # ruleid: tarfile-extract-without-filter
            archive.extract(name, path="meta")


def stream_bad(fileobj):
    with tarfile.open(fileobj=fileobj, mode="r|*") as stream:
        for member in stream:
            # ruleid: tarfile-extract-without-filter
            stream.extract(member, path="incoming")


def stream_good(fileobj):
    with tarfile.open(fileobj=fileobj, mode="r|*") as stream:
        for member in stream:
            # ok: tarfile-extract-without-filter
            stream.extract(member, path="incoming", filter="data")


def unpack_format_bad(path, out):
    # ruleid: tarfile-extract-without-filter
    shutil.unpack_archive(path, out, format="gztar")


def unpack_format_good(path, out):
    # ok: tarfile-extract-without-filter
    shutil.unpack_archive(path, out, format="gztar", filter="data")


def tar_pathlib_bad(path):
    dest = Path("data")
    with tarfile.open(path) as archive:
        names = [m.name for m in archive.getmembers() if m.isfile()]
        for name in names:
            # ruleid: archive-member-name-to-path
            (dest / name).write_bytes(archive.extractfile(name).read())


def tar_pathlib_good(path):
    dest = Path("data").resolve()
    with tarfile.open(path) as archive:
        names = [m.name for m in archive.getmembers() if m.isfile()]
        for name in names:
            target = (dest / name).resolve()
            if not target.is_relative_to(dest):
                raise ValueError(name)
            # ok: archive-member-name-to-path
            target.write_bytes(archive.extractfile(name).read())


def zip_no_with_bad(path):
    bundle = zipfile.ZipFile(path)
    for name in bundle.namelist():
        target = os.path.join("data", name)
        if name.endswith("/"):
            # ruleid: archive-member-name-to-path
            os.makedirs(target, exist_ok=True)
        else:
            # ruleid: archive-member-name-to-path
            with open(target, "wb") as fh:
                fh.write(bundle.read(name))
    bundle.close()


def zip_no_with_good(path):
    root = os.path.abspath("data")
    bundle = zipfile.ZipFile(path)
    for name in bundle.namelist():
        target = os.path.abspath(os.path.join(root, name))
        if not target.startswith(root + os.sep):
            raise ValueError(name)
        # ok: archive-member-name-to-path
        with open(target, "wb") as fh:
            fh.write(bundle.read(name))
    bundle.close()


def zip_parts_check_good(path):
    with zipfile.ZipFile(path, "r") as bundle:
        for info in bundle.infolist():
            name = info.filename
            if os.path.isabs(name) or ".." in name.split("/"):
                raise ValueError(name)
            target = Path("data") / "files" / name
            # ok: archive-member-name-to-path
            with bundle.open(info) as src, target.open("wb") as dst:
                shutil.copyfileobj(src, dst)


def zip_stream_copy_bad(path):
    with zipfile.ZipFile(path, "r") as bundle:
        for info in bundle.infolist():
            target = Path("data") / "files" / info.filename
            # ruleid: archive-member-name-to-path
            with bundle.open(info) as src, target.open("wb") as dst:
                shutil.copyfileobj(src, dst)
