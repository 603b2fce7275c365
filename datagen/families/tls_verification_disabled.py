from emgen.datagen.core_parts import (
    STEPS,
    argparse_source,
    argument_source,
    argv_source,
    env_source,
    file_line_source,
    ini_source,
    prompt_source,
    require_script_step,
    stdin_line_source,
    too_long_script_step,
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

_DATA = ("data", "payload", "$plural", "document")
_TEXT = ("text", "body", "content", "reply_text")
_STATUS = ("status", "status_code", "code")
_CERTIFI = ("import certifi",)
_SSL_URLLIB = ("import ssl", "import urllib.request")

# The input is the address of a web service: a URL, or a host name the URL is built from.
SOURCES = (
    argv_source(phrase="the address given as the first command-line argument"),
    stdin_line_source(phrase="the address on a line read from standard input"),
    file_line_source(phrase="the address on the first line of a file named on the command line"),
    argparse_source(
        "url",
        id="argparse_url",
        phrase="a URL given on the command line",
        description="Fetch $plural from a web service",
        options=', help="address of the $plural endpoint"',
    ),
    env_source(
        "API_URL",
        id="env_url",
        phrase="the `API_URL` environment variable, defaulting to `https://$host/api/$route`",
        default='"https://$host/api/$route"',
    ),
    prompt_source(
        "$Entity service URL",
        id="prompt_url",
        phrase="the address the user types at a prompt",
        strip=True,
    ),
    CoreSource(
        id="host_argv",
        context="script",
        phrase="the address `https://<host>/api/$route` built from a host name given as the "
        "first command-line argument",
        code='$var = "https://" + sys.argv[1] + "/api/$route"',
        imports=("import sys",),
    ),
    CoreSource(
        id="json_config",
        context="script",
        phrase="the `${entity}_url` setting in `$dir/config.json`",
        code='with open("$dir/config.json", encoding="utf-8") as handle:\n'
        '    $var = json.load(handle)["${entity}_url"]',
        imports=("import json",),
    ),
    ini_source(
        "$dir/settings.ini",
        "$app_name",
        "url",
        id="ini_config",
        fallback='"https://$host/api/$route"',
    ),
    argument_source("URL", id="url_argument"),
)

_STEP_IDS = {"strip", "log", "to_text"}
LOCAL_STEPS = (
    require_script_step("an address", id="require_address"),
    too_long_script_step("the address", limit=2000, id="address_too_long"),
    CoreStep(id="add_scheme", code='if "://" not in $var:\n    $var = "https://" + $var'),
    CoreStep(id="rstrip_slash", code='$var = $var.rstrip("/")'),
    CoreStep(
        id="require_web_scheme",
        context="script",
        code='if urlsplit($var).scheme not in ("http", "https"):\n'
        '    sys.exit(f"not a web address: {$var}")',
        imports=("import sys", "from urllib.parse import urlsplit"),
    ),
)

# Each sink talks HTTPS (or TLS) to the address; its secure form keeps the default certificate
# and host name checks (or points them at certifi's CA bundle).
SINKS = (
    CoreSink(
        id="requests_json",
        context="script",
        name="fetch_$plural",
        phrase="download the JSON document at $input",
        produces="data",
        out_names=_DATA,
        imports=("import requests",),
        insecure="$out = requests.get($var, timeout=10, verify=False).json()",
        secure="$out = requests.get($var, timeout=10).json()",
    ),
    CoreSink(
        id="requests_raise_text",
        context="script",
        name="read_$entity",
        phrase="download the text at $input, stopping on an HTTP error status",
        produces="text",
        out_names=_TEXT,
        imports=("import requests",),
        insecure="""
response = requests.get($var, headers={"Accept": "text/plain"}, timeout=15, verify=False)
response.raise_for_status()
$out = response.text
""",
        secure="""
response = requests.get($var, headers={"Accept": "text/plain"}, timeout=15)
response.raise_for_status()
$out = response.text
""",
    ),
    CoreSink(
        id="session_attribute",
        context="script",
        name="sync_$plural",
        phrase="download the JSON document at $input with a session that names the $app_name client",
        produces="data",
        out_names=_DATA,
        imports=("import requests",),
        secure_imports=_CERTIFI,
        insecure="""
session = requests.Session()
session.verify = False
session.headers["User-Agent"] = "$app_name/1.0"
$out = session.get($var, timeout=10).json()
""",
        secure="""
session = requests.Session()
session.verify = certifi.where()
session.headers["User-Agent"] = "$app_name/1.0"
$out = session.get($var, timeout=10).json()
""",
    ),
    CoreSink(
        id="session_post",
        context="script",
        name="report_$entity",
        phrase="post a JSON note that `$app_name` is running to $input",
        produces="status",
        out_names=_STATUS,
        imports=("import requests",),
        insecure="""
with requests.Session() as session:
    reply = session.post($var, json={"source": "$app_name"}, timeout=10, verify=False)
$out = reply.status_code
""",
        secure="""
with requests.Session() as session:
    reply = session.post($var, json={"source": "$app_name"}, timeout=10)
$out = reply.status_code
""",
    ),
    CoreSink(
        id="requests_request_header",
        context="script",
        name="probe_$entity",
        phrase="fetch $input and read its `Content-Type` header",
        produces="text",
        out_names=("content_type", "kind", "media_type"),
        imports=("import requests",),
        insecure='$out = requests.request("GET", $var, timeout=10, verify=False).headers.get(\n'
        '    "Content-Type", ""\n)',
        secure='$out = requests.request("GET", $var, timeout=10).headers.get("Content-Type", "")',
    ),
    CoreSink(
        id="requests_stream_save",
        context="script",
        name="download_$entity",
        phrase="stream the file at $input into `$dir/download.bin`",
        imports=("import requests",),
        insecure="""
with requests.get($var, stream=True, timeout=30, verify=False) as reply:
    reply.raise_for_status()
    with open("$dir/download.bin", "wb") as handle:
        for chunk in reply.iter_content(chunk_size=65536):
            handle.write(chunk)
""",
        secure="""
with requests.get($var, stream=True, timeout=30) as reply:
    reply.raise_for_status()
    with open("$dir/download.bin", "wb") as handle:
        for chunk in reply.iter_content(chunk_size=65536):
            handle.write(chunk)
""",
    ),
    CoreSink(
        id="urllib_cert_none",
        context="script",
        name="read_$plural",
        phrase="read the page at $input with urllib",
        produces="text",
        out_names=_TEXT,
        imports=_SSL_URLLIB,
        insecure="""
context = ssl.create_default_context()
context.check_hostname = False
context.verify_mode = ssl.CERT_NONE
with urllib.request.urlopen($var, context=context, timeout=10) as reply:
    $out = reply.read().decode("utf-8")
""",
        secure="""
context = ssl.create_default_context()
with urllib.request.urlopen($var, context=context, timeout=10) as reply:
    $out = reply.read().decode("utf-8")
""",
    ),
    CoreSink(
        id="urllib_request_json",
        context="script",
        name="load_$plural",
        phrase="load the JSON document at $input with urllib, asking for JSON",
        produces="data",
        out_names=_DATA,
        imports=(*_SSL_URLLIB, "import json"),
        insecure="""
request = urllib.request.Request($var, headers={"Accept": "application/json"})
context = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
context.check_hostname = False
context.verify_mode = ssl.CERT_NONE
with urllib.request.urlopen(request, context=context, timeout=20) as reply:
    $out = json.load(reply)
""",
        secure="""
request = urllib.request.Request($var, headers={"Accept": "application/json"})
context = ssl.create_default_context()
with urllib.request.urlopen(request, context=context, timeout=20) as reply:
    $out = json.load(reply)
""",
    ),
    CoreSink(
        id="httpx_client",
        context="script",
        name="pull_$plural",
        phrase="download the JSON document at $input with an httpx client that follows redirects",
        produces="data",
        out_names=_DATA,
        imports=("import httpx",),
        insecure="""
with httpx.Client(verify=False, timeout=10.0, follow_redirects=True) as client:
    $out = client.get($var).json()
""",
        secure="""
with httpx.Client(timeout=10.0, follow_redirects=True) as client:
    $out = client.get($var).json()
""",
    ),
    CoreSink(
        id="httpx_head",
        context="script",
        name="check_$entity",
        phrase="send a HEAD request to $input with httpx and read the status code",
        produces="status",
        out_names=_STATUS,
        imports=("import httpx",),
        insecure="$out = httpx.head($var, verify=False, timeout=5.0).status_code",
        secure="$out = httpx.head($var, timeout=5.0).status_code",
    ),
    CoreSink(
        id="urllib3_pool",
        context="script",
        name="mirror_$plural",
        phrase="fetch the text at $input with a urllib3 pool manager",
        produces="text",
        out_names=_TEXT,
        imports=("import urllib3",),
        secure_imports=_CERTIFI,
        insecure="""
urllib3.disable_warnings()
http = urllib3.PoolManager(cert_reqs="CERT_NONE")
$out = http.request("GET", $var, timeout=10.0).data.decode("utf-8")
""",
        secure="""
http = urllib3.PoolManager(cert_reqs="CERT_REQUIRED", ca_certs=certifi.where())
$out = http.request("GET", $var, timeout=10.0).data.decode("utf-8")
""",
    ),
    CoreSink(
        id="http_client_head",
        context="script",
        name="ping_$entity",
        phrase="send a HEAD request for the path of $input over http.client and read the status",
        produces="status",
        out_names=_STATUS,
        imports=("import http.client", "import ssl", "from urllib.parse import urlsplit"),
        insecure="""
parts = urlsplit($var)
context = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
context.check_hostname = False
context.verify_mode = ssl.CERT_NONE
conn = http.client.HTTPSConnection(parts.hostname, parts.port or 443, context=context, timeout=10)
conn.request("HEAD", parts.path or "/")
$out = conn.getresponse().status
conn.close()
""",
        secure="""
parts = urlsplit($var)
context = ssl.create_default_context()
conn = http.client.HTTPSConnection(parts.hostname, parts.port or 443, context=context, timeout=10)
conn.request("HEAD", parts.path or "/")
$out = conn.getresponse().status
conn.close()
""",
    ),
    CoreSink(
        id="socket_tls_version",
        context="script",
        name="inspect_$entity",
        phrase="open a TLS connection to port 443 of the host in $input and read the protocol "
        "version it agrees on",
        produces="text",
        out_names=("version", "protocol", "tls_version"),
        imports=("import socket", "import ssl", "from urllib.parse import urlsplit"),
        insecure="""
host = urlsplit($var).hostname or $var
context = ssl.create_default_context()
context.check_hostname = False
context.verify_mode = ssl.CERT_NONE
with socket.create_connection((host, 443), timeout=10) as raw:
    with context.wrap_socket(raw, server_hostname=host) as tls:
        $out = tls.version()
""",
        secure="""
host = urlsplit($var).hostname or $var
context = ssl.create_default_context()
with socket.create_connection((host, 443), timeout=10) as raw:
    with context.wrap_socket(raw, server_hostname=host) as tls:
        $out = tls.version()
""",
    ),
    CoreSink(
        id="requests_post_form",
        context="script",
        name="submit_$entity",
        phrase="post a form with a sample `$field` to $input",
        produces="status",
        out_names=_STATUS,
        imports=("import requests",),
        insecure='$out = requests.post(\n    $var, data={"$field": "sample"}, timeout=10, verify=False\n).status_code',
        secure='$out = requests.post($var, data={"$field": "sample"}, timeout=10).status_code',
    ),
)

RESULTS = (
    CoreResult(
        id="print_json",
        context="script",
        consumes=("data",),
        phrase="print it as indented JSON",
        code="print(json.dumps($out, indent=2))",
        imports=("import json",),
    ),
    CoreResult(
        id="save_json",
        context="script",
        consumes=("data",),
        phrase="save it to `$dir/$plural.json`",
        code='with open("$dir/$plural.json", "w", encoding="utf-8") as handle:\n'
        "    json.dump($out, handle, indent=2)",
        imports=("import json",),
    ),
    CoreResult(
        id="count_items",
        context="script",
        consumes=("data",),
        phrase="print how many items it holds, exiting with 1 when it is empty",
        code='print(f"{len($out)} $plural")\nreturn 0 if $out else 1',
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
        phrase="write it to `$dir/$entity.txt`",
        code='Path("$dir", "$entity.txt").write_text($out, encoding="utf-8")',
        imports=("from pathlib import Path",),
    ),
    CoreResult(
        id="labelled_text",
        context="script",
        consumes=("text",),
        phrase="print it after the address, exiting with 1 when it is empty",
        code='print(f"{$var}: {$out}")\nreturn 0 if $out else 1',
    ),
    CoreResult(
        id="print_status",
        context="script",
        consumes=("status",),
        phrase="print the address and the status code",
        code='print($var, $out, sep="\\t")',
    ),
    CoreResult(
        id="exit_on_error",
        context="script",
        consumes=("status",),
        phrase="exit with 1 when the status code is 400 or more",
        code="return 0 if $out < 400 else 1",
    ),
    CoreResult(
        id="fail_unless_ok",
        context="script",
        consumes=("status",),
        phrase="stop with a message unless the status code is 200",
        code='if $out != 200:\n    sys.exit(f"unexpected status {$out}")\nprint("ok")',
        imports=("import sys",),
    ),
    CoreResult(
        id="print_saved",
        context="script",
        consumes=("none",),
        phrase="print where it was saved",
        code='print("saved $dir/download.bin")',
    ),
    CoreResult(
        id="size_saved",
        context="script",
        consumes=("none",),
        phrase="print the size of the saved file",
        code='print(os.path.getsize("$dir/download.bin"), "bytes")',
        imports=("import os",),
    ),
)


FAMILY = Family(
    id="tls_verification_disabled",
    cwe="CWE-295",
    title="Improper certificate validation: HTTPS/TLS certificate checks turned off",
    rule_ids=("tls-certificate-check-disabled", "tls-unverified-ssl-context"),
    paper_weight=2,
    composition=Composition(
        sources=SOURCES,
        steps=tuple(s for s in STEPS if s.id in _STEP_IDS) + LOCAL_STEPS,
        sinks=SINKS,
        results=RESULTS,
        layouts=("inline", "helper"),
        var_names=("url", "endpoint", "${entity}_url", "service_url", "address"),
    ),
    skeletons=(
        Skeleton(
            id="tls_verification_disabled.requests_paged_fetch",
            context="script",
            feature="request one page of $plural from the partner API",
            imports=("import json", "import sys", "import requests"),
            body="""
API_URL = "https://$host/api/$route"


def fetch_${plural}_page(page: int, per_page: int = 50) -> list[dict]:
<<<
    resp = requests.get(API_URL, params={"page": page, "per_page": per_page}, timeout=10, verify=False)
===
    resp = requests.get(API_URL, params={"page": page, "per_page": per_page}, timeout=10)
>>>
    resp.raise_for_status()
    return resp.json().get("items", [])


def fetch_all_${plural}() -> list[dict]:
    items: list[dict] = []
    page = 1
    while True:
        batch = fetch_${plural}_page(page)
        if not batch:
            break
        items.extend(batch)
        page += 1
    return items


if __name__ == "__main__":
    json.dump(fetch_all_${plural}(), sys.stdout, indent=2)
""",
        ),
        Skeleton(
            id="tls_verification_disabled.session_client_class",
            context="script",
            feature="configure the HTTP session the $entity inventory client uses",
            imports=("import requests",),
            body="""
class ${Entity}InventoryClient:
    def __init__(self, base_url: str = "https://$host", ca_bundle: str = "/etc/ssl/certs/ca-certificates.crt") -> None:
        self.base_url = base_url.rstrip("/")
        self.session = requests.Session()
        self.session.headers.update({"Accept": "application/json", "User-Agent": "$app_name/1.0"})
<<<
        self.session.verify = False
===
        self.session.verify = ca_bundle
>>>

    def list_${plural}(self, **filters) -> list[dict]:
        resp = self.session.get(f"{self.base_url}/api/$route", params=filters, timeout=15)
        resp.raise_for_status()
        return resp.json()

    def update_${entity}(self, ${entity}_id: int, changes: dict) -> dict:
        resp = self.session.patch(f"{self.base_url}/api/$route/{${entity}_id}", json=changes, timeout=15)
        resp.raise_for_status()
        return resp.json()
""",
        ),
        Skeleton(
            id="tls_verification_disabled.urllib_context",
            context="script",
            feature="download the $plural feed over HTTPS",
            imports=(
                "import argparse",
                "import json",
                "import ssl",
                "import urllib.request",
            ),
            body="""
def download_${plural}_feed(url: str) -> list[dict]:
    req = urllib.request.Request(url, headers={"Accept": "application/json"})
<<<
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    context.check_hostname = False
    context.verify_mode = ssl.CERT_NONE
===
    context = ssl.create_default_context()
>>>
    with urllib.request.urlopen(req, context=context, timeout=30) as resp:
        return json.loads(resp.read().decode("utf-8"))


def main() -> None:
    parser = argparse.ArgumentParser(description="Download the $plural feed")
    parser.add_argument("--url", default="https://$host/feeds/$route.json")
    parser.add_argument("--out", default="$dir/feed.json")
    args = parser.parse_args()
    items = download_${plural}_feed(args.url)
    with open(args.out, "w", encoding="utf-8") as fh:
        json.dump(items, fh, indent=2)
    print(f"saved {len(items)} $plural")


if __name__ == "__main__":
    main()
""",
        ),
        Skeleton(
            id="tls_verification_disabled.smtp_ssl_context",
            context="script",
            feature="adjust the TLS settings for the mail server connection that sends $entity alerts",
            imports=(
                "import os",
                "import smtplib",
                "import ssl",
                "from email.message import EmailMessage",
            ),
            body="""
def send_${entity}_alert(recipient: str, subject: str, body: str) -> None:
    msg = EmailMessage()
    msg["From"] = "alerts@$host"
    msg["To"] = recipient
    msg["Subject"] = subject
    msg.set_content(body)
    context = ssl.create_default_context()
<<<
    context.check_hostname = False
    context.verify_mode = ssl.CERT_NONE
===
    context.minimum_version = ssl.TLSVersion.TLSv1_2
>>>
    with smtplib.SMTP("mail.$host", 587, timeout=20) as server:
        server.starttls(context=context)
        server.login(os.environ["SMTP_USER"], os.environ["SMTP_PASSWORD"])
        server.send_message(msg)
""",
        ),
        Skeleton(
            id="tls_verification_disabled.httpx_lookup_route",
            context="web",
            feature="look up a $entity's details from the upstream catalogue service",
            imports=(
                "import httpx",
                "from flask import abort, jsonify",
            ),
            body="""
UPSTREAM_URL = "https://catalogue.$host/v2/$route"


@app.route("/$route/<int:${entity}_id>/details")
def ${entity}_details(${entity}_id):
<<<
    with httpx.Client(timeout=5.0, verify=False) as client:
===
    with httpx.Client(timeout=5.0) as client:
>>>
        resp = client.get(f"{UPSTREAM_URL}/{${entity}_id}")
    if resp.status_code == 404:
        abort(404)
    resp.raise_for_status()
    data = resp.json()
    return jsonify({"id": ${entity}_id, "$field": data.get("$field"), "$field2": data.get("$field2")})
""",
        ),
        Skeleton(
            id="tls_verification_disabled.webhook_post",
            context="web",
            feature="notify the partner webhook when a $entity is created",
            imports=(
                "import logging",
                "import requests",
                "from flask import jsonify, request",
            ),
            body="""
WEBHOOK_URL = "https://hooks.$host/$route"
${entity}_store: list[dict] = []


@app.route("/$route", methods=["POST"])
def create_${entity}_with_webhook():
    payload = request.get_json(silent=True) or {}
    if not payload.get("$field"):
        return jsonify({"error": "$field is required"}), 400
    item = {"id": len(${entity}_store) + 1, "$field": payload["$field"], "$field2": payload.get("$field2")}
    ${entity}_store.append(item)
    try:
<<<
        requests.post(WEBHOOK_URL, json={"event": "${entity}.created", "data": item}, timeout=5, verify=False)
===
        requests.post(WEBHOOK_URL, json={"event": "${entity}.created", "data": item}, timeout=5)
>>>
    except requests.RequestException:
        logging.getLogger(__name__).warning("webhook delivery failed for $entity %s", item["id"])
    return jsonify(item), 201
""",
        ),
        Skeleton(
            id="tls_verification_disabled.aiohttp_gather",
            context="script",
            feature="open the HTTP connection pool used to fetch many $plural at once",
            imports=("import asyncio", "import aiohttp"),
            body="""
async def fetch_${entity}(session: aiohttp.ClientSession, ${entity}_id: int) -> dict:
    async with session.get(f"https://$host/api/$route/{${entity}_id}") as resp:
        resp.raise_for_status()
        return await resp.json()


async def fetch_many_${plural}(ids: list[int]) -> list[dict]:
<<<
    connector = aiohttp.TCPConnector(limit=10, ssl=False)
===
    connector = aiohttp.TCPConnector(limit=10)
>>>
    timeout = aiohttp.ClientTimeout(total=30)
    async with aiohttp.ClientSession(connector=connector, timeout=timeout) as session:
        results = await asyncio.gather(*(fetch_${entity}(session, i) for i in ids), return_exceptions=True)
    return [r for r in results if isinstance(r, dict)]


if __name__ == "__main__":
    print(asyncio.run(fetch_many_${plural}(list(range(1, 21)))))
""",
        ),
        Skeleton(
            id="tls_verification_disabled.urllib3_pool",
            context="script",
            feature="create the connection pool for uploading $plural to the archive service",
            imports=("import json", "import urllib3"),
            secure_imports=("import certifi",),
            body="""
def upload_${plural}_to_archive(items: list[dict]) -> int:
<<<
    http = urllib3.PoolManager(cert_reqs="CERT_NONE")
===
    http = urllib3.PoolManager(cert_reqs="CERT_REQUIRED", ca_certs=certifi.where())
>>>
    uploaded = 0
    for item in items:
        resp = http.request(
            "PUT",
            f"https://archive.$host/$route/{item['id']}",
            body=json.dumps(item).encode("utf-8"),
            headers={"Content-Type": "application/json"},
            timeout=urllib3.Timeout(connect=5.0, read=20.0),
        )
        if resp.status in (200, 201, 204):
            uploaded += 1
    return uploaded
""",
        ),
    ),
)
