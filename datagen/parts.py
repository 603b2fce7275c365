"""Surrounding code that frames a vulnerable core: helpers, classes, extra routes, setups, entries.

Every part is neutral code (it must trigger no Semgrep rule; the build checks every secure
answer, and tests/test_parts.py scans each part on its own) written with the placeholders of
`emgen.datagen._names.PLACEHOLDERS`.
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict


class Part(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    id: str
    context: Literal["web", "script", "any"]
    imports: tuple[str, ...] = ()
    body: str


def _web(id: str, body: str, *imports: str) -> Part:
    return Part(id=id, context="web", imports=imports, body=body)


def _any(id: str, body: str, *imports: str) -> Part:
    return Part(id=id, context="any", imports=imports, body=body)


def _script(id: str, body: str, *imports: str) -> Part:
    return Part(id=id, context="script", imports=imports, body=body)


PREAMBLES: tuple[Part, ...] = (
    _web("pre.plain", "app = Flask(__name__)", "from flask import Flask"),
    _web("pre.named", 'app = Flask("$app_name")', "from flask import Flask"),
    _web(
        "pre.json_order",
        "app = Flask(__name__)\napp.json.sort_keys = False",
        "from flask import Flask",
    ),
    _web(
        "pre.max_upload",
        'app = Flask(__name__)\napp.config["MAX_CONTENT_LENGTH"] = 8 * 1024 * 1024',
        "from flask import Flask",
    ),
    _web(
        "pre.logging",
        'logging.basicConfig(level=logging.INFO)\nlogger = logging.getLogger("$app_name")\n\n'
        "app = Flask(__name__)",
        "import logging",
        "from flask import Flask",
    ),
    _web(
        "pre.config_class",
        'class Settings:\n    PAGE_SIZE = 20\n    TITLE = "$Entity catalog"\n\n\n'
        "app = Flask(__name__)\napp.config.from_object(Settings)",
        "from flask import Flask",
    ),
    _web(
        "pre.static",
        'app = Flask(__name__, static_folder="static", template_folder="templates")',
        "from flask import Flask",
    ),
)

# The composer may also add no entry point at all.
ENTRIES: tuple[Part, ...] = (
    _web("entry.run", 'if __name__ == "__main__":\n    app.run()'),
    _web("entry.port", 'if __name__ == "__main__":\n    app.run(port=$port)'),
    _web(
        "entry.host_port", 'if __name__ == "__main__":\n    app.run(host="127.0.0.1", port=$port)'
    ),
    _web(
        "entry.env_port",
        'if __name__ == "__main__":\n    port = int(os.environ.get("PORT", "$port"))\n'
        "    app.run(port=port)",
        "import os",
    ),
    _web(
        "entry.main",
        'def main():\n    app.run(port=$port)\n\n\nif __name__ == "__main__":\n    main()',
    ),
)

PARTS: tuple[Part, ...] = (
    _web(
        "web.health",
        '@app.route("/health")\ndef health_check():\n    return jsonify(status="ok")',
        "from flask import jsonify",
    ),
    _web(
        "web.about",
        '@app.route("/about")\ndef about_page():\n'
        '    return "<h1>About $app_name</h1><p>Browse and manage $plural.</p>"',
    ),
    _web(
        "web.not_found",
        "@app.errorhandler(404)\ndef page_not_found(error):\n"
        '    return jsonify(error="not found"), 404',
        "from flask import jsonify",
    ),
    _web(
        "web.server_error",
        "@app.errorhandler(500)\ndef server_error(error):\n"
        '    return jsonify(error="something went wrong"), 500',
        "from flask import jsonify",
    ),
    _web(
        "web.timer",
        "@app.before_request\ndef start_timer():\n    g.started = time.perf_counter()\n\n\n"
        "@app.after_request\ndef add_timing_header(response):\n"
        '    started = getattr(g, "started", None)\n'
        "    if started is not None:\n"
        '        response.headers["X-Elapsed-Ms"] = f"{(time.perf_counter() - started) * 1000:.1f}"\n'
        "    return response",
        "import time",
        "from flask import g",
    ),
    _web(
        "web.filter",
        '@app.template_filter("shorten")\ndef shorten(text, limit=40):\n'
        "    if len(text) <= limit:\n        return text\n"
        '    return text[: limit - 1].rstrip() + "…"',
    ),
    _web(
        "web.context",
        "@app.context_processor\ndef add_site_details():\n"
        '    return {"site_name": "$app_name", "year": date.today().year}',
        "from datetime import date",
    ),
    _web(
        "web.stats",
        "VISITS = Counter()\n\n\n@app.before_request\ndef count_visit():\n"
        '    VISITS[request.endpoint or "unknown"] += 1\n\n\n'
        '@app.route("/stats")\ndef visit_stats():\n    return jsonify(dict(VISITS.most_common(10)))',
        "from collections import Counter",
        "from flask import jsonify, request",
    ),
    _web(
        "web.version",
        'API_VERSION = "1.$port"\n\n\n@app.route("/version")\ndef api_version():\n'
        '    return jsonify(version=API_VERSION, service="$app_name")',
        "from flask import jsonify",
    ),
    _web(
        "web.count_api",
        '@app.route("/api/$route/count")\ndef count_$plural():\n'
        "    total = len(${entity}_index)\n"
        "    return jsonify(count=total)\n\n\n"
        "${entity}_index = {}",
        "from flask import jsonify",
    ),
    _web(
        "web.headers",
        "@app.after_request\ndef set_cache_headers(response):\n"
        '    response.headers.setdefault("Cache-Control", "no-store")\n'
        "    return response",
    ),
    _web(
        "web.teardown",
        "@app.teardown_appcontext\ndef close_connection(exception):\n"
        '    conn = g.pop("db_conn", None)\n'
        "    if conn is not None:\n        conn.close()",
        "from flask import g",
    ),
    _any(
        "any.paginate",
        "def paginate(items, page, per_page=20):\n"
        "    start = max(page - 1, 0) * per_page\n"
        "    return items[start : start + per_page]",
    ),
    _any(
        "any.slugify",
        "def slugify(text):\n"
        '    text = re.sub(r"[^a-z0-9]+", "-", text.lower())\n'
        '    return text.strip("-")',
        "import re",
    ),
    _any(
        "any.parse_int",
        "def parse_int(value, default=0):\n    try:\n        return int(value)\n"
        "    except (TypeError, ValueError):\n        return default",
    ),
    _any(
        "any.timestamp",
        "def format_timestamp(ts):\n"
        '    return datetime.fromtimestamp(ts, tz=timezone.utc).strftime("%Y-%m-%d %H:%M")',
        "from datetime import datetime, timezone",
    ),
    _any(
        "any.dataclass",
        '@dataclass\nclass ${Entity}Record:\n    $field: str\n    $field2: str = ""\n'
        '    $field3: str = ""\n\n    def as_dict(self):\n        return asdict(self)',
        "from dataclasses import asdict, dataclass",
    ),
    _any(
        "any.chunked",
        "def chunked(items, size):\n    batch = []\n    for item in items:\n"
        "        batch.append(item)\n        if len(batch) == size:\n            yield batch\n"
        "            batch = []\n    if batch:\n        yield batch",
    ),
    _any(
        "any.summary",
        "def summarize_$plural(rows):\n"
        '    counts = Counter(row.get("$field2", "other") for row in rows)\n'
        '    return [{"$field2": key, "count": value} for key, value in counts.most_common()]',
        "from collections import Counter",
    ),
    _any(
        "any.logger",
        'logger = logging.getLogger("$app_name")\n\n\ndef log_event(action, **details):\n'
        '    logger.info("%s %s", action, details)',
        "import logging",
    ),
    _any(
        "any.settings",
        "def load_settings():\n    return {\n"
        '        "page_size": int(os.environ.get("PAGE_SIZE", "20")),\n'
        '        "region": os.environ.get("REGION", "eu-west"),\n    }',
        "import os",
    ),
    _any(
        "any.retry",
        "def with_retries(func, attempts=3, delay=0.5):\n"
        "    for attempt in range(1, attempts + 1):\n        try:\n            return func()\n"
        "        except OSError:\n            if attempt == attempts:\n                raise\n"
        "            time.sleep(delay * attempt)",
        "import time",
    ),
    _any(
        "any.required",
        '${entity}_required = ("$field", "$field2")\n\n\n'
        "def missing_${entity}_fields(payload):\n"
        "    return [key for key in ${entity}_required if not payload.get(key)]",
    ),
    _any(
        "any.cache",
        "class ${Entity}Cache:\n    def __init__(self, ttl=300):\n        self.ttl = ttl\n"
        "        self._items = {}\n\n    def get(self, key):\n"
        "        entry = self._items.get(key)\n"
        "        if entry is None or entry[0] < time.monotonic():\n            return None\n"
        "        return entry[1]\n\n    def put(self, key, value):\n"
        "        self._items[key] = (time.monotonic() + self.ttl, value)",
        "import time",
    ),
    _any(
        "any.normalize",
        'def normalize_$field(value):\n    return " ".join(str(value).split()).strip().lower()',
    ),
    _any(
        "any.enum",
        'class ${Entity}State(Enum):\n    DRAFT = "draft"\n    ACTIVE = "active"\n'
        '    ARCHIVED = "archived"',
        "from enum import Enum",
    ),
    _any(
        "any.sort",
        'def sort_$plural(rows, key="$field", descending=False):\n'
        '    return sorted(rows, key=lambda row: row.get(key) or "", reverse=descending)',
    ),
    _script(
        "script.timed",
        "def timed(func):\n    @functools.wraps(func)\n    def wrapper(*args, **kwargs):\n"
        "        started = time.perf_counter()\n        try:\n            return func(*args, **kwargs)\n"
        "        finally:\n"
        '            print(f"{func.__name__} took {time.perf_counter() - started:.2f}s", file=sys.stderr)\n'
        "    return wrapper",
        "import functools",
        "import sys",
        "import time",
    ),
    _script(
        "script.table",
        'def print_table(rows, columns=("$field", "$field2")):\n'
        '    widths = [max([len(c)] + [len(str(r.get(c, ""))) for r in rows]) for c in columns]\n'
        '    print("  ".join(c.ljust(w) for c, w in zip(columns, widths)))\n'
        "    for row in rows:\n"
        '        print("  ".join(str(row.get(c, "")).ljust(w) for c, w in zip(columns, widths)))',
    ),
    _script(
        "script.logging",
        "def configure_logging(verbose=False):\n"
        "    logging.basicConfig(\n        level=logging.DEBUG if verbose else logging.INFO,\n"
        '        format="%(asctime)s %(levelname)s %(message)s",\n    )',
        "import logging",
    ),
    _script(
        "script.exit_codes",
        "EXIT_OK = 0\nEXIT_USAGE = 2\nEXIT_FAILED = 1",
    ),
    _script(
        "script.progress",
        "def report_progress(done, total, every=50):\n"
        "    if total and (done % every == 0 or done == total):\n"
        '        print(f"{done}/{total} $plural processed", file=sys.stderr)',
        "import sys",
    ),
)
