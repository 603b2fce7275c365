import argparse
import os
import shlex
import sqlite3
import subprocess
import sys

from flask import Flask, request

app = Flask(__name__)
TOOL = "/usr/bin/convert"


@app.route("/ping")
def ping():
    host = request.args.get("host", "")
    # ruleid: shell-command-built-by-formatting, shell-command-from-user-input
    out = os.popen(f"ping -c 1 {host}").read()
    # ok: shell-command-built-by-formatting, shell-command-from-user-input
    out = subprocess.run(["ping", "-c", "1", host], capture_output=True, text=True).stdout
    # ruleid: shell-command-from-user-input
    os.system(request.args["cmd"])
    return out


@app.route("/thumb", methods=["POST"])
def thumb():
    size = request.form.get("size", "200x200")
    # ruleid: shell-command-built-by-formatting, shell-command-from-user-input
    subprocess.run(f"convert in.jpg -resize {size} out.jpg", shell=True, check=True)
    # ok: shell-command-built-by-formatting, shell-command-from-user-input
    subprocess.run(["convert", "in.jpg", "-resize", size, "out.jpg"], check=True)
    # ok: shell-command-built-by-formatting, shell-command-from-user-input
    subprocess.run(f"{TOOL} in.jpg -resize 200x200 out.jpg", shell=True, check=True)
    # ok: shell-command-built-by-formatting, shell-command-from-user-input
    subprocess.run(f"convert in.jpg -resize {shlex.quote(size)} out.jpg", shell=True, check=True)
    # ruleid: shell-command-built-by-formatting, shell-command-from-user-input
    subprocess.run(["sh", "-c", "convert in.jpg -resize " + size + " out.jpg"])
    return "ok"


def backup(archive, folder):
    # ruleid: shell-command-built-by-formatting, shell-command-from-user-input
    status = os.system("tar czf %s %s" % (archive, folder))
    # ok: shell-command-built-by-formatting, shell-command-from-user-input
    result = subprocess.run(["tar", "czf", archive, folder])
    # ok: shell-command-built-by-formatting, shell-command-from-user-input
    os.system("sync")
    # ruleid: shell-command-built-by-formatting, shell-command-from-user-input
    os.system(f"tar czf {archive!r} {folder}")
    return status, result


def history(branch, limit=20):
    cmd = "git log --oneline -n %d %s" % (limit, branch)
    # ruleid: shell-command-built-by-formatting, shell-command-from-user-input
    out = subprocess.check_output(cmd, shell=True, text=True)
    # ok: shell-command-built-by-formatting, shell-command-from-user-input
    out = subprocess.check_output(["git", "log", "--oneline", "-n", str(limit), branch], text=True)
    return out


def lookup(prefix):
    # ruleid: shell-command-built-by-formatting, shell-command-from-user-input
    proc = subprocess.run("look {}".format(prefix), shell=True, capture_output=True, text=True)
    return proc.stdout


class Mirror:
    def __init__(self, source):
        self.source = source

    def push(self, dest, flags):
        # ruleid: shell-command-built-by-formatting, shell-command-from-user-input
        proc = subprocess.Popen("rsync " + flags + " " + self.source + "/ " + dest, shell=True)
        # ok: shell-command-built-by-formatting, shell-command-from-user-input
        proc = subprocess.Popen(["rsync", flags, self.source + "/", dest])
        return proc.wait()


def sizes(folders):
    for folder in folders:
        # ruleid: shell-command-built-by-formatting, shell-command-from-user-input
        print(subprocess.getoutput(f"du -sh {folder}"))
        # ok: shell-command-built-by-formatting, shell-command-from-user-input
        print(subprocess.run(["du", "-sh", folder], capture_output=True, text=True).stdout)


def run_helper(command):
    # ruleid: shell-command-from-user-input
    return subprocess.call(command, shell=True)


def queries(conn, name):
    # ok: shell-command-built-by-formatting, shell-command-from-user-input
    conn.execute(f"SELECT * FROM albums WHERE name = '{name}'")
    # ok: shell-command-built-by-formatting, shell-command-from-user-input
    return conn.execute("SELECT * FROM albums WHERE name = ?", (name,)).fetchall()


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("folder")
    args = parser.parse_args()
    target = args.folder
    # ruleid: shell-command-from-user-input
    os.system(target)
    # ok: shell-command-built-by-formatting, shell-command-from-user-input
    subprocess.run(["ls", "-l", target], check=True)
    # ruleid: shell-command-built-by-formatting, shell-command-from-user-input
    os.system("ls -l " + sys.argv[1])
    sqlite3.connect("x.db")


def composed_forms(name, branch):
    # ruleid: shell-command-built-by-formatting, shell-command-from-user-input
    proc = subprocess.Popen(f"wc -l {name}", shell=True, stdout=subprocess.PIPE, text=True)
    # ok: shell-command-built-by-formatting, shell-command-from-user-input
    proc = subprocess.Popen(["wc", "-l", name], stdout=subprocess.PIPE, text=True)
    lines, _ = proc.communicate()
    # ruleid: shell-command-built-by-formatting, shell-command-from-user-input
    returncode, record = subprocess.getstatusoutput(f"whois {name}")
    # ruleid: shell-command-built-by-formatting, shell-command-from-user-input
    status = os.system(f"cd data && zip -qr {name}.zip {name}")
    # ok: shell-command-built-by-formatting, shell-command-from-user-input
    status = os.system(f"cd data && zip -qr {shlex.quote(name)}.zip {shlex.quote(name)}")
    for piece in name.split(","):
        # ruleid: shell-command-built-by-formatting, shell-command-from-user-input
        status += os.system(f"touch data/{piece.strip()}")
        # ok: shell-command-built-by-formatting, shell-command-from-user-input
        status += subprocess.call(["touch", f"data/{piece.strip()}"])
    # ruleid: shell-command-built-by-formatting, shell-command-from-user-input
    status = subprocess.call("grep -c " + name + " data/*.log", shell=True)
    # ruleid: shell-command-built-by-formatting, shell-command-from-user-input
    subprocess.check_call("ffmpeg -i data/{n} -vn data/{n}.mp3".format(n=name), shell=True)
    # ok: shell-command-built-by-formatting, shell-command-from-user-input
    subprocess.check_call(["ffmpeg", "-i", f"data/{name}", "-vn", f"data/{name}.mp3"])
    cmd = "git log --oneline -n 20 " + branch
    # ruleid: shell-command-built-by-formatting, shell-command-from-user-input
    log = subprocess.check_output(cmd, shell=True, text=True)
    return lines, returncode, record, status, log
