from emgen.datagen.core_parts import SOURCES, STEPS
from emgen.schemas.catalog import Composition, CoreResult, CoreSink, Family, Skeleton

_ROWS = ("rows", "matches", "found", "$plural")
_COUNTS = ("changed", "affected", "count")

# Each sink's secure form passes the input as a bound parameter (or picks it from a fixed set).
SINKS = (
    CoreSink(
        id="like_fstring",
        name="search_$plural",
        phrase="find the $plural whose $field contains $input",
        produces="rows",
        out_names=_ROWS,
        imports=("import sqlite3",),
        insecure="""
with sqlite3.connect("$db") as conn:
    $out = conn.execute(
        f"SELECT id, $field, $field2 FROM $table WHERE $field LIKE '%{$var}%'"
    ).fetchall()
""",
        secure="""
with sqlite3.connect("$db") as conn:
    $out = conn.execute(
        "SELECT id, $field, $field2 FROM $table WHERE $field LIKE ?", (f"%{$var}%",)
    ).fetchall()
""",
    ),
    CoreSink(
        id="percent_query",
        name="find_$plural",
        phrase="look up the $plural whose $field equals $input",
        produces="rows",
        out_names=_ROWS,
        imports=("import sqlite3",),
        insecure="""
query = "SELECT id, $field, $field2, $field3 FROM $table WHERE $field = '%s'" % $var
conn = sqlite3.connect("$db")
$out = conn.execute(query).fetchall()
conn.close()
""",
        secure="""
query = "SELECT id, $field, $field2, $field3 FROM $table WHERE $field = ?"
conn = sqlite3.connect("$db")
$out = conn.execute(query, ($var,)).fetchall()
conn.close()
""",
    ),
    CoreSink(
        id="format_cursor",
        name="lookup_$entity",
        phrase="fetch the $entity whose $field is $input",
        produces="rows",
        out_names=_ROWS,
        imports=("import sqlite3",),
        insecure="""
conn = sqlite3.connect("$db")
cursor = conn.cursor()
cursor.execute("SELECT * FROM $table WHERE $field = '{}' LIMIT 1".format($var))
$out = cursor.fetchall()
conn.close()
""",
        secure="""
conn = sqlite3.connect("$db")
cursor = conn.cursor()
cursor.execute("SELECT * FROM $table WHERE $field = ? LIMIT 1", ($var,))
$out = cursor.fetchall()
conn.close()
""",
    ),
    CoreSink(
        id="concat_count",
        name="count_$plural",
        phrase="count the $plural whose $field2 is $input",
        produces="rows",
        out_names=_ROWS,
        imports=("import sqlite3",),
        insecure="""
sql = "SELECT $field2, COUNT(*) FROM $table WHERE $field2 = '" + $var + "' GROUP BY $field2"
with sqlite3.connect("$db") as db:
    $out = db.execute(sql).fetchall()
""",
        secure="""
sql = "SELECT $field2, COUNT(*) FROM $table WHERE $field2 = ? GROUP BY $field2"
with sqlite3.connect("$db") as db:
    $out = db.execute(sql, ($var,)).fetchall()
""",
    ),
    CoreSink(
        id="optional_filter",
        name="filter_$plural",
        phrase="list the $plural, narrowed to one $field3 when $input is given",
        produces="rows",
        out_names=_ROWS,
        imports=("import sqlite3",),
        insecure="""
query = "SELECT id, $field FROM $table WHERE 1 = 1"
if $var:
    query += f" AND $field3 = '{$var}'"
with sqlite3.connect("$db") as conn:
    $out = conn.execute(query).fetchall()
""",
        secure="""
query = "SELECT id, $field FROM $table WHERE 1 = 1"
params = []
if $var:
    query += " AND $field3 = ?"
    params.append($var)
with sqlite3.connect("$db") as conn:
    $out = conn.execute(query, params).fetchall()
""",
    ),
    CoreSink(
        id="order_by",
        name="sorted_$plural",
        phrase="list every $entity sorted by the column named in $input",
        produces="rows",
        out_names=_ROWS,
        imports=("import sqlite3",),
        insecure="""
with sqlite3.connect("$db") as conn:
    $out = conn.execute(f"SELECT id, $field, $field2 FROM $table ORDER BY {$var}").fetchall()
""",
        secure="""
if $var not in ("$field", "$field2", "id"):
    $var = "id"
with sqlite3.connect("$db") as conn:
    $out = conn.execute(f"SELECT id, $field, $field2 FROM $table ORDER BY {$var}").fetchall()
""",
    ),
    CoreSink(
        id="delete_fstring",
        name="delete_$plural",
        phrase="delete the $plural whose $field is $input",
        produces="count",
        out_names=_COUNTS,
        imports=("import sqlite3",),
        insecure="""
conn = sqlite3.connect("$db")
with conn:
    $out = conn.execute(f"DELETE FROM $table WHERE $field = '{$var}'").rowcount
conn.close()
""",
        secure="""
conn = sqlite3.connect("$db")
with conn:
    $out = conn.execute("DELETE FROM $table WHERE $field = ?", ($var,)).rowcount
conn.close()
""",
    ),
    CoreSink(
        id="update_percent",
        name="archive_$plural",
        phrase="mark the $plural whose $field is $input as archived",
        produces="count",
        out_names=_COUNTS,
        imports=("import sqlite3",),
        insecure="""
with sqlite3.connect("$db") as conn:
    cursor = conn.execute(
        "UPDATE $table SET $field3 = 'archived' WHERE $field = '%s'" % ($var,)
    )
    $out = cursor.rowcount
""",
        secure="""
with sqlite3.connect("$db") as conn:
    cursor = conn.execute("UPDATE $table SET $field3 = 'archived' WHERE $field = ?", ($var,))
    $out = cursor.rowcount
""",
    ),
    CoreSink(
        id="insert_concat",
        name="add_$entity",
        phrase="store a new $entity whose $field is $input",
        produces="count",
        out_names=("new_id", "row_id", "${entity}_id"),
        imports=("import sqlite3",),
        insecure="""
statement = "INSERT INTO $table ($field) VALUES ('" + $var + "')"
with sqlite3.connect("$db") as conn:
    $out = conn.execute(statement).lastrowid
""",
        secure="""
statement = "INSERT INTO $table ($field) VALUES (?)"
with sqlite3.connect("$db") as conn:
    $out = conn.execute(statement, ($var,)).lastrowid
""",
    ),
)

RESULTS = (
    CoreResult(
        id="json_rows",
        context="web",
        consumes=("rows",),
        phrase="return the rows as JSON",
        code="return jsonify([list(row) for row in $out])",
        imports=("from flask import jsonify",),
    ),
    CoreResult(
        id="json_count_items",
        context="web",
        consumes=("rows",),
        phrase="return how many matched along with the rows, as JSON",
        code='return {"count": len($out), "items": [list(row) for row in $out]}',
    ),
    CoreResult(
        id="not_found",
        context="web",
        consumes=("rows",),
        phrase="answer 404 when nothing matches, or the rows as JSON",
        code="if not $out:\n    abort(404)\nreturn jsonify([list(row) for row in $out])",
        imports=("from flask import abort, jsonify",),
    ),
    CoreResult(
        id="html_list",
        context="web",
        consumes=("rows",),
        phrase="render the rows as a plain-text list",
        code='lines = [" | ".join(str(cell) for cell in row) for row in $out]\n'
        'return "\\n".join(lines), 200, {"Content-Type": "text/plain"}',
    ),
    CoreResult(
        id="json_changed",
        context="web",
        consumes=("count",),
        phrase="report the result as JSON",
        code='return jsonify({"$field": $var, "result": $out})',
        imports=("from flask import jsonify",),
    ),
    CoreResult(
        id="created",
        context="web",
        consumes=("count",),
        phrase="answer 200 with the number, or 404 when it is zero",
        code='if not $out:\n    return {"error": "no such $entity"}, 404\nreturn {"result": $out}',
    ),
    CoreResult(
        id="print_rows",
        context="script",
        consumes=("rows",),
        phrase="print each row on its own line",
        code='for row in $out:\n    print(*row, sep="\\t")',
    ),
    CoreResult(
        id="print_json",
        context="script",
        consumes=("rows",),
        phrase="print the rows as a JSON list",
        code="print(json.dumps([list(row) for row in $out], default=str))",
        imports=("import json",),
    ),
    CoreResult(
        id="return_count",
        context="script",
        consumes=("rows",),
        phrase="print how many rows matched, exiting with 1 when none did",
        code='print(f"{len($out)} $plural")\nreturn 0 if $out else 1',
    ),
    CoreResult(
        id="print_changed",
        context="script",
        consumes=("count",),
        phrase="print the result",
        code='print(f"$plural: {$out}")',
    ),
    CoreResult(
        id="write_log",
        context="script",
        consumes=("count", "rows"),
        phrase="append a line about it to a log file",
        code='with open("$dir/changes.log", "a", encoding="utf-8") as log:\n'
        '    log.write(f"{$var}\\t{$out}\\n")',
    ),
)


FAMILY = Family(
    id="sql_injection",
    cwe="CWE-89",
    title="SQL injection: query text built from user input by string formatting",
    rule_ids=("sql-execute-formatted-query",),
    paper_weight=8,
    composition=Composition(
        sources=SOURCES, steps=STEPS, sinks=SINKS, results=RESULTS, layouts=("inline", "helper")
    ),
    skeletons=(
        Skeleton(
            id="sql_injection.like_search_route",
            context="web",
            feature="let visitors search $plural whose $field contains a word they type",
            imports=("import sqlite3", "from flask import jsonify, request"),
            body="""
def connect_${plural}_db():
    conn = sqlite3.connect("$db")
    conn.row_factory = sqlite3.Row
    return conn


@app.route("/$route/search")
def search_${plural}_by_text():
    term = request.args.get("q", "").strip()
    conn = connect_${plural}_db()
    try:
<<<
        rows = conn.execute(
            f"SELECT id, $field, $field2 FROM $table WHERE $field LIKE '%{term}%' ORDER BY $field"
        ).fetchall()
===
        rows = conn.execute(
            "SELECT id, $field, $field2 FROM $table WHERE $field LIKE ? ORDER BY $field",
            (f"%{term}%",),
        ).fetchall()
>>>
    finally:
        conn.close()
    return jsonify([dict(row) for row in rows])
""",
        ),
        Skeleton(
            id="sql_injection.detail_by_id",
            context="web",
            feature="show one $entity as JSON given the id in the URL, with a 404 when it does not exist",
            imports=("import sqlite3", "from flask import abort, jsonify"),
            body="""
@app.route("/$route/<${entity}_id>")
def show_${entity}_detail(${entity}_id):
    db = sqlite3.connect("$db")
    cur = db.cursor()
<<<
    cur.execute("SELECT $field, $field2, $field3 FROM $table WHERE id = " + ${entity}_id)
===
    cur.execute("SELECT $field, $field2, $field3 FROM $table WHERE id = ?", (${entity}_id,))
>>>
    row = cur.fetchone()
    db.close()
    if row is None:
        abort(404)
    return jsonify(dict(zip(("$field", "$field2", "$field3"), row)))
""",
        ),
        Skeleton(
            id="sql_injection.store_class_insert",
            context="web",
            feature="store a new $entity submitted from a form, through a small storage class",
            imports=("import sqlite3", "from flask import jsonify, request"),
            body="""
class ${Entity}Store:
    def __init__(self, path="$db"):
        self.path = path

    def add(self, first, second):
        with sqlite3.connect(self.path) as conn:
<<<
            cur = conn.execute(
                "INSERT INTO $table ($field, $field2) VALUES ('{}', '{}')".format(first, second)
            )
===
            cur = conn.execute(
                "INSERT INTO $table ($field, $field2) VALUES (?, ?)", (first, second)
            )
>>>
            return cur.lastrowid


${entity}_store = ${Entity}Store()


@app.route("/$route/new", methods=["POST"])
def create_${entity}_from_form():
    new_id = ${entity}_store.add(request.form.get("$field", ""), request.form.get("$field2", ""))
    return jsonify({"id": new_id}), 201
""",
        ),
        Skeleton(
            id="sql_injection.update_json",
            context="web",
            feature="update the $field2 of one $entity from a JSON request body",
            imports=("import sqlite3", "from flask import jsonify, request"),
            body="""
@app.route("/$route/<int:${entity}_id>", methods=["PUT", "PATCH"])
def update_${entity}_$field2(${entity}_id):
    payload = request.get_json(force=True) or {}
    new_value = str(payload.get("$field2", ""))
    conn = sqlite3.connect("$db")
    try:
<<<
        conn.execute("UPDATE $table SET $field2 = '%s' WHERE id = %d" % (new_value, ${entity}_id))
===
        conn.execute("UPDATE $table SET $field2 = ? WHERE id = ?", (new_value, ${entity}_id))
>>>
        conn.commit()
    finally:
        conn.close()
    return jsonify({"id": ${entity}_id, "$field2": new_value})
""",
        ),
        Skeleton(
            id="sql_injection.cli_delete",
            context="script",
            feature="delete every $entity with a given $field from the database, the $field coming from the command line",
            imports=("import argparse", "import sqlite3"),
            body="""
def delete_${plural}_named(db_path, name):
    conn = sqlite3.connect(db_path)
    with conn:
<<<
        query = f"DELETE FROM $table WHERE $field = '{name}'"
        removed = conn.execute(query).rowcount
===
        removed = conn.execute("DELETE FROM $table WHERE $field = ?", (name,)).rowcount
>>>
    conn.close()
    return removed


def main():
    parser = argparse.ArgumentParser(description="Remove $plural from the catalogue")
    parser.add_argument("name", help="$field of the $plural to remove")
    parser.add_argument("--db", default="$db")
    args = parser.parse_args()
    count = delete_${plural}_named(args.db, args.name)
    print(f"removed {count} $plural")


if __name__ == "__main__":
    main()
""",
        ),
        Skeleton(
            id="sql_injection.sorted_listing",
            context="web",
            feature="list $plural sorted by a column the visitor picks with a sort query parameter",
            imports=("import sqlite3", "from flask import jsonify, request"),
            body="""
@app.route("/$route/list")
def list_${plural}_sorted():
    sort = request.args.get("sort", "$field")
<<<
    query = f"SELECT id, $field, $field2, $field3 FROM $table ORDER BY {sort}"
===
    if sort not in ("$field", "$field2", "$field3"):
        sort = "$field"
    query = f"SELECT id, $field, $field2, $field3 FROM $table ORDER BY {sort}"
>>>
    with sqlite3.connect("$db") as conn:
        rows = conn.execute(query).fetchall()
    keys = ("id", "$field", "$field2", "$field3")
    return jsonify([dict(zip(keys, row)) for row in rows])
""",
        ),
        Skeleton(
            id="sql_injection.csv_import_script",
            context="script",
            feature="load $plural from a CSV file given on the command line into the $table table",
            imports=("import csv", "import sqlite3", "import sys"),
            body="""
def import_${plural}_from_csv(csv_path, db_path="$db"):
    with open(csv_path, newline="", encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh))
    conn = sqlite3.connect(db_path)
<<<
    statements = []
    for row in rows:
        statements.append(
            "INSERT INTO $table ($field, $field2) VALUES ('%s', '%s');" % (row["$field"], row["$field2"])
        )
    conn.executescript("BEGIN;\\n" + "\\n".join(statements) + "\\nCOMMIT;")
===
    with conn:
        conn.executemany(
            "INSERT INTO $table ($field, $field2) VALUES (?, ?)",
            [(row["$field"], row["$field2"]) for row in rows],
        )
>>>
    conn.close()
    return len(rows)


if __name__ == "__main__":
    if len(sys.argv) != 2:
        sys.exit(f"usage: {sys.argv[0]} FILE.csv")
    print(f"imported {import_${plural}_from_csv(sys.argv[1])} $plural")
""",
        ),
        Skeleton(
            id="sql_injection.optional_filters",
            context="script",
            feature="find $plural matching optional $field2 and $field3 filters given as command-line options",
            imports=("import argparse", "import sqlite3"),
            body="""
class ${Entity}Finder:
    def __init__(self, conn):
        self.conn = conn

    def find(self, second=None, third=None):
        query = "SELECT id, $field FROM $table WHERE 1 = 1"
<<<
        if second:
            query += f" AND $field2 = '{second}'"
        if third:
            query += f" AND $field3 = '{third}'"
        return self.conn.execute(query).fetchall()
===
        params = []
        if second:
            query += " AND $field2 = ?"
            params.append(second)
        if third:
            query += " AND $field3 = ?"
            params.append(third)
        return self.conn.execute(query, params).fetchall()
>>>


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--$field2")
    parser.add_argument("--$field3")
    parser.add_argument("--db", default="$db")
    args = vars(parser.parse_args())
    finder = ${Entity}Finder(sqlite3.connect(args["db"]))
    for ${entity}_id, label in finder.find(args["$field2"], args["$field3"]):
        print(${entity}_id, label)


if __name__ == "__main__":
    main()
""",
        ),
    ),
)
