from emgen.datagen.core_parts import SOURCES, STEPS
from emgen.schemas.catalog import Composition, CoreResult, CoreSink, Family, Skeleton

_RESPONSES = ("resp", "response", "reply")
_ITEMS = ("rows", "items", "found", "$plural")
_FLAGS = ("ok", "allowed", "delivered")
_TEXTS = ("token", "signature", "signed")

# The input is what the credential is used for (the value looked up, the recipient, the user a
# token is for); the insecure form writes the password, key or token into the code as a literal,
# the secure form reads it from the environment.
SINKS = (
    CoreSink(
        id="requests_auth_tuple",
        name="fetch_$plural",
        phrase="fetch the $plural whose $field is $input from the `$host` API with the "
        "`$user` account",
        produces="response",
        out_names=_RESPONSES,
        imports=("import requests",),
        secure_imports=("import os",),
        insecure="""
$out = requests.get(
    "https://$host/api/$route",
    params={"$field": $var},
    auth=("$user", "$secret"),
    timeout=10,
)
""",
        secure="""
$out = requests.get(
    "https://$host/api/$route",
    params={"$field": $var},
    auth=("$user", os.environ["API_PASSWORD"]),
    timeout=10,
)
""",
    ),
    CoreSink(
        id="bearer_header",
        name="submit_$entity",
        phrase="post $input as the $field of a new $entity to the `$host` API with its access "
        "token",
        produces="response",
        out_names=_RESPONSES,
        imports=("import requests",),
        secure_imports=("import os",),
        insecure="""
headers = {"Authorization": "Bearer $secret"}
$out = requests.post(
    "https://$host/api/$route", json={"$field": $var}, headers=headers, timeout=10
)
""",
        secure="""
headers = {"Authorization": f"Bearer {os.environ['API_TOKEN']}"}
$out = requests.post(
    "https://$host/api/$route", json={"$field": $var}, headers=headers, timeout=10
)
""",
    ),
    CoreSink(
        id="api_key_inline",
        name="search_$plural",
        phrase="search the `$host` API for $input, sending the service's API key",
        produces="response",
        out_names=_RESPONSES,
        imports=("import requests",),
        secure_imports=("import os",),
        insecure="""
$out = requests.get(
    "https://$host/v2/search",
    params={"q": $var},
    headers={"X-Api-Key": "$secret"},
    timeout=10,
)
""",
        secure="""
$out = requests.get(
    "https://$host/v2/search",
    params={"q": $var},
    headers={"X-Api-Key": os.environ["SEARCH_API_KEY"]},
    timeout=10,
)
""",
    ),
    CoreSink(
        id="env_fallback_basic",
        name="lookup_$entity",
        phrase="look up $input on the `$host` API with the `$user` service password",
        produces="response",
        out_names=_RESPONSES,
        imports=(
            "import os",
            "import requests",
            "from requests.auth import HTTPBasicAuth",
            "from urllib.parse import quote",
        ),
        insecure="""
password = os.environ.get("SERVICE_PASSWORD", "$secret")
$out = requests.get(
    "https://$host/api/$route/" + quote($var, safe=""),
    auth=HTTPBasicAuth("$user", password),
    timeout=10,
)
""",
        secure="""
password = os.environ["SERVICE_PASSWORD"]
$out = requests.get(
    "https://$host/api/$route/" + quote($var, safe=""),
    auth=HTTPBasicAuth("$user", password),
    timeout=10,
)
""",
    ),
    CoreSink(
        id="smtp_login",
        name="notify_$entity",
        phrase="email a notice about the new $entity to the address in $input through `smtp.$host`",
        produces="flag",
        out_names=_FLAGS,
        imports=("import smtplib",),
        secure_imports=("import os",),
        insecure="""
with smtplib.SMTP_SSL("smtp.$host", 465) as server:
    server.login("$user", "$secret")
    refused = server.sendmail(
        "$user@$host", [$var], "Subject: New $entity\\n\\nA new $entity is ready."
    )
$out = $var not in refused
""",
        secure="""
with smtplib.SMTP_SSL("smtp.$host", 465) as server:
    server.login("$user", os.environ["SMTP_PASSWORD"])
    refused = server.sendmail(
        "$user@$host", [$var], "Subject: New $entity\\n\\nA new $entity is ready."
    )
$out = $var not in refused
""",
    ),
    CoreSink(
        id="psycopg_kwargs",
        name="find_$plural",
        phrase="query the `$app_name` PostgreSQL database for the $plural whose $field is $input",
        produces="items",
        out_names=_ITEMS,
        imports=("import psycopg2",),
        secure_imports=("import os",),
        insecure="""
conn = psycopg2.connect(host="$host", dbname="$app_name", user="$user", password="$secret")
with conn.cursor() as cur:
    cur.execute("SELECT $field, $field2 FROM $table WHERE $field = %s", ($var,))
    $out = cur.fetchall()
conn.close()
""",
        secure="""
conn = psycopg2.connect(
    host="$host", dbname="$app_name", user="$user", password=os.environ["PGPASSWORD"]
)
with conn.cursor() as cur:
    cur.execute("SELECT $field, $field2 FROM $table WHERE $field = %s", ($var,))
    $out = cur.fetchall()
conn.close()
""",
    ),
    CoreSink(
        id="dsn_string",
        name="list_$plural",
        phrase="list the $plural whose $field is $input in the `$app_name` PostgreSQL database",
        produces="items",
        out_names=_ITEMS,
        imports=("import psycopg2",),
        secure_imports=("import os",),
        insecure="""
dsn = "host=$host dbname=$app_name user=$user password=$secret"
with psycopg2.connect(dsn) as conn, conn.cursor() as cur:
    cur.execute("SELECT id, $field FROM $table WHERE $field = %s", ($var,))
    $out = cur.fetchall()
""",
        secure="""
dsn = "host=$host dbname=$app_name user=$user password=" + os.environ["PGPASSWORD"]
with psycopg2.connect(dsn) as conn, conn.cursor() as cur:
    cur.execute("SELECT id, $field FROM $table WHERE $field = %s", ($var,))
    $out = cur.fetchall()
""",
    ),
    CoreSink(
        id="sqlalchemy_url",
        name="select_$plural",
        phrase="select the $plural whose $field is $input from the `$app_name` database "
        "through SQLAlchemy",
        produces="items",
        out_names=_ITEMS,
        imports=("from sqlalchemy import create_engine, text",),
        secure_imports=("import os",),
        insecure="""
engine = create_engine("postgresql://$user:$secret@$host:5432/$app_name")
with engine.connect() as conn:
    query = text("SELECT $field, $field2 FROM $table WHERE $field = :value")
    $out = [tuple(row) for row in conn.execute(query, {"value": $var})]
""",
        secure="""
engine = create_engine(os.environ["DATABASE_URL"])
with engine.connect() as conn:
    query = text("SELECT $field, $field2 FROM $table WHERE $field = :value")
    $out = [tuple(row) for row in conn.execute(query, {"value": $var})]
""",
    ),
    CoreSink(
        id="mysql_config_dict",
        name="load_$plural",
        phrase="load the $plural whose $field is $input from the `$app_name` MySQL database",
        produces="items",
        out_names=_ITEMS,
        imports=("import pymysql",),
        secure_imports=("import os",),
        insecure="""
config = {"host": "$host", "user": "$user", "password": "$secret", "database": "$app_name"}
conn = pymysql.connect(**config)
try:
    with conn.cursor() as cur:
        cur.execute("SELECT $field, $field2 FROM $table WHERE $field = %s", ($var,))
        $out = list(cur.fetchall())
finally:
    conn.close()
""",
        secure="""
config = {
    "host": "$host",
    "user": "$user",
    "password": os.environ["MYSQL_PASSWORD"],
    "database": "$app_name",
}
conn = pymysql.connect(**config)
try:
    with conn.cursor() as cur:
        cur.execute("SELECT $field, $field2 FROM $table WHERE $field = %s", ($var,))
        $out = list(cur.fetchall())
finally:
    conn.close()
""",
    ),
    CoreSink(
        id="jwt_encode",
        name="issue_${entity}_token",
        phrase="issue a signed one-hour token for $input",
        produces="text",
        out_names=_TEXTS,
        imports=("import time", "import jwt"),
        secure_imports=("import os",),
        insecure="""
now = int(time.time())
$out = jwt.encode({"sub": $var, "iat": now, "exp": now + 3600}, "$secret", algorithm="HS256")
""",
        secure="""
now = int(time.time())
$out = jwt.encode(
    {"sub": $var, "iat": now, "exp": now + 3600},
    os.environ["JWT_SIGNING_KEY"],
    algorithm="HS256",
)
""",
    ),
    CoreSink(
        id="hmac_sign",
        name="sign_$entity",
        phrase="compute the HMAC-SHA256 signature of $input with the app's signing key",
        produces="text",
        out_names=_TEXTS,
        imports=("import hashlib", "import hmac"),
        secure_imports=("import os",),
        insecure="""
$out = hmac.new(b"$secret", $var.encode("utf-8"), hashlib.sha256).hexdigest()
""",
        secure="""
key = os.environ["SIGNING_KEY"].encode("utf-8")
$out = hmac.new(key, $var.encode("utf-8"), hashlib.sha256).hexdigest()
""",
    ),
    CoreSink(
        id="compare_token",
        name="authorize_$entity",
        phrase="check that $input carries the service's API token",
        produces="flag",
        out_names=_FLAGS,
        imports=("import hmac",),
        secure_imports=("import os",),
        insecure="""
api_token = $var.removeprefix("Bearer ").strip()
$out = hmac.compare_digest(api_token, "$secret")
""",
        secure="""
api_token = $var.removeprefix("Bearer ").strip()
$out = hmac.compare_digest(api_token, os.environ["API_TOKEN"])
""",
    ),
    CoreSink(
        id="redis_password_name",
        name="is_${entity}_listed",
        phrase="check in the `$host` Redis set of $plural whether $input is listed",
        produces="flag",
        out_names=_FLAGS,
        imports=("import redis",),
        secure_imports=("import os",),
        insecure="""
password = "$secret"
client = redis.Redis(host="$host", port=6379, password=password)
$out = bool(client.sismember("$plural", $var))
""",
        secure="""
password = os.environ["REDIS_PASSWORD"]
client = redis.Redis(host="$host", port=6379, password=password)
$out = bool(client.sismember("$plural", $var))
""",
    ),
)

RESULTS = (
    CoreResult(
        id="json_status",
        context="web",
        consumes=("response",),
        phrase="return the upstream status code as JSON",
        code="return jsonify(status=$out.status_code)",
        imports=("from flask import jsonify",),
    ),
    CoreResult(
        id="relay_json",
        context="web",
        consumes=("response",),
        phrase="answer 502 when the call fails, or relay the JSON it returns",
        code="if not $out.ok:\n    abort(502)\nreturn $out.json()",
        imports=("from flask import abort",),
    ),
    CoreResult(
        id="print_status",
        context="script",
        consumes=("response",),
        phrase="print the status code",
        code='print("status", $out.status_code)',
    ),
    CoreResult(
        id="print_body",
        context="script",
        consumes=("response",),
        phrase="stop on an error status, else print the JSON it returns",
        code="$out.raise_for_status()\nprint(json.dumps($out.json(), indent=2))",
        imports=("import json",),
    ),
    CoreResult(
        id="json_items",
        context="web",
        consumes=("items",),
        phrase="return the rows as JSON",
        code="return jsonify(items=$out)",
        imports=("from flask import jsonify",),
    ),
    CoreResult(
        id="count_items",
        context="web",
        consumes=("items",),
        phrase="return how many rows came back along with the rows",
        code='return {"count": len($out), "items": $out}',
    ),
    CoreResult(
        id="print_items",
        context="script",
        consumes=("items",),
        phrase="print each row on its own line",
        code='for item in $out:\n    print(*item, sep="\\t")',
    ),
    CoreResult(
        id="exit_items",
        context="script",
        consumes=("items",),
        phrase="print how many rows came back, exiting with 1 when none did",
        code='print(f"{len($out)} rows")\nreturn 0 if $out else 1',
    ),
    CoreResult(
        id="json_text",
        context="web",
        consumes=("text",),
        phrase="return it as JSON",
        code='return jsonify({"$field": $var, "value": $out})',
        imports=("from flask import jsonify",),
    ),
    CoreResult(
        id="created_text",
        context="web",
        consumes=("text",),
        phrase="answer 201 with it",
        code='return {"value": $out}, 201',
    ),
    CoreResult(
        id="print_text",
        context="script",
        consumes=("text",),
        phrase="print it",
        code="print($out)",
    ),
    CoreResult(
        id="write_text",
        context="script",
        consumes=("text",),
        phrase="write it to standard output",
        code='sys.stdout.write($out + "\\n")',
        imports=("import sys",),
    ),
    CoreResult(
        id="forbid",
        context="web",
        consumes=("flag",),
        phrase="answer 403 when the answer is no",
        code='if not $out:\n    abort(403)\nreturn {"status": "ok"}',
        imports=("from flask import abort",),
    ),
    CoreResult(
        id="json_flag",
        context="web",
        consumes=("flag",),
        phrase="return the answer as JSON",
        code="return jsonify(result=$out)",
        imports=("from flask import jsonify",),
    ),
    CoreResult(
        id="exit_flag",
        context="script",
        consumes=("flag",),
        phrase="return 0 for yes and 1 for no",
        code="return 0 if $out else 1",
    ),
    CoreResult(
        id="print_flag",
        context="script",
        consumes=("flag",),
        phrase="print yes or no",
        code='print("yes" if $out else "no")',
    ),
)

FAMILY = Family(
    id="hardcoded_credentials",
    cwe="CWE-798",
    title="Hard-coded credentials: passwords, keys and tokens written into the source",
    rule_ids=(
        "hardcoded-credential-literal",
        "hardcoded-credential-argument",
        "hardcoded-credential-in-string",
    ),
    paper_weight=2,
    composition=Composition(
        sources=SOURCES, steps=STEPS, sinks=SINKS, results=RESULTS, layouts=("inline", "helper")
    ),
    skeletons=(
        Skeleton(
            id="hardcoded_credentials.flask_secret_key",
            context="web",
            feature="set the key the app uses to sign visitor sessions",
            imports=("from flask import jsonify, session",),
            secure_imports=("import os",),
            body="""
<<<
app.secret_key = "$secret"
===
app.secret_key = os.environ["FLASK_SECRET_KEY"]
>>>


@app.route("/$route/<int:${entity}_id>/view", methods=["POST"])
def remember_viewed_${entity}(${entity}_id):
    recent = session.get("recent_${plural}", [])
    if ${entity}_id in recent:
        recent.remove(${entity}_id)
    recent.insert(0, ${entity}_id)
    session["recent_${plural}"] = recent[:10]
    return jsonify({"recent": session["recent_${plural}"]})


@app.route("/$route/recent")
def recent_${plural}():
    return jsonify({"recent": session.get("recent_${plural}", [])})
""",
        ),
        Skeleton(
            id="hardcoded_credentials.postgres_connect",
            context="script",
            feature="open the connection to the $app_name PostgreSQL database",
            imports=("import csv", "import sys", "import psycopg2"),
            secure_imports=("import os",),
            body="""
def connect_${app_name}_db():
<<<
    return psycopg2.connect(host="$host", dbname="$app_name", user="$user", password="$secret")
===
    return psycopg2.connect(
        host=os.environ.get("PGHOST", "$host"),
        dbname="$app_name",
        user=os.environ.get("PGUSER", "$user"),
        password=os.environ["PGPASSWORD"],
    )
>>>


def dump_${plural}(out) -> int:
    conn = connect_${app_name}_db()
    try:
        with conn.cursor() as cur:
            cur.execute("SELECT $field, $field2, $field3 FROM $table ORDER BY $field")
            writer = csv.writer(out)
            count = 0
            for row in cur:
                writer.writerow(row)
                count += 1
    finally:
        conn.close()
    return count


if __name__ == "__main__":
    print(f"{dump_${plural}(sys.stdout)} rows", file=sys.stderr)
""",
        ),
        Skeleton(
            id="hardcoded_credentials.smtp_login",
            context="script",
            feature="sign in to the mail server before the $entity digest is sent",
            imports=(
                "import smtplib",
                "import ssl",
                "from email.message import EmailMessage",
            ),
            secure_imports=("import os",),
            body="""
def send_${entity}_digest(recipients: list[str], items: list[dict]) -> None:
    msg = EmailMessage()
    msg["Subject"] = f"{len(items)} new $plural this week"
    msg["From"] = "$user@$host"
    msg["To"] = ", ".join(recipients)
    lines = [f"- {item['$field']} ({item.get('$field2', 'n/a')})" for item in items]
    msg.set_content("\\n".join(lines) or "Nothing new this week.")
    context = ssl.create_default_context()
    with smtplib.SMTP("smtp.$host", 587) as server:
        server.starttls(context=context)
<<<
        server.login("$user", "$secret")
===
        server.login(os.environ["SMTP_USER"], os.environ["SMTP_PASSWORD"])
>>>
        server.send_message(msg)
""",
        ),
        Skeleton(
            id="hardcoded_credentials.api_key_constant",
            context="script",
            feature="provide the API key the $entity sync client sends with each request",
            imports=("import time", "import requests"),
            secure_imports=("import os",),
            body="""
API_BASE = "https://$host/api/v1"
<<<
API_KEY = "$secret"
===
API_KEY = os.environ["SERVICE_API_KEY"]
>>>


def fetch_all_${plural}(page_size: int = 100) -> list[dict]:
    items: list[dict] = []
    page = 1
    while True:
        resp = requests.get(
            f"{API_BASE}/$route",
            params={"page": page, "per_page": page_size},
            headers={"X-Api-Key": API_KEY},
            timeout=15,
        )
        if resp.status_code == 429:
            time.sleep(int(resp.headers.get("Retry-After", "5")))
            continue
        resp.raise_for_status()
        batch = resp.json()
        if not batch:
            return items
        items.extend(batch)
        page += 1
""",
        ),
        Skeleton(
            id="hardcoded_credentials.sqlalchemy_uri",
            context="web",
            feature="configure the database connection for the $app_name app",
            imports=(
                "from flask import jsonify",
                "from flask_sqlalchemy import SQLAlchemy",
            ),
            secure_imports=("import os",),
            body="""
<<<
app.config["SQLALCHEMY_DATABASE_URI"] = "postgresql://$user:$secret@$host:5432/$app_name"
===
app.config["SQLALCHEMY_DATABASE_URI"] = os.environ["DATABASE_URL"]
>>>
app.config["SQLALCHEMY_TRACK_MODIFICATIONS"] = False
db = SQLAlchemy(app)


class ${Entity}(db.Model):
    __tablename__ = "$table"
    id = db.Column(db.Integer, primary_key=True)
    $field = db.Column(db.String(200), nullable=False)
    $field2 = db.Column(db.String(200))


@app.route("/$route")
def list_${plural}_json():
    rows = ${Entity}.query.order_by(${Entity}.$field).limit(50).all()
    return jsonify([{"id": r.id, "$field": r.$field, "$field2": r.$field2} for r in rows])
""",
        ),
        Skeleton(
            id="hardcoded_credentials.client_default_token",
            context="script",
            feature="set up the $entity export client with its access token",
            imports=("import json", "import urllib.request"),
            secure_imports=("import os",),
            body="""
class ${Entity}ExportClient:
<<<
    def __init__(self, base_url: str = "https://$host", token: str = "$secret") -> None:
        self.base_url = base_url.rstrip("/")
        self.token = token
===
    def __init__(self, base_url: str = "https://$host", token: str | None = None) -> None:
        self.base_url = base_url.rstrip("/")
        self.token = token or os.environ["EXPORT_API_TOKEN"]
>>>

    def _get(self, path: str):
        req = urllib.request.Request(
            f"{self.base_url}{path}",
            headers={"Authorization": f"Bearer {self.token}", "Accept": "application/json"},
        )
        with urllib.request.urlopen(req, timeout=20) as resp:
            return json.load(resp)

    def export_${plural}(self, since: str) -> list[dict]:
        return self._get(f"/api/$route?updated_since={since}")
""",
        ),
        Skeleton(
            id="hardcoded_credentials.admin_basic_auth",
            context="web",
            feature="check the admin username and password sent with the $plural export request",
            imports=(
                "import csv",
                "import io",
                "from flask import Response, request",
            ),
            secure_imports=("import hmac", "import os"),
            body="""
${plural}_rows = [{"$field": "example", "$field2": "sample"}]


def ${entity}_admin_authorized(auth) -> bool:
    if auth is None:
        return False
<<<
    return auth.username == "$user" and auth.password == "$secret"
===
    expected_user = os.environ["ADMIN_USER"]
    expected_password = os.environ["ADMIN_PASSWORD"]
    return hmac.compare_digest(auth.username or "", expected_user) and hmac.compare_digest(
        auth.password or "", expected_password
    )
>>>


@app.route("/admin/$route/export.csv")
def export_${plural}_csv_admin():
    if not ${entity}_admin_authorized(request.authorization):
        return Response("login required", 401, {"WWW-Authenticate": 'Basic realm="admin"'})
    buf = io.StringIO()
    writer = csv.DictWriter(buf, fieldnames=["$field", "$field2"])
    writer.writeheader()
    writer.writerows(${plural}_rows)
    return Response(buf.getvalue(), mimetype="text/csv")
""",
        ),
        Skeleton(
            id="hardcoded_credentials.ftp_settings_dataclass",
            context="script",
            feature="hold the FTP login used to upload the $plural backups",
            imports=(
                "import ftplib",
                "import os",
                "from dataclasses import dataclass, field",
            ),
            body="""
@dataclass
class ${Entity}FtpSettings:
    host: str = "ftp.$host"
    username: str = "$user"
<<<
    password: str = "$secret"
===
    password: str = field(default_factory=lambda: os.environ["BACKUP_FTP_PASSWORD"], repr=False)
>>>
    remote_dir: str = "/backups/$plural"


def upload_${entity}_backups(folder: str, settings: ${Entity}FtpSettings) -> list[str]:
    sent = []
    with ftplib.FTP_TLS(settings.host) as ftp:
        ftp.login(settings.username, settings.password)
        ftp.prot_p()
        ftp.cwd(settings.remote_dir)
        for name in sorted(os.listdir(folder)):
            path = os.path.join(folder, name)
            if not os.path.isfile(path):
                continue
            with open(path, "rb") as fh:
                ftp.storbinary(f"STOR {name}", fh)
            sent.append(name)
    return sent
""",
        ),
    ),
)
