import os

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
