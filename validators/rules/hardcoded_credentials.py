import ftplib
import hmac
import os
import smtplib
from dataclasses import dataclass, field

import jwt
import psycopg2
import requests
from flask import Flask, request

app = Flask(__name__)

# ruleid: hardcoded-credential-literal
app.secret_key = "Xk29fLq0ZpT7wB"
# ok: hardcoded-credential-literal
app.secret_key = os.environ["FLASK_SECRET_KEY"]
# ruleid: hardcoded-credential-literal
app.config["SECRET_KEY"] = "a8Fj2kLm9QzW"
# ok: hardcoded-credential-literal
app.config["SECRET_KEY"] = os.environ.get("SECRET_KEY")
# ruleid: hardcoded-credential-literal
app.config.update(SECRET_KEY="a8Fj2kLm9QzW")

# ruleid: hardcoded-credential-literal
API_KEY = "3f9aK2LmQ8zP0wX"
# ok: hardcoded-credential-literal
API_KEY = os.environ["SERVICE_API_KEY"]
# ruleid: hardcoded-credential-literal
DB_PASSWORD = "hunter2hunter2"
# ruleid: hardcoded-credential-literal
DB_PASSWORD = os.environ.get("DB_PASSWORD", "Summer2024!")
# ok: hardcoded-credential-literal
DB_PASSWORD = os.environ.get("DB_PASSWORD", "")
# ok: hardcoded-credential-literal
PASSWORD_FIELD = "password"
# ok: hardcoded-credential-literal
TOKEN_HEADER = "X-Auth-Token"
# ok: hardcoded-credential-literal
SECRET_KEY_ENV = "APP_SECRET_KEY"
# ok: hardcoded-credential-literal
token_url = "https://auth.example.com/oauth/token"
# ok: hardcoded-credential-literal
password_hash_method = "pbkdf2:sha256"
# ok: hardcoded-credential-literal
token_type = "bearer"


def connect_db():
    # ruleid: hardcoded-credential-literal
    return psycopg2.connect(host="db.example.com", user="svc", password="Pq7rT2xLm90a")


def connect_db_env():
    # ok: hardcoded-credential-literal
    return psycopg2.connect(host="db.example.com", user="svc", password=os.environ["PGPASSWORD"])


def fetch(url):
    # ruleid: hardcoded-credential-literal
    headers = {"X-Api-Key": "k29Fj3LqP0zW7x"}
    # ruleid: hardcoded-credential-literal
    payload = {"username": "svc", "password": "k29Fj3LqP0zW7x"}
    # ok: hardcoded-credential-literal
    payload = {"username": "svc", "password": os.environ["SVC_PASSWORD"]}
    # ok: hardcoded-credential-literal
    headers = {"Accept": "application/json", "X-Token-Header": "X-Session-Token"}
    return requests.post(url, headers=headers, json=payload, timeout=10)


@dataclass
class FtpSettings:
    host: str = "ftp.example.com"
    user: str = "backup"
    # ruleid: hardcoded-credential-literal
    password: str = "G7hJ2kL9mN3p"


@dataclass
class FtpSettingsEnv:
    host: str = "ftp.example.com"
    # ok: hardcoded-credential-literal
    password: str = field(default_factory=lambda: os.environ["FTP_PASSWORD"])


class Client:
    # ruleid: hardcoded-credential-literal
    def __init__(self, base_url, token="a8Fj2kLm9QzWx1"):
        self.base_url = base_url
        self.token = token


def check_admin():
    auth = request.authorization
    # ruleid: hardcoded-credential-literal
    if auth is None or auth.password != "Pq7rT2xLm90a":
        return False
    # ok: hardcoded-credential-literal
    return hmac.compare_digest(auth.password, os.environ["ADMIN_PASSWORD"])


def send_mail(msg):
    with smtplib.SMTP_SSL("smtp.example.com", 465) as server:
        # ruleid: hardcoded-credential-argument
        server.login("mailer", "Zt5vB8nM1qW3")
        # ok: hardcoded-credential-argument
        server.login(os.environ["SMTP_USER"], os.environ["SMTP_PASSWORD"])
        server.send_message(msg)


def upload(path):
    ftp = ftplib.FTP_TLS("ftp.example.com")
    # ruleid: hardcoded-credential-argument
    ftp.login("backup", "G7hJ2kL9mN3p")
    # ruleid: hardcoded-credential-argument
    requests.get("https://api.example.com", auth=("svc", "Zt5vB8nM1qW3"), timeout=5)
    # ok: hardcoded-credential-argument
    requests.get("https://api.example.com", auth=("svc", os.environ["API_PASSWORD"]), timeout=5)


def make_token(payload):
    # ruleid: hardcoded-credential-argument
    return jwt.encode(payload, "s3cr3tK3yForJwt", algorithm="HS256")


def make_token_env(payload):
    # ok: hardcoded-credential-argument
    return jwt.encode(payload, os.environ["JWT_KEY"], algorithm="HS256")


# ruleid: hardcoded-credential-in-string
DATABASE_URL = "postgresql://svc:Pq7rT2xLm90a@db.example.com:5432/app"
# ok: hardcoded-credential-in-string
DATABASE_URL = "postgresql://db.example.com:5432/app"
# ok: hardcoded-credential-in-string
DATABASE_URL = f"postgresql://{user}:{password}@db.example.com:5432/app"
# ruleid: hardcoded-credential-in-string
HEADERS = {"Authorization": "Bearer Zt5vB8nM1qW3aa"}
# ok: hardcoded-credential-in-string
HEADERS = {"Authorization": f"Bearer {os.environ['API_TOKEN']}"}
# ruleid: hardcoded-credential-in-string
DSN = "dbname=app user=svc password=Pq7rT2xLm90a host=db"
# ok: hardcoded-credential-in-string
DSN = "dbname=app user=svc host=db"


def lexer(token, names, api_key):
    # ok: hardcoded-credential-literal
    if token == "#bygroup":
        return None
    # ok: hardcoded-credential-literal
    names = {"challenge_password": "challengePassword", "refresh_token": "hf_oauth__refresh_token"}
    # ruleid: hardcoded-credential-literal
    if api_key == "k29Fj3LqP0zW7x":
        return None
    # ruleid: hardcoded-credential-literal
    admin_password = "SuperSecret123"
    # ok: hardcoded-credential-literal
    admin_password = "SuperSecret"
    return names


# ruleid: hardcoded-credential-literal
DEPLOY_TOKEN = "QX7R2M9KZP4T"
# ok: hardcoded-credential-literal
DEPLOY_TOKEN_SOURCE = "CI_DEPLOY_TOKEN"


def composed_forms(value, redis, pymysql, create_engine, quote, HTTPBasicAuth):
    # ruleid: hardcoded-credential-argument
    requests.get("https://api.example.com", params={"q": value}, auth=("svc", "Xr6nzrvZcmT4a"))
    # ruleid: hardcoded-credential-literal
    requests.get("https://api.example.com", headers={"X-Api-Key": "k29Fj3LqP0zW7x"}, timeout=10)
    # ok: hardcoded-credential-literal
    requests.get("https://api.example.com", headers={"X-Api-Key": os.environ["SEARCH_API_KEY"]})
    # ruleid: hardcoded-credential-literal
    password = os.environ.get("SERVICE_PASSWORD", "G7hJ2kL9mN3p")
    # ok: hardcoded-credential-literal
    password = os.environ["SERVICE_PASSWORD"]
    requests.get("https://api.example.com/" + quote(value), auth=HTTPBasicAuth("svc", password))
    # ruleid: hardcoded-credential-in-string
    dsn = "host=db.example.com dbname=app user=svc password=Pq7rT2xLm90a"
    # ok: hardcoded-credential-in-string
    dsn = "host=db.example.com dbname=app user=svc password=" + os.environ["PGPASSWORD"]
    # ruleid: hardcoded-credential-in-string
    engine = create_engine("postgresql://svc:Pq7rT2xLm90a@db.example.com:5432/app")
    # ok: hardcoded-credential-in-string
    engine = create_engine(os.environ["DATABASE_URL"])
    # ruleid: hardcoded-credential-literal
    config = {"host": "db.example.com", "user": "svc", "password": "Pq7rT2xLm90a"}
    # ok: hardcoded-credential-literal
    config = {"host": "db.example.com", "user": "svc", "password": os.environ["MYSQL_PASSWORD"]}
    pymysql.connect(**config)
    # ruleid: hardcoded-credential-argument
    signature = hmac.new(b"s3cr3tK3yForHmac", value.encode("utf-8"), "sha256").hexdigest()
    key = os.environ["SIGNING_KEY"].encode("utf-8")
    # ok: hardcoded-credential-argument
    signature = hmac.new(key, value.encode("utf-8"), "sha256").hexdigest()
    api_token = value.removeprefix("Bearer ").strip()
    # ruleid: hardcoded-credential-literal
    allowed = hmac.compare_digest(api_token, "QX7R2M9KZP4Tw")
    # ok: hardcoded-credential-literal
    allowed = hmac.compare_digest(api_token, os.environ["API_TOKEN"])
    # ruleid: hardcoded-credential-literal
    password = "Zt5vB8nM1qW3"
    # ruleid: hardcoded-credential-literal
    client = redis.Redis(host="cache.example.com", port=6379, password=password)
    return dsn, engine, signature, allowed, client
