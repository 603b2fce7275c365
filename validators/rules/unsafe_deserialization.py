import argparse
import base64
import json
import marshal
import pickle
import shelve
import sys

import pandas as pd
import yaml
from flask import Flask, request

app = Flask(__name__)
CACHE_FILE = "cache.db"


@app.route("/import", methods=["POST"])
def import_yaml():
    upload = request.files["file"]
    data = upload.read()
    # ruleid: yaml-load-object-constructing-loader
    items = yaml.load(data, Loader=yaml.Loader)
    # ruleid: yaml-load-object-constructing-loader
    items = yaml.load(data, Loader=yaml.FullLoader)
    # ruleid: yaml-load-object-constructing-loader
    items = yaml.load(data, yaml.CLoader)
    # ruleid: yaml-load-object-constructing-loader
    items = yaml.load(data)
    # ruleid: yaml-load-object-constructing-loader
    items = yaml.full_load(data)
    # ruleid: yaml-load-object-constructing-loader
    items = yaml.unsafe_load(data)
    # ruleid: yaml-load-object-constructing-loader
    items = list(yaml.load_all(data, Loader=yaml.Loader))
    # ok: yaml-load-object-constructing-loader
    items = yaml.safe_load(data)
    # ok: yaml-load-object-constructing-loader
    items = list(yaml.safe_load_all(data))
    # ok: yaml-load-object-constructing-loader
    items = yaml.load(data, Loader=yaml.SafeLoader)
    # ok: yaml-load-object-constructing-loader
    items = yaml.load(data, Loader=yaml.CSafeLoader)
    # ok: yaml-load-object-constructing-loader
    items = yaml.load(data, yaml.BaseLoader)
    return {"n": len(items)}


def read_settings(path):
    from yaml import FullLoader, SafeLoader, load

    with open(path) as fh:
        # ruleid: yaml-load-object-constructing-loader
        settings = load(fh, Loader=FullLoader)
    with open(path) as fh:
        # ok: yaml-load-object-constructing-loader
        settings = load(fh, Loader=SafeLoader)
    return settings


@app.route("/pinned")
def pinned():
    cookie = request.cookies.get("pinned", "")
    # ruleid: pickle-style-deserialization
    items = pickle.loads(base64.b64decode(cookie))
    # ok: pickle-style-deserialization
    items = json.loads(base64.b64decode(cookie))
    return {"items": items}


@app.route("/sync", methods=["POST"])
def sync():
    # ruleid: pickle-style-deserialization
    batch = pickle.loads(request.get_data())
    # ruleid: pickle-style-deserialization
    frame = pd.read_pickle(request.files["frame"])
    # ok: pickle-style-deserialization
    batch = json.loads(request.get_data())
    return {"n": len(batch), "rows": len(frame)}


def restore(path):
    with open(path, "rb") as fh:
        # ruleid: pickle-style-deserialization
        snapshot = pickle.load(fh)
    with open(path, "rb") as fh:
        # ruleid: pickle-style-deserialization
        snapshot = pickle.Unpickler(fh).load()
    with open(path, "rb") as fh:
        # ruleid: pickle-style-deserialization
        snapshot = marshal.load(fh)
    with open(path, encoding="utf-8") as fh:
        # ok: pickle-style-deserialization
        snapshot = json.load(fh)
    return snapshot


def read_index(blob):
    # ruleid: pickle-style-deserialization
    return marshal.loads(blob)


def report(store_path):
    # ruleid: shelve-open-user-supplied-file
    with shelve.open(store_path, flag="r") as store:
        return dict(store)


def cached():
    # ok: shelve-open-user-supplied-file
    with shelve.open(CACHE_FILE) as store:
        return dict(store)


class Cache:
    def __init__(self):
        self.path = "local.db"

    def read(self):
        # ok: shelve-open-user-supplied-file
        with shelve.open(self.path) as store:
            return dict(store)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--store")
    args = parser.parse_args()
    # ruleid: shelve-open-user-supplied-file
    db = shelve.open(args.store)
    # ruleid: shelve-open-user-supplied-file
    other = shelve.open(sys.argv[1])
    return db, other


def loader_object(text):
    # ruleid: yaml-load-object-constructing-loader
    loader = yaml.Loader(text)
    try:
        return loader.get_single_data()
    finally:
        loader.dispose()


def safe_loader_object(text):
    # ok: yaml-load-object-constructing-loader
    loader = yaml.SafeLoader(text)
    try:
        return loader.get_single_data()
    finally:
        loader.dispose()


def positional_loaders(text):
    # ruleid: yaml-load-object-constructing-loader
    first = yaml.load(text, yaml.UnsafeLoader)
    # ok: yaml-load-object-constructing-loader
    second = yaml.load(text, yaml.SafeLoader)
    # ruleid: yaml-load-object-constructing-loader
    documents = [doc for doc in yaml.load_all(text, Loader=yaml.FullLoader) if doc]
    # ok: yaml-load-object-constructing-loader
    checked = [doc for doc in yaml.safe_load_all(text) if doc]
    return first, second, documents, checked


def encoded_forms(text):
    import io
    import zlib

    import jsonpickle
    import numpy as np

    # ruleid: pickle-style-deserialization
    state = pickle.loads(zlib.decompress(base64.b64decode(text)))
    # ok: pickle-style-deserialization
    state = json.loads(zlib.decompress(base64.b64decode(text)))
    # ruleid: pickle-style-deserialization
    record = pickle.Unpickler(io.BytesIO(base64.b64decode(text))).load()
    # ruleid: pickle-style-deserialization
    values = marshal.loads(bytes.fromhex(text))
    # ruleid: pickle-style-deserialization
    obj = jsonpickle.decode(text)
    # ok: pickle-style-deserialization
    obj = json.loads(text)
    # ruleid: pickle-style-deserialization
    array = np.load(text, allow_pickle=True).tolist()
    # ok: pickle-style-deserialization
    array = np.load(text).tolist()
    return state, record, values, obj, array
