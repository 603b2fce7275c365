from emgen.schemas.catalog import Family, Skeleton

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
