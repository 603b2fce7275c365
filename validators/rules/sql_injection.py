import argparse
import sqlite3

import pandas as pd
from sqlalchemy import text
from flask import Flask, request

app = Flask(__name__)

SORT_COLUMNS = {"name": "name", "newest": "created_at DESC"}
TABLE = "recipes"


def connect():
    return sqlite3.connect("app.db")


@app.route("/search")
def search():
    term = request.args.get("q", "")
    conn = connect()
    # ruleid: sql-execute-formatted-query
    rows = conn.execute(f"SELECT id, title FROM recipes WHERE title LIKE '%{term}%'").fetchall()
    # ok: sql-execute-formatted-query
    rows = conn.execute("SELECT id, title FROM recipes WHERE title LIKE ?", (f"%{term}%",)).fetchall()
    return {"rows": rows}


@app.route("/recipes/<recipe_id>")
def detail(recipe_id):
    cur = connect().cursor()
    # ruleid: sql-execute-formatted-query
    cur.execute("SELECT title FROM recipes WHERE id = " + recipe_id)
    # ok: sql-execute-formatted-query
    cur.execute("SELECT title FROM recipes WHERE id = ?", (recipe_id,))
    return cur.fetchone()


def add(conn, first, second):
    # ruleid: sql-execute-formatted-query
    conn.execute("INSERT INTO recipes (title, cuisine) VALUES ('{}', '{}')".format(first, second))
    # ruleid: sql-execute-formatted-query
    conn.execute("INSERT INTO recipes (title) VALUES ('{title}')".format(title=first))
    # ok: sql-execute-formatted-query
    conn.execute("INSERT INTO recipes (title, cuisine) VALUES (?, ?)", (first, second))


def update(conn, value, item_id):
    # ruleid: sql-execute-formatted-query
    conn.execute("UPDATE recipes SET cuisine = '%s' WHERE id = %d" % (value, item_id))
    # ruleid: sql-execute-formatted-query
    conn.execute("UPDATE recipes SET cuisine = '%s'" % value)
    # ok: sql-execute-formatted-query
    conn.execute("UPDATE recipes SET cuisine = ? WHERE id = ?", (value, item_id))


def delete(conn, name):
    query = f"DELETE FROM albums WHERE name = '{name}'"
    # ruleid: sql-execute-formatted-query
    conn.execute(query)


def delete_ok(conn, name):
    query = "DELETE FROM albums WHERE name = ?"
    # ok: sql-execute-formatted-query
    conn.execute(query, (name,))


@app.route("/list")
def listing():
    sort = request.args.get("sort", "title")
    query = f"SELECT id, title FROM recipes ORDER BY {sort}"
    # ruleid: sql-execute-formatted-query
    return connect().execute(query).fetchall()


@app.route("/list2")
def listing_checked():
    sort = request.args.get("sort", "title")
    if sort not in ("title", "cuisine"):
        sort = "title"
    query = f"SELECT id, title FROM recipes ORDER BY {sort}"
    # ok: sql-execute-formatted-query
    return connect().execute(query).fetchall()


@app.route("/list3")
def listing_mapped():
    sort = request.args.get("sort", "name")
    # ok: sql-execute-formatted-query
    rows = connect().execute(f"SELECT * FROM {TABLE} ORDER BY {SORT_COLUMNS.get(sort, 'name')}")
    # ok: sql-execute-formatted-query
    rows = connect().execute(f"SELECT * FROM {TABLE} WHERE title = ?", (sort,))
    # ruleid: sql-execute-formatted-query
    rows = connect().execute(f"SELECT * FROM {TABLE} WHERE title = '{sort}'")
    limit = int(request.args.get("limit", "20"))
    # ok: sql-execute-formatted-query
    rows = connect().execute(f"SELECT * FROM recipes LIMIT {limit}")
    # ok: sql-execute-formatted-query
    rows = connect().execute("SELECT * FROM recipes " + "WHERE title = ?", (sort,))
    return rows


def by_ids(conn, ids):
    marks = ", ".join("?" * len(ids))
    # ok: sql-execute-formatted-query
    return conn.execute(f"SELECT * FROM recipes WHERE id IN ({marks})", ids).fetchall()


def by_ids_bad(conn, ids):
    joined = ", ".join(str(i) for i in ids)
    # ruleid: sql-execute-formatted-query
    return conn.execute(f"SELECT * FROM recipes WHERE id IN ({joined})").fetchall()


def bulk(conn, rows):
    statements = []
    for row in rows:
        statements.append("INSERT INTO albums (name) VALUES ('%s');" % row["name"])
    # ruleid: sql-execute-formatted-query
    conn.executescript("BEGIN;\n" + "\n".join(statements) + "\nCOMMIT;")
    # ok: sql-execute-formatted-query
    conn.executemany("INSERT INTO albums (name) VALUES (?)", [(row["name"],) for row in rows])


def filters(conn, second=None, third=None):
    query = "SELECT id FROM albums WHERE 1 = 1"
    if second:
        query += f" AND owner = '{second}'"
    if third:
        query += " AND location = '" + third + "'"
    # ruleid: sql-execute-formatted-query
    return conn.execute(query).fetchall()


def filters_ok(conn, second=None):
    query = "SELECT id FROM albums WHERE 1 = 1"
    params = []
    if second:
        query += " AND owner = ?"
        params.append(second)
    # ok: sql-execute-formatted-query
    return conn.execute(query, params).fetchall()


def report(conn, owner):
    # ruleid: sql-execute-formatted-query
    frame = pd.read_sql(f"SELECT * FROM albums WHERE owner = '{owner}'", conn)
    # ok: sql-execute-formatted-query
    frame = pd.read_sql("SELECT * FROM albums WHERE owner = ?", conn, params=(owner,))
    return frame


def schema(conn):
    # ok: sql-execute-formatted-query
    conn.executescript("CREATE TABLE IF NOT EXISTS albums (id INTEGER PRIMARY KEY, name TEXT)")
    with open("schema.sql") as fh:
        # ok: sql-execute-formatted-query
        conn.executescript(fh.read())


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("owner")
    args = parser.parse_args()
    cur = connect().cursor()
    # ruleid: sql-execute-formatted-query
    cur.execute("SELECT * FROM albums WHERE owner = '%s'" % args.owner)
    # ok: sql-execute-formatted-query
    cur.execute("SELECT * FROM albums WHERE owner = ?", (args.owner,))


def other_drivers(cursor, session, name, uid, db):
    # ruleid: sql-execute-formatted-query
    cursor.execute(f"SELECT * FROM users WHERE name = {name!r}")
    # ruleid: sql-execute-formatted-query
    cursor.execute("SELECT * FROM users WHERE name = '" + name + "'")
    # ruleid: sql-execute-formatted-query
    session.execute(text(f"SELECT * FROM users WHERE id = {uid}"))
    # ok: sql-execute-formatted-query
    session.execute(text("SELECT * FROM users WHERE id = :id"), {"id": uid})
    # ok: sql-execute-formatted-query
    cursor.execute("SELECT * FROM users WHERE id = %s", (uid,))
    sql = """
        SELECT *
        FROM users
        WHERE name = '{}'
    """.format(name)
    # ruleid: sql-execute-formatted-query
    cursor.execute(sql)
    # ruleid: sql-execute-formatted-query
    db.engine.execute(f"""DELETE FROM users
        WHERE id = {uid}""")
