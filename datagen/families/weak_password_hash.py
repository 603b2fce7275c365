from emgen.schemas.catalog import Family, Skeleton

FAMILY = Family(
    id="weak_password_hash",
    cwe="CWE-328",
    title="Weak password hash: passwords stored as fast unsalted MD5/SHA digests",
    rule_ids=("weak-password-hash",),
    paper_weight=2,
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
