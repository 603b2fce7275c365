from emgen.schemas.catalog import Family, Skeleton

FAMILY = Family(
    id="flask_debug",
    cwe="CWE-489",
    title="Flask or Werkzeug debugger switched on in the shipped entry point or configuration",
    rule_ids=("flask-debug-enabled",),
    paper_weight=3,
    skeletons=(
        Skeleton(
            id="flask_debug.main_block",
            context="web",
            feature="start the $app_name server on port $port when the module is run directly",
            imports=("from flask import jsonify",),
            secure_imports=("import os",),
            provides_entry=True,
            body="""
@app.route("/$route/ping")
def ping_$plural():
    return jsonify(service="$app_name", ok=True)


if __name__ == "__main__":
<<<
    app.run(port=$port, debug=True)
===
    app.run(port=$port, debug=os.environ.get("FLASK_DEBUG", "0") == "1")
>>>
""",
        ),
        Skeleton(
            id="flask_debug.config_block",
            context="web",
            feature="configure the app: upload size limit, template reloading and the debug setting",
            imports=("import os",),
            body="""
app.config["MAX_CONTENT_LENGTH"] = 8 * 1024 * 1024
app.config["TEMPLATES_AUTO_RELOAD"] = True
<<<
app.config["DEBUG"] = True
===
app.config["DEBUG"] = os.environ.get("FLASK_DEBUG", "0") == "1"
>>>
app.config["DATA_DIR"] = os.environ.get("DATA_DIR", "$dir")
""",
        ),
        Skeleton(
            id="flask_debug.argparse_main",
            context="web",
            feature="add a command-line entry point that starts the server on a port given with --port",
            imports=("import argparse",),
            provides_entry=True,
            body="""
def main():
    parser = argparse.ArgumentParser(description="Run the $app_name web app")
    parser.add_argument("--port", type=int, default=$port)
<<<
    args = parser.parse_args()
    app.debug = True
===
    parser.add_argument("--debug", action="store_true", help="enable the interactive debugger")
    args = parser.parse_args()
    app.debug = args.debug
>>>
    app.run(port=args.port)


if __name__ == "__main__":
    main()
""",
        ),
        Skeleton(
            id="flask_debug.config_update",
            context="web",
            feature="apply the $app_name settings to the Flask app in one place",
            body="""
def configure_${app_name}():
    app.config.update(
<<<
        DEBUG=True,
===
        DEBUG=False,
>>>
        TEMPLATES_AUTO_RELOAD=True,
        MAX_CONTENT_LENGTH=4 * 1024 * 1024,
        SEND_FILE_MAX_AGE_DEFAULT=3600,
    )
    return app


configure_${app_name}()
""",
        ),
        Skeleton(
            id="flask_debug.dashboard_script",
            context="script",
            feature="serve a small local dashboard that lists the $plural stored in a JSON file",
            imports=(
                "import argparse",
                "import json",
                "from pathlib import Path",
                "from flask import Flask, jsonify",
            ),
            body="""
dashboard = Flask(__name__)
${plural}_file = Path("$dir") / "$plural.json"


@dashboard.route("/$route")
def list_$plural():
    if not ${plural}_file.exists():
        return jsonify([])
    return jsonify(json.loads(${plural}_file.read_text(encoding="utf-8")))


def main():
    parser = argparse.ArgumentParser(description="Browse $plural in the browser")
    parser.add_argument("--port", type=int, default=$port)
    args = parser.parse_args()
<<<
    dashboard.run(host="127.0.0.1", port=args.port, debug=True)
===
    dashboard.run(host="127.0.0.1", port=args.port)
>>>


if __name__ == "__main__":
    main()
""",
        ),
        Skeleton(
            id="flask_debug.wsgi_run_simple",
            context="script",
            feature="serve the $plural feed as JSON with Werkzeug's built-in server on port $port",
            imports=("import json", "from werkzeug.serving import run_simple"),
            body="""
${plural}_feed = [{"$field": "first", "$field2": 1}, {"$field": "second", "$field2": 2}]


def ${entity}_feed_app(environ, start_response):
    body = json.dumps(${plural}_feed).encode("utf-8")
    start_response("200 OK", [("Content-Type", "application/json"), ("Content-Length", str(len(body)))])
    return [body]


if __name__ == "__main__":
<<<
    run_simple("localhost", $port, ${entity}_feed_app, use_debugger=True, use_reloader=True)
===
    run_simple("localhost", $port, ${entity}_feed_app, use_reloader=True)
>>>
""",
        ),
    ),
)
