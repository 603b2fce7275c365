from flask import request


def bad():
    term = request.args.get("q", "")
    # ruleid: flask-response-from-request-data
    return f"<h2>{term}</h2>"


def good():
    from markupsafe import escape
    term = request.args.get("q", "")
    # ok: flask-response-from-request-data
    return f"<h2>{escape(term)}</h2>"
