from emgen.datagen.core_parts import (
    STEPS,
    argparse_source,
    argument_source,
    argv_source,
    env_source,
    ini_source,
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

# The debugger is switched on where the server starts, so a composed core is a launcher
# script: it decides the host to bind (from the environment, the command line, a settings
# file) and starts the app, which it imports from the application package. A web core (a route
# handler) cannot hold the server's start, so only script cores are composed.
_APP = ("from $app_name import app",)
_FACTORY = ("from $app_name import create_app",)
_LOCAL = '"127.0.0.1"'

SOURCES = (
    env_source(
        "HOST",
        id="env_host",
        phrase="the host in the `HOST` environment variable (127.0.0.1 when it is unset)",
        default=_LOCAL,
    ),
    CoreSource(
        id="env_host_or",
        context="script",
        phrase="the host in the `BIND_ADDRESS` environment variable (127.0.0.1 when it is empty)",
        code=f'$var = os.getenv("BIND_ADDRESS") or {_LOCAL}',
        imports=("import os",),
    ),
    argparse_source(
        "--host",
        id="argparse_host",
        phrase="the host given with a `--host` option (127.0.0.1 by default)",
        description="Run the $app_name web app",
        options=f", default={_LOCAL}",
    ),
    argv_source(
        id="argv_host",
        phrase="the host given as the first command-line argument (127.0.0.1 when there is none)",
        default=_LOCAL,
    ),
    CoreSource(
        id="json_settings",
        context="script",
        phrase="the host in the `host` entry of `$dir/server.json`",
        code='with open("$dir/server.json", encoding="utf-8") as handle:\n'
        f'    $var = json.load(handle).get("host", {_LOCAL})',
        imports=("import json",),
    ),
    ini_source(
        "$dir/server.ini",
        "server",
        "host",
        id="ini_settings",
        phrase="the host in the `host` setting of the `[server]` section of `$dir/server.ini`",
        fallback=_LOCAL,
    ),
    argument_source("host", id="host_argument"),
)

LOCAL_STEPS = (
    CoreStep(
        id="localhost_alias",
        code=f'if $var == "localhost":\n    $var = {_LOCAL}',
    ),
    CoreStep(id="default_host", code=f"$var = $var or {_LOCAL}"),
    CoreStep(id="announce", code='print(f"starting $app_name on {$var}:$port")'),
    require_script_step("a host to listen on", id="require_host"),
)

# Each sink starts the app on the host with the debugger switched on (by a run argument, the
# app's settings or a wrapper); its secure form leaves it off or reads it from FLASK_DEBUG.
SINKS = (
    CoreSink(
        id="run_keyword",
        context="script",
        name="serve_$plural",
        phrase="start the `$app_name` web app on $input, port $port",
        imports=_APP,
        insecure="app.run(host=$var, port=$port, debug=True)",
        secure="app.run(host=$var, port=$port)",
    ),
    CoreSink(
        id="factory_chain",
        context="script",
        name="run_$app_name",
        phrase="build the `$app_name` app with its factory and start it on $input, port $port",
        imports=_FACTORY,
        insecure="create_app().run(host=$var, port=$port, debug=True)",
        secure="create_app().run(host=$var, port=$port)",
    ),
    CoreSink(
        id="factory_no_reloader",
        context="script",
        name="start_$app_name",
        phrase="build the `$app_name` app with its factory and start it on $input, port $port, "
        "without the reloader",
        imports=_FACTORY,
        insecure="""
application = create_app()
application.run(host=$var, port=$port, debug=True, use_reloader=False)
""",
        secure="""
application = create_app()
application.run(host=$var, port=$port, use_reloader=False)
""",
    ),
    CoreSink(
        id="debug_attribute",
        context="script",
        name="launch_$plural",
        phrase="set the app's debug flag and start the `$app_name` app on $input, port $port",
        imports=_APP,
        secure_imports=("import os",),
        insecure="""
app.debug = True
app.run(host=$var, port=$port)
""",
        secure="""
app.debug = os.environ.get("FLASK_DEBUG") == "1"
app.run(host=$var, port=$port)
""",
    ),
    CoreSink(
        id="config_item",
        context="script",
        name="serve_$app_name",
        phrase="set the app's `DEBUG` setting and start the `$app_name` app on $input, port "
        "$port, one thread per request",
        imports=_APP,
        insecure="""
app.config["DEBUG"] = True
app.run(host=$var, port=$port, threaded=True)
""",
        secure="""
app.config["DEBUG"] = False
app.run(host=$var, port=$port, threaded=True)
""",
    ),
    CoreSink(
        id="config_update",
        context="script",
        name="run_$plural",
        phrase="turn on template reloading and start the `$app_name` app on $input, port $port",
        imports=_APP,
        insecure="""
app.config.update(DEBUG=True, TEMPLATES_AUTO_RELOAD=True)
app.run(host=$var, port=$port)
""",
        secure="""
app.config.update(TEMPLATES_AUTO_RELOAD=True)
app.run(host=$var, port=$port)
""",
    ),
    CoreSink(
        id="run_simple",
        context="script",
        name="serve_$entity",
        phrase="serve the `$app_name` app with Werkzeug's `run_simple` on $input, port $port, "
        "reloading when the code changes",
        imports=(*_APP, "from werkzeug.serving import run_simple"),
        insecure="run_simple($var, $port, app, use_debugger=True, use_reloader=True)",
        secure="run_simple($var, $port, app, use_reloader=True)",
    ),
    CoreSink(
        id="debugged_wrapper",
        context="script",
        name="start_$plural",
        phrase="start the `$app_name` app on $input, port $port, with Werkzeug's debugging "
        "middleware around it",
        imports=_APP,
        insecure_imports=("from werkzeug.debug import DebuggedApplication",),
        secure_imports=("import os", "from werkzeug.debug import DebuggedApplication"),
        insecure="""
app.wsgi_app = DebuggedApplication(app.wsgi_app, evalex=True)
app.run(host=$var, port=$port)
""",
        secure="""
if os.environ.get("FLASK_DEBUG") == "1":
    app.wsgi_app = DebuggedApplication(app.wsgi_app, evalex=False)
app.run(host=$var, port=$port)
""",
    ),
    CoreSink(
        id="env_flag",
        context="script",
        name="launch_$app_name",
        phrase="set `FLASK_DEBUG` for the process and start the `$app_name` app on $input, "
        "port $port",
        imports=(*_APP, "import os"),
        insecure="""
os.environ["FLASK_DEBUG"] = "1"
app.run(host=$var, port=$port)
""",
        secure="""
os.environ.setdefault("FLASK_DEBUG", "0")
app.run(host=$var, port=$port)
""",
    ),
    CoreSink(
        id="env_port",
        context="script",
        name="serve_${entity}_site",
        phrase="start the `$app_name` web app on $input, on the port in `PORT` ($port by default)",
        imports=(*_APP, "import os"),
        insecure='app.run(host=$var, port=int(os.environ.get("PORT", "$port")), debug=True)',
        secure='app.run(host=$var, port=int(os.environ.get("PORT", "$port")))',
    ),
    CoreSink(
        id="options_dict",
        context="script",
        name="run_$entity",
        phrase="collect the server options and start the `$app_name` app with them on $input, "
        "port $port",
        imports=_APP,
        insecure="""
options = {"host": $var, "port": $port, "debug": True}
app.run(**options)
""",
        secure="""
options = {"host": $var, "port": $port, "debug": False}
app.run(**options)
""",
    ),
    CoreSink(
        id="positional",
        context="script",
        name="start_$entity",
        phrase="start the `$app_name` web app on $input, port $port, passing both positionally",
        imports=_APP,
        insecure="app.run($var, $port, True)",
        secure="app.run($var, $port, False)",
    ),
)

RESULTS = (
    CoreResult(
        id="print_stopped",
        context="script",
        consumes=("none",),
        phrase="print a line once the server stops",
        code='print("$app_name stopped")',
    ),
    CoreResult(
        id="print_address",
        context="script",
        consumes=("none",),
        phrase="print the address it served on once it stops",
        code='print(f"stopped serving on {$var}:$port")',
    ),
    CoreResult(
        id="return_zero",
        context="script",
        consumes=("none",),
        phrase="return 0 once the server stops",
        code="return 0",
    ),
    CoreResult(
        id="log_stopped",
        context="script",
        consumes=("none",),
        phrase="log that it stopped",
        code='logging.getLogger("$app_name").info("server on %s stopped", $var)',
        imports=("import logging",),
    ),
)


FAMILY = Family(
    id="flask_debug",
    cwe="CWE-489",
    title="Flask or Werkzeug debugger switched on in the shipped entry point or configuration",
    rule_ids=("flask-debug-enabled",),
    paper_weight=3,
    composition=Composition(
        sources=SOURCES,
        steps=tuple(s for s in STEPS if s.id in {"strip", "log"}) + LOCAL_STEPS,
        sinks=SINKS,
        results=RESULTS,
        layouts=("inline", "helper"),
        var_names=("host", "bind_host", "listen_host", "address", "interface"),
    ),
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
