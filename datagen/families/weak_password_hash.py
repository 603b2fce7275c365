from emgen.datagen.core_parts import (
    STEPS,
    argparse_source,
    argument_source,
    env_source,
    form_source,
    json_body_source,
    json_message_source,
    require_script_step,
)
from emgen.schemas.catalog import (
    Composition,
    CoreResult,
    CoreSink,
    CoreSource,
    CoreStep,
    Family,
    Skeleton,
)

# The rule's taint sources are variables named like a password, so the input is always one.
_PASSWORD_NAMES = (
    "password",
    "new_password",
    "passwd",
    "pwd",
    "user_password",
    "plain_password",
    "passphrase",
)
_HASHES = ("password_hash", "stored", "hashed", "record")
_MATCHES = ("ok", "matches", "valid")

SOURCES = (
    form_source("password", id="form_password"),
    CoreSource(
        id="form_required",
        context="web",
        phrase="the required `new_password` form field",
        code='$var = request.form["new_password"]',
        methods=("POST",),
        imports=("from flask import request",),
    ),
    json_body_source("password", id="json_password"),
    CoreSource(
        id="json_nested",
        context="web",
        phrase="the `password` inside the `credentials` object of a JSON request body",
        code='$var = (request.get_json(silent=True) or {}).get("credentials", {}).get("password", "")',
        methods=("POST", "PUT"),
        imports=("from flask import request",),
    ),
    CoreSource(
        id="basic_auth",
        context="web",
        phrase="the password of the request's Basic authentication",
        code='auth = request.authorization\n$var = auth.password if auth and auth.password else ""',
        imports=("from flask import request",),
    ),
    CoreSource(
        id="getpass",
        context="script",
        phrase="a password typed at a hidden prompt",
        code='$var = getpass.getpass("Password: ")',
        imports=("import getpass",),
    ),
    CoreSource(
        id="getpass_twice",
        context="script",
        phrase="a new password typed twice at a hidden prompt",
        code='$var = getpass.getpass("New password: ")\n'
        'if getpass.getpass("Repeat it: ") != $var:\n'
        '    sys.exit("the passwords do not match")',
        imports=("import getpass", "import sys"),
    ),
    argparse_source(
        "--password",
        phrase="a `--password` option given on the command line",
        description="$Entity account tool",
        options=", required=True",
    ),
    env_source("ACCOUNT_PASSWORD", default=None),
    CoreSource(
        id="stdin_line",
        context="script",
        phrase="a line read from standard input",
        code='$var = sys.stdin.readline().rstrip("\\n")',
        imports=("import sys",),
    ),
    json_message_source("password"),
    argument_source("password"),
)

_SHARED_STEPS = {"to_text"}
LOCAL_STEPS = (
    CoreStep(
        id="required_web",
        context="web",
        code='if not $var:\n    return {"error": "a password is required"}, 400',
    ),
    CoreStep(
        id="min_length_web",
        context="web",
        code="if len($var) < 12:\n    abort(400)",
        imports=("from flask import abort",),
    ),
    require_script_step("a password", id="required_script"),
    CoreStep(
        id="min_length_script",
        context="script",
        code='if len($var) < 12:\n    raise SystemExit("the password needs at least 12 characters")',
    ),
    CoreStep(
        id="normalize",
        code='$var = unicodedata.normalize("NFKC", $var)',
        imports=("import unicodedata",),
    ),
    CoreStep(
        id="digits_only",
        code='if $var.isdigit():\n    raise ValueError("a password needs more than digits")',
    ),
    CoreStep(id="line_end", code='$var = $var.rstrip("\\r\\n")'),
)

# Each insecure form hashes the password with one fast digest; the secure form uses a slow,
# salted key derivation (werkzeug's generate/check_password_hash, pbkdf2_hmac or scrypt).
SINKS = (
    CoreSink(
        id="md5_hex",
        name="register_$entity",
        phrase="compute the hash stored for $input",
        produces="hash",
        out_names=_HASHES,
        insecure_imports=("import hashlib",),
        secure_imports=("from werkzeug.security import generate_password_hash",),
        insecure='$out = hashlib.md5($var.encode("utf-8")).hexdigest()',
        secure="$out = generate_password_hash($var)",
    ),
    CoreSink(
        id="salted_sha256",
        name="enroll_$entity",
        phrase="hash $input together with a fresh random salt for storage",
        produces="hash",
        out_names=_HASHES,
        imports=("import hashlib", "import os"),
        insecure="""
salt = os.urandom(16)
$out = salt.hex() + ":" + hashlib.sha256(salt + $var.encode("utf-8")).hexdigest()
""",
        secure="""
salt = os.urandom(16)
$out = salt.hex() + ":" + hashlib.pbkdf2_hmac("sha256", $var.encode("utf-8"), salt, 600_000).hex()
""",
    ),
    CoreSink(
        id="sha1_update",
        name="store_${entity}_password",
        phrase="turn $input into the hash string that gets stored",
        produces="hash",
        out_names=_HASHES,
        insecure_imports=("import hashlib",),
        secure_imports=("from werkzeug.security import generate_password_hash",),
        insecure="""
hasher = hashlib.sha1()
hasher.update($var.encode("utf-8"))
$out = hasher.hexdigest()
""",
        secure='$out = generate_password_hash($var, method="scrypt")',
    ),
    CoreSink(
        id="new_sha512",
        name="hash_${entity}_password",
        phrase="derive the SHA-512 based value stored for $input",
        produces="hash",
        out_names=_HASHES,
        insecure_imports=("import hashlib",),
        secure_imports=("from werkzeug.security import generate_password_hash",),
        insecure='$out = hashlib.new("sha512", $var.encode()).hexdigest()',
        secure='$out = generate_password_hash($var, method="pbkdf2:sha512")',
    ),
    CoreSink(
        id="stretched_loop",
        name="derive_${entity}_key",
        phrase="derive the value stored for $input by hashing it many times over",
        produces="hash",
        out_names=_HASHES,
        imports=("import hashlib",),
        secure_imports=("import secrets",),
        insecure="""
digest = $var.encode("utf-8")
for _ in range(10_000):
    digest = hashlib.sha256(digest).digest()
$out = digest.hex()
""",
        secure="""
salt = secrets.token_bytes(16)
digest = hashlib.pbkdf2_hmac("sha256", $var.encode("utf-8"), salt, 600_000)
$out = salt.hex() + "$$" + digest.hex()
""",
    ),
    CoreSink(
        id="verify_env",
        name="verify_admin",
        phrase="check $input against the hash kept in the `ADMIN_PASSWORD_HASH` environment "
        "variable",
        produces="match",
        out_names=_MATCHES,
        imports=("import os",),
        insecure_imports=("import hashlib", "import hmac"),
        secure_imports=("from werkzeug.security import check_password_hash",),
        insecure="""
expected = os.environ.get("ADMIN_PASSWORD_HASH", "")
$out = hmac.compare_digest(hashlib.sha256($var.encode("utf-8")).hexdigest(), expected)
""",
        secure="""
expected = os.environ.get("ADMIN_PASSWORD_HASH", "")
$out = bool(expected) and check_password_hash(expected, $var)
""",
    ),
    CoreSink(
        id="b64_digest",
        name="encode_${entity}_password",
        phrase="produce the text stored for $input",
        produces="hash",
        out_names=_HASHES,
        insecure_imports=("import base64", "import hashlib"),
        secure_imports=("from werkzeug.security import generate_password_hash",),
        insecure='$out = base64.b64encode(hashlib.sha1($var.encode()).digest()).decode("ascii")',
        secure="$out = generate_password_hash($var)",
    ),
    CoreSink(
        id="fstring_record",
        name="set_${entity}_password",
        phrase="build the algorithm-prefixed record stored for $input",
        produces="hash",
        out_names=_HASHES,
        insecure_imports=("import hashlib",),
        secure_imports=("from werkzeug.security import generate_password_hash",),
        insecure="""$out = f"sha256$${hashlib.sha256($var.encode('utf-8')).hexdigest()}\"""",
        secure='$out = generate_password_hash($var, method="pbkdf2:sha256")',
    ),
    CoreSink(
        id="verify_file",
        name="check_${entity}_password",
        phrase="compare $input with the hash saved in `$dir/admin.hash`",
        produces="match",
        out_names=_MATCHES,
        insecure_imports=("import hashlib",),
        secure_imports=("from werkzeug.security import check_password_hash",),
        insecure="""
with open("$dir/admin.hash", encoding="utf-8") as handle:
    expected = handle.read().strip()
$out = hashlib.md5($var.encode("utf-8")).hexdigest() == expected
""",
        secure="""
with open("$dir/admin.hash", encoding="utf-8") as handle:
    expected = handle.read().strip()
$out = check_password_hash(expected, $var)
""",
    ),
    CoreSink(
        id="blake2b_bytes",
        name="seal_${entity}_password",
        phrase="compute the 32-byte value stored for $input",
        produces="hash",
        out_names=_HASHES,
        imports=("import hashlib",),
        secure_imports=("import os",),
        insecure='$out = hashlib.blake2b(bytes($var, "utf-8"), digest_size=32).hexdigest()',
        secure="""
salt = os.urandom(16)
key = hashlib.scrypt(bytes($var, "utf-8"), salt=salt, n=2**14, r=8, p=1, dklen=32)
$out = salt.hex() + ":" + key.hex()
""",
    ),
    CoreSink(
        id="json_record",
        name="save_${entity}_credentials",
        phrase="store the hash of $input with the name of its method in a JSON string",
        produces="hash",
        out_names=_HASHES,
        imports=("import json",),
        insecure_imports=("import hashlib",),
        secure_imports=("from werkzeug.security import generate_password_hash",),
        insecure="""
$out = json.dumps({"method": "sha1", "value": hashlib.sha1($var.encode()).hexdigest()})
""",
        secure="""
$out = json.dumps({"method": "scrypt", "value": generate_password_hash($var, method="scrypt")})
""",
    ),
)

RESULTS = (
    CoreResult(
        id="db_insert",
        context="web",
        consumes=("hash",),
        phrase="save it in the accounts table, answering 201",
        code='with sqlite3.connect("$db") as conn:\n'
        '    conn.execute("INSERT INTO accounts (password_hash) VALUES (?)", ($out,))\n'
        'return {"status": "created"}, 201',
        imports=("import sqlite3",),
    ),
    CoreResult(
        id="file_append_web",
        context="web",
        consumes=("hash",),
        phrase="append it to the `$dir/passwords.txt` file",
        code='with open("$dir/passwords.txt", "a", encoding="utf-8") as out_file:\n'
        '    out_file.write($out + "\\n")\n'
        "return jsonify(saved=True)",
        imports=("from flask import jsonify",),
    ),
    CoreResult(
        id="deny_401",
        context="web",
        consumes=("match",),
        phrase="answer 401 when it does not match",
        code='if not $out:\n    abort(401)\nreturn {"status": "ok"}',
        imports=("from flask import abort",),
    ),
    CoreResult(
        id="json_valid",
        context="web",
        consumes=("match",),
        phrase="return whether it matched as JSON",
        code="return jsonify(valid=$out), 200 if $out else 401",
        imports=("from flask import jsonify",),
    ),
    CoreResult(
        id="print_hash",
        context="script",
        consumes=("hash",),
        phrase="print it",
        code="print($out)",
    ),
    CoreResult(
        id="file_append_script",
        context="script",
        consumes=("hash",),
        phrase="append it to the `$dir/passwords.txt` file",
        code='with open("$dir/passwords.txt", "a", encoding="utf-8") as out_file:\n'
        '    out_file.write($out + "\\n")\n'
        'print("saved")',
    ),
    CoreResult(
        id="print_json",
        context="script",
        consumes=("hash",),
        phrase="print it as JSON",
        code='print(json.dumps({"password_hash": $out}))',
        imports=("import json",),
    ),
    CoreResult(
        id="exit_status",
        context="script",
        consumes=("match",),
        phrase="return 0 when it matches and 1 otherwise",
        code="return 0 if $out else 1",
    ),
    CoreResult(
        id="print_verdict",
        context="script",
        consumes=("match",),
        phrase="print whether it was accepted",
        code='print("accepted" if $out else "rejected")',
    ),
)

FAMILY = Family(
    id="weak_password_hash",
    cwe="CWE-328",
    title="Weak password hash: passwords stored as fast unsalted MD5/SHA digests",
    rule_ids=("weak-password-hash",),
    paper_weight=2,
    composition=Composition(
        sources=SOURCES,
        steps=tuple(s for s in STEPS if s.id in _SHARED_STEPS) + LOCAL_STEPS,
        sinks=SINKS,
        results=RESULTS,
        layouts=("inline", "helper"),
        var_names=_PASSWORD_NAMES,
    ),
    skeletons=(
        Skeleton(
            id="weak_password_hash.register_route",
            context="web",
            feature="compute the stored hash of the password chosen at sign-up",
            imports=(
                "import sqlite3",
                "from flask import jsonify, request",
            ),
            insecure_imports=("import hashlib",),
            secure_imports=("from werkzeug.security import generate_password_hash",),
            body="""
def get_${entity}_db():
    conn = sqlite3.connect("$db")
    conn.row_factory = sqlite3.Row
    return conn


@app.route("/$route/accounts", methods=["POST"])
def register_${entity}_account():
    data = request.get_json(silent=True) or {}
    username = (data.get("username") or "").strip()
    password = data.get("password") or ""
    if not username or len(password) < 8:
        return jsonify({"error": "username and a password of 8+ characters are required"}), 400
<<<
    password_hash = hashlib.md5(password.encode()).hexdigest()
===
    password_hash = generate_password_hash(password)
>>>
    with get_${entity}_db() as conn:
        try:
            conn.execute(
                "INSERT INTO accounts (username, password_hash) VALUES (?, ?)",
                (username, password_hash),
            )
        except sqlite3.IntegrityError:
            return jsonify({"error": "username taken"}), 409
    return jsonify({"username": username}), 201
""",
        ),
        Skeleton(
            id="weak_password_hash.login_route",
            context="web",
            feature="check the submitted password against the stored hash at login",
            imports=(
                "import sqlite3",
                "from flask import redirect, render_template_string, request, session, url_for",
            ),
            insecure_imports=("import hashlib",),
            secure_imports=("from werkzeug.security import check_password_hash",),
            body='''
LOGIN_FORM_HTML = """
<form method="post">
  <input name="username" placeholder="Username">
  <input name="password" type="password" placeholder="Password">
  <button>Sign in</button>
  {% if error %}<p>{{ error }}</p>{% endif %}
</form>
"""


@app.route("/$route/login", methods=["GET", "POST"])
def login_to_${plural}():
    error = None
    if request.method == "POST":
        username = request.form.get("username", "")
        password = request.form.get("password", "")
        with sqlite3.connect("$db") as conn:
            row = conn.execute(
                "SELECT id, password_hash FROM accounts WHERE username = ?", (username,)
            ).fetchone()
<<<
        if row is None or hashlib.sha256(password.encode("utf-8")).hexdigest() != row[1]:
===
        if row is None or not check_password_hash(row[1], password):
>>>
            error = "Unknown username or wrong password"
        else:
            session["account_id"] = row[0]
            return redirect(url_for("list_${plural}_for_account"))
    return render_template_string(LOGIN_FORM_HTML, error=error)


@app.route("/$route/mine")
def list_${plural}_for_account():
    if "account_id" not in session:
        return redirect(url_for("login_to_${plural}"))
    with sqlite3.connect("$db") as conn:
        rows = conn.execute(
            "SELECT $field FROM $table WHERE account_id = ?", (session["account_id"],)
        ).fetchall()
    return {"$plural": [r[0] for r in rows]}
''',
        ),
        Skeleton(
            id="weak_password_hash.cli_add_user",
            context="script",
            feature="turn the typed password into the record saved in the $app_name users file",
            imports=(
                "import argparse",
                "import getpass",
                "import hashlib",
                "import json",
                "import os",
            ),
            body="""
USERS_FILE = os.path.join("$dir", "users.json")


def load_${app_name}_users() -> dict:
    if not os.path.exists(USERS_FILE):
        return {}
    with open(USERS_FILE, encoding="utf-8") as fh:
        return json.load(fh)


def add_${app_name}_user(username: str, password: str) -> None:
    users = load_${app_name}_users()
    if username in users:
        raise SystemExit(f"user {username} already exists")
<<<
    users[username] = {"hash": hashlib.sha1(password.encode("utf-8")).hexdigest()}
===
    salt = os.urandom(16)
    digest = hashlib.pbkdf2_hmac("sha256", password.encode("utf-8"), salt, 600_000)
    users[username] = {"salt": salt.hex(), "hash": digest.hex(), "iterations": 600_000}
>>>
    os.makedirs(os.path.dirname(USERS_FILE), exist_ok=True)
    with open(USERS_FILE, "w", encoding="utf-8") as fh:
        json.dump(users, fh, indent=2)


def main() -> None:
    parser = argparse.ArgumentParser(description="Add a user who may manage $plural")
    parser.add_argument("username")
    args = parser.parse_args()
    password = getpass.getpass("Password: ")
    if password != getpass.getpass("Repeat password: "):
        raise SystemExit("passwords do not match")
    add_${app_name}_user(args.username, password)
    print(f"added {args.username}")


if __name__ == "__main__":
    main()
""",
        ),
        Skeleton(
            id="weak_password_hash.account_class",
            context="script",
            feature="set and check the password of a $entity owner account",
            imports=("import hashlib", "import hmac"),
            secure_imports=("import os",),
            body="""
class ${Entity}OwnerAccount:
    def __init__(self, username: str, email: str) -> None:
        self.username = username
        self.email = email
        self.password_hash = ""
        self.failed_logins = 0

<<<
    def set_password(self, password: str) -> None:
        self.password_hash = hashlib.sha256(password.encode()).hexdigest()

    def check_password(self, password: str) -> bool:
        candidate = hashlib.sha256(password.encode()).hexdigest()
        return hmac.compare_digest(candidate, self.password_hash)
===
    def set_password(self, password: str) -> None:
        salt = os.urandom(16)
        digest = hashlib.scrypt(password.encode(), salt=salt, n=2**14, r=8, p=1)
        self.password_hash = f"{salt.hex()}:{digest.hex()}"

    def check_password(self, password: str) -> bool:
        salt_hex, _, digest_hex = self.password_hash.partition(":")
        if not salt_hex:
            return False
        candidate = hashlib.scrypt(password.encode(), salt=bytes.fromhex(salt_hex), n=2**14, r=8, p=1)
        return hmac.compare_digest(candidate.hex(), digest_hex)
>>>

    def login(self, password: str) -> bool:
        if self.failed_logins >= 5:
            return False
        if self.check_password(password):
            self.failed_logins = 0
            return True
        self.failed_logins += 1
        return False
""",
        ),
        Skeleton(
            id="weak_password_hash.csv_import_loop",
            context="script",
            feature="hash each imported member's initial password before it is stored",
            imports=("import csv", "import hashlib", "import sqlite3", "import sys"),
            secure_imports=("import secrets",),
            body="""
def import_${entity}_members(csv_path: str, db_path: str = "$db") -> int:
    imported = 0
    with open(csv_path, newline="", encoding="utf-8") as fh, sqlite3.connect(db_path) as conn:
        for row in csv.DictReader(fh):
            email = row.get("email", "").strip().lower()
            if not email or not row.get("password"):
                print(f"skipping row without email or password: {row}", file=sys.stderr)
                continue
<<<
            stored = hashlib.md5(row["password"].encode("utf-8")).hexdigest()
===
            salt = secrets.token_bytes(16)
            digest = hashlib.pbkdf2_hmac("sha256", row["password"].encode("utf-8"), salt, 390_000)
            stored = f"pbkdf2_sha256$$390000$${salt.hex()}$${digest.hex()}"
>>>
            conn.execute(
                "INSERT OR REPLACE INTO members (email, password_hash) VALUES (?, ?)",
                (email, stored),
            )
            imported += 1
    return imported


if __name__ == "__main__":
    print(import_${entity}_members(sys.argv[1]))
""",
        ),
        Skeleton(
            id="weak_password_hash.change_password_update",
            context="web",
            feature="store the new password when a member changes it",
            imports=(
                "import hashlib",
                "import sqlite3",
                "from flask import abort, jsonify, request, session",
            ),
            secure_imports=("import secrets",),
            body="""
@app.route("/$route/account/password", methods=["POST"])
def change_${entity}_member_password():
    member_id = session.get("member_id")
    if member_id is None:
        abort(401)
    new_password = request.form.get("new_password", "")
    if len(new_password) < 10 or new_password != request.form.get("confirm", ""):
        return jsonify({"error": "passwords must match and be at least 10 characters"}), 400
<<<
    hasher = hashlib.sha1()
    hasher.update(new_password.encode("utf-8"))
    new_hash = hasher.hexdigest()
===
    salt = secrets.token_bytes(16)
    digest = hashlib.pbkdf2_hmac("sha256", new_password.encode("utf-8"), salt, 600_000)
    new_hash = f"pbkdf2_sha256:600000:{salt.hex()}:{digest.hex()}"
>>>
    with sqlite3.connect("$db") as conn:
        conn.execute("UPDATE members SET password_hash = ? WHERE id = ?", (new_hash, member_id))
    return jsonify({"updated": True})
""",
        ),
        Skeleton(
            id="weak_password_hash.dataclass_credential",
            context="script",
            feature="build the stored credential for a $app_name operator from a plain password",
            imports=(
                "import hashlib",
                "import json",
                "from dataclasses import asdict, dataclass",
            ),
            secure_imports=("import os",),
            body="""
@dataclass(frozen=True)
class ${Entity}OperatorCredential:
    username: str
    algorithm: str
    salt: str
    digest: str

    @classmethod
    def from_password(cls, username: str, password: str) -> "${Entity}OperatorCredential":
<<<
        digest = hashlib.new("sha512", password.encode("utf-8")).hexdigest()
        return cls(username=username, algorithm="sha512", salt="", digest=digest)
===
        salt = os.urandom(16)
        digest = hashlib.pbkdf2_hmac("sha512", password.encode("utf-8"), salt, 210_000).hex()
        return cls(username=username, algorithm="pbkdf2_sha512", salt=salt.hex(), digest=digest)
>>>


def save_${entity}_operators(creds: list[${Entity}OperatorCredential], path: str) -> None:
    with open(path, "w", encoding="utf-8") as fh:
        json.dump([asdict(c) for c in creds], fh, indent=2)
""",
        ),
    ),
)
