from emgen.schemas.catalog import Family, Skeleton

FAMILY = Family(
    id="xss_flask",
    cwe="CWE-79",
    title="Reflected XSS: Flask response built from request data",
    rule_ids=("flask-response-from-request-data",),
    paper_weight=30,
    skeletons=(
        Skeleton(
            id="xss_flask.search_echo",
            context="web",
            feature="let visitors search $plural by $field and show their search term above the results",
            imports=("from flask import request",),
            secure_imports=("from markupsafe import escape",),
            body="""
$plural = [{"$field": "first"}, {"$field": "second"}]


@app.route("/$route/search")
def search_$plural():
    term = request.args.get("q", "")
    hits = [row for row in $plural if term.lower() in row["$field"].lower()]
    items = "".join(f"<li>{row['$field']}</li>" for row in hits)
<<<
    return f"<h2>Results for {term}</h2><ul>{items}</ul>"
===
    return f"<h2>Results for {escape(term)}</h2><ul>{items}</ul>"
>>>
""",
        ),
    ),
)
