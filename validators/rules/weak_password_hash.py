import base64
import hashlib
import hmac
import json
import os
import unicodedata
from hashlib import md5, sha1

from flask import request
from werkzeug.security import check_password_hash, generate_password_hash


def register(conn, username, password):
    # ruleid: weak-password-hash
    password_hash = hashlib.md5(password.encode()).hexdigest()
    # ok: weak-password-hash
    password_hash = generate_password_hash(password)
    conn.execute("INSERT INTO accounts VALUES (?, ?)", (username, password_hash))


def login(row):
    password = request.form["password"]
    # ruleid: weak-password-hash
    if hashlib.sha256(password.encode()).hexdigest() != row["password_hash"]:
        return False
    # ok: weak-password-hash
    return check_password_hash(row["password_hash"], password)


def direct_form():
    # ruleid: weak-password-hash
    return hashlib.sha1(request.form.get("password", "").encode("utf-8")).hexdigest()


def via_variable(user_password):
    data = user_password.encode("utf-8")
    # ruleid: weak-password-hash
    return sha1(data).hexdigest()


def via_update(new_password):
    hasher = hashlib.sha1()
    # ruleid: weak-password-hash
    hasher.update(new_password.encode())
    return hasher.hexdigest()


def via_new(passwd):
    # ruleid: weak-password-hash
    return hashlib.new("sha512", passwd.encode()).hexdigest()


def imported(pwd):
    # ruleid: weak-password-hash
    return md5(pwd.encode()).hexdigest()


def salted_fast(password, salt):
    # ruleid: weak-password-hash
    return hashlib.sha256(salt + password.encode()).hexdigest()


def strong(password):
    salt = os.urandom(16)
    # ok: weak-password-hash
    digest = hashlib.pbkdf2_hmac("sha256", password.encode(), salt, 600_000)
    # ok: weak-password-hash
    other = hashlib.scrypt(password.encode(), salt=salt, n=2**14, r=8, p=1)
    return salt.hex() + digest.hex() + other.hex()


def checksum(path, password_reset_token):
    with open(path, "rb") as fh:
        # ok: weak-password-hash
        file_digest = hashlib.md5(fh.read()).hexdigest()
    # ok: weak-password-hash
    token_digest = hashlib.sha256(password_reset_token.encode()).hexdigest()
    return file_digest, token_digest


def composed_forms(password, expected):
    digest = password.encode("utf-8")
    for _ in range(10_000):
        # ruleid: weak-password-hash
        digest = hashlib.sha256(digest).digest()
    # ruleid: weak-password-hash
    matches = hmac.compare_digest(hashlib.sha256(password.encode("utf-8")).hexdigest(), expected)
    # ok: weak-password-hash
    matches = check_password_hash(expected, password)
    # ruleid: weak-password-hash
    record = base64.b64encode(hashlib.sha1(password.encode()).digest()).decode("ascii")
    # ruleid: weak-password-hash
    record = f"sha256${hashlib.sha256(password.encode('utf-8')).hexdigest()}"
    # ok: weak-password-hash
    record = generate_password_hash(password, method="pbkdf2:sha256")
    # ruleid: weak-password-hash
    matches = hashlib.md5(password.encode("utf-8")).hexdigest() == expected
    # ruleid: weak-password-hash
    record = hashlib.blake2b(bytes(password, "utf-8"), digest_size=32).hexdigest()
    salt = os.urandom(16)
    # ok: weak-password-hash
    key = hashlib.scrypt(bytes(password, "utf-8"), salt=salt, n=2**14, r=8, p=1, dklen=32)
    # ruleid: weak-password-hash
    record = json.dumps({"method": "sha1", "value": hashlib.sha1(password.encode()).hexdigest()})
    return digest, matches, record, key


def normalized(passphrase):
    passphrase = unicodedata.normalize("NFKC", passphrase)
    # ruleid: weak-password-hash
    return hashlib.new("sha512", passphrase.encode()).hexdigest()
