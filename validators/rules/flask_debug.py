import os
import subprocess

from flask import Flask
from werkzeug.debug import DebuggedApplication
from werkzeug.serving import run_simple

app = Flask(__name__)
dashboard = Flask("dashboard")

# ruleid: flask-debug-enabled
app.config["DEBUG"] = True

# ok: flask-debug-enabled
app.config["DEBUG"] = os.environ.get("FLASK_DEBUG", "0") == "1"

# ruleid: flask-debug-enabled
app.config.update(DEBUG=True, TEMPLATES_AUTO_RELOAD=True)

# ok: flask-debug-enabled
app.config.update(DEBUG=False, TEMPLATES_AUTO_RELOAD=True)

# ruleid: flask-debug-enabled
app.config.update({"DEBUG": True, "JSON_SORT_KEYS": False})

# ruleid: flask-debug-enabled
app.wsgi_app = DebuggedApplication(app.wsgi_app, evalex=True)

# ruleid: flask-debug-enabled
app.wsgi_app = DebuggedApplication(app.wsgi_app)

if os.environ.get("APP_DEBUGGER") == "1":
    # ok: flask-debug-enabled
    app.wsgi_app = DebuggedApplication(app.wsgi_app, evalex=False)

# ruleid: flask-debug-enabled
os.environ["FLASK_DEBUG"] = "1"


class Config:
    # ruleid: flask-debug-enabled
    DEBUG = True


class DevelopmentConfig:
    # ok: flask-debug-enabled
    DEBUG = True


def wsgi(environ, start_response):
    start_response("200 OK", [("Content-Type", "text/plain")])
    return [b"ok"]


def serve():
    # ruleid: flask-debug-enabled
    run_simple("127.0.0.1", 5000, wsgi, use_debugger=True, use_reloader=True)


def serve_quiet():
    # ok: flask-debug-enabled
    run_simple("127.0.0.1", 5000, wsgi, use_reloader=False)


def main(args):
    # ruleid: flask-debug-enabled
    app.debug = True
    # ok: flask-debug-enabled
    app.debug = args.debug
    app.run(port=args.port)


if __name__ == "__main__":
    # ruleid: flask-debug-enabled
    app.run(host="0.0.0.0", port=5000, debug=True)
    # ok: flask-debug-enabled
    app.run(host="0.0.0.0", port=5000, debug=os.environ.get("FLASK_DEBUG") == "1")
    # ok: flask-debug-enabled
    dashboard.run()
    # ruleid: flask-debug-enabled
    dashboard.run(debug=1, use_reloader=False)


# Composed sinks (datagen/families/flask_debug.py).
def create_app():
    return Flask(__name__)


def run_keyword_bad(host):
    # ruleid: flask-debug-enabled
    app.run(host=host, port=8080, debug=True)

def run_keyword_good(host):
    # ok: flask-debug-enabled
    app.run(host=host, port=8080)

def factory_chain_bad(host):
    # ruleid: flask-debug-enabled
    create_app().run(host=host, port=8080, debug=True)

def factory_chain_good(host):
    # ok: flask-debug-enabled
    create_app().run(host=host, port=8080)

def factory_no_reloader_bad(host):
    application = create_app()
    # ruleid: flask-debug-enabled
    application.run(host=host, port=8080, debug=True, use_reloader=False)

def factory_no_reloader_good(host):
    application = create_app()
    # ok: flask-debug-enabled
    application.run(host=host, port=8080, use_reloader=False)

def debug_attribute_bad(host):
    # ruleid: flask-debug-enabled
    app.debug = True
    app.run(host=host, port=8080)

def debug_attribute_good(host):
    # ok: flask-debug-enabled
    app.debug = os.environ.get("FLASK_DEBUG") == "1"
    # ok: flask-debug-enabled
    app.run(host=host, port=8080)

def config_item_bad(host):
    # ruleid: flask-debug-enabled
    app.config["DEBUG"] = True
    app.run(host=host, port=8080, threaded=True)

def config_item_good(host):
    # ok: flask-debug-enabled
    app.config["DEBUG"] = False
    # ok: flask-debug-enabled
    app.run(host=host, port=8080, threaded=True)

def config_update_bad(host):
    # ruleid: flask-debug-enabled
    app.config.update(DEBUG=True, TEMPLATES_AUTO_RELOAD=True)
    app.run(host=host, port=8080)

def config_update_good(host):
    # ok: flask-debug-enabled
    app.config.update(TEMPLATES_AUTO_RELOAD=True)
    # ok: flask-debug-enabled
    app.run(host=host, port=8080)

def run_simple_bad(host):
    # ruleid: flask-debug-enabled
    run_simple(host, 8080, app, use_debugger=True, use_reloader=True)

def run_simple_good(host):
    # ok: flask-debug-enabled
    run_simple(host, 8080, app, use_reloader=True)

def debugged_wrapper_bad(host):
    # ruleid: flask-debug-enabled
    app.wsgi_app = DebuggedApplication(app.wsgi_app, evalex=True)
    app.run(host=host, port=8080)

def debugged_wrapper_good(host):
    # ok: flask-debug-enabled
    if os.environ.get("FLASK_DEBUG") == "1":
        # ok: flask-debug-enabled
        app.wsgi_app = DebuggedApplication(app.wsgi_app, evalex=False)
    # ok: flask-debug-enabled
    app.run(host=host, port=8080)

def env_flag_bad(host):
    # ruleid: flask-debug-enabled
    os.environ["FLASK_DEBUG"] = "1"
    app.run(host=host, port=8080)

def env_flag_good(host):
    # ok: flask-debug-enabled
    os.environ.setdefault("FLASK_DEBUG", "0")
    # ok: flask-debug-enabled
    app.run(host=host, port=8080)

def env_port_bad(host):
    # ruleid: flask-debug-enabled
    app.run(host=host, port=int(os.environ.get("PORT", "8080")), debug=True)

def env_port_good(host):
    # ok: flask-debug-enabled
    app.run(host=host, port=int(os.environ.get("PORT", "8080")))

def options_dict_bad(host):
    options = {"host": host, "port": 8080, "debug": True}
    # ruleid: flask-debug-enabled
    app.run(**options)

def options_dict_good(host):
    # ok: flask-debug-enabled
    options = {"host": host, "port": 8080, "debug": False}
    # ok: flask-debug-enabled
    app.run(**options)

def positional_bad(host):
    # ruleid: flask-debug-enabled
    app.run(host, 8080, True)

def positional_good(host):
    # ok: flask-debug-enabled
    app.run(host, 8080, False)


def a(host):
    # ruleid: flask-debug-enabled
    app.run(host, 5000, True)


def b(host):
    # ok: flask-debug-enabled
    app.run(host, 5000, False)


def c(host):
    options = {"host": host, "port": 5000, "debug": True}
    # ruleid: flask-debug-enabled
    app.run(**options)


def d(host):
    options = {"host": host, "port": 5000, "debug": False}
    # ok: flask-debug-enabled
    app.run(**options)


def e(cmd):
    # ok: flask-debug-enabled
    subprocess.run(cmd, -1, None)
