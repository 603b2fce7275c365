from emgen.datagen.core_parts import SOURCES, STEPS
from emgen.schemas.catalog import Composition, CoreResult, CoreSink, Family, Skeleton

_OUTPUT = ("output", "listing", "report", "${field}_output")
_STATUS = ("status", "exit_code", "code")

# Each sink runs a command line that a shell parses, with the input formatted into it; its
# secure form passes the input as one argument of a list without a shell (or quotes it).
SINKS = (
    CoreSink(
        id="popen_ping",
        name="ping_$entity",
        phrase="ping the host named in $input once",
        produces="text",
        out_names=_OUTPUT,
        insecure_imports=("import os",),
        secure_imports=("import subprocess",),
        insecure="""
$out = os.popen(f"ping -c 1 -W 2 {$var}").read()
""",
        secure="""
$out = subprocess.run(
    ["ping", "-c", "1", "-W", "2", $var], capture_output=True, text=True
).stdout
""",
    ),
    CoreSink(
        id="run_convert",
        name="thumbnail_$entity",
        phrase="make a 200x200 thumbnail of the image in the data folder named by $input",
        produces="status",
        out_names=_STATUS,
        imports=("import subprocess",),
        insecure="""
completed = subprocess.run(
    f"convert $dir/{$var} -resize 200x200 $dir/thumb_{$var}", shell=True, check=False
)
$out = completed.returncode
""",
        secure="""
completed = subprocess.run(
    ["convert", f"$dir/{$var}", "-resize", "200x200", f"$dir/thumb_{$var}"], check=False
)
$out = completed.returncode
""",
    ),
    CoreSink(
        id="system_tar",
        name="archive_$plural",
        phrase="pack the folder named by $input into the data folder's backup archive",
        produces="status",
        out_names=_STATUS,
        insecure_imports=("import os",),
        secure_imports=("import subprocess",),
        insecure="""
$out = os.system("tar czf $dir/backup.tar.gz %s" % $var)
""",
        secure="""
$out = subprocess.call(["tar", "czf", "$dir/backup.tar.gz", $var])
""",
    ),
    CoreSink(
        id="git_log_concat",
        name="history_$entity",
        phrase="list the last 20 commits of the git branch named by $input",
        produces="text",
        out_names=_OUTPUT,
        imports=("import subprocess",),
        insecure="""
cmd = "git log --oneline -n 20 " + $var
$out = subprocess.check_output(cmd, shell=True, text=True)
""",
        secure="""
$out = subprocess.check_output(["git", "log", "--oneline", "-n", "20", $var], text=True)
""",
    ),
    CoreSink(
        id="getoutput_du",
        name="usage_$entity",
        phrase="measure the disk space used by the folder named in $input",
        produces="text",
        out_names=_OUTPUT,
        imports=("import subprocess",),
        insecure="""
$out = subprocess.getoutput("du -sh {}".format($var))
""",
        secure="""
$out = subprocess.run(["du", "-sh", $var], capture_output=True, text=True).stdout
""",
    ),
    CoreSink(
        id="popen_wc",
        name="count_$plural",
        phrase="count the lines of the file named by $input",
        produces="text",
        out_names=_OUTPUT,
        imports=("import subprocess",),
        insecure="""
proc = subprocess.Popen(f"wc -l {$var}", shell=True, stdout=subprocess.PIPE, text=True)
$out, _ = proc.communicate()
""",
        secure="""
proc = subprocess.Popen(["wc", "-l", $var], stdout=subprocess.PIPE, text=True)
$out, _ = proc.communicate()
""",
    ),
    CoreSink(
        id="sh_c_lookup",
        name="resolve_$entity",
        phrase="look up the DNS records of the domain in $input",
        produces="text",
        out_names=_OUTPUT,
        imports=("import subprocess",),
        insecure="""
completed = subprocess.run(["sh", "-c", "nslookup " + $var], capture_output=True, text=True)
$out = completed.stdout
""",
        secure="""
completed = subprocess.run(["nslookup", $var], capture_output=True, text=True)
$out = completed.stdout
""",
    ),
    CoreSink(
        id="statusoutput_whois",
        name="whois_$entity",
        phrase="fetch the whois record of the domain in $input, or nothing when the lookup fails",
        produces="text",
        out_names=_OUTPUT,
        imports=("import subprocess",),
        insecure="""
returncode, $out = subprocess.getstatusoutput(f"whois {$var}")
if returncode != 0:
    $out = ""
""",
        secure="""
completed = subprocess.run(["whois", $var], capture_output=True, text=True)
returncode, $out = completed.returncode, completed.stdout
if returncode != 0:
    $out = ""
""",
    ),
    CoreSink(
        id="system_zip_quoted",
        name="zip_$entity",
        phrase="zip the folder named by $input inside the data folder",
        produces="status",
        out_names=_STATUS,
        imports=("import os",),
        secure_imports=("import shlex",),
        insecure="""
$out = os.system(f"cd $dir && zip -qr {$var}.zip {$var}")
""",
        secure="""
$out = os.system(f"cd $dir && zip -qr {shlex.quote($var)}.zip {shlex.quote($var)}")
""",
    ),
    CoreSink(
        id="touch_loop",
        name="create_$plural",
        phrase="create an empty file in the data folder for each comma-separated name in $input",
        produces="status",
        out_names=_STATUS,
        insecure_imports=("import os",),
        secure_imports=("import subprocess",),
        insecure="""
$out = 0
for piece in $var.split(","):
    $out += os.system(f"touch $dir/{piece.strip()}")
""",
        secure="""
$out = 0
for piece in $var.split(","):
    $out += subprocess.call(["touch", f"$dir/{piece.strip()}"])
""",
    ),
    CoreSink(
        id="grep_logs",
        name="search_$plural",
        phrase="count how often the word in $input appears in each log file of the data folder",
        produces="status",
        out_names=_STATUS,
        imports=("import subprocess",),
        secure_imports=("import glob",),
        insecure="""
$out = subprocess.call("grep -c " + $var + " $dir/*.log", shell=True)
""",
        secure="""
$out = subprocess.call(["grep", "-c", "--", $var, *glob.glob("$dir/*.log")])
""",
    ),
    CoreSink(
        id="ffmpeg_keyword",
        name="extract_$entity",
        phrase="extract the audio track of the video in the data folder named by $input",
        imports=("import subprocess",),
        insecure="""
subprocess.check_call(
    "ffmpeg -y -i $dir/{name} -vn $dir/{name}.mp3".format(name=$var), shell=True
)
""",
        secure="""
subprocess.check_call(["ffmpeg", "-y", "-i", f"$dir/{$var}", "-vn", f"$dir/{$var}.mp3"])
""",
    ),
)

RESULTS = (
    CoreResult(
        id="json_output",
        context="web",
        consumes=("text",),
        phrase="return the command's output as JSON",
        code='return jsonify({"$field": $var, "output": $out})',
        imports=("from flask import jsonify",),
    ),
    CoreResult(
        id="output_lines",
        context="web",
        consumes=("text",),
        phrase="return the output's lines in a JSON object",
        code='return {"lines": $out.splitlines()}',
    ),
    CoreResult(
        id="empty_output",
        context="web",
        consumes=("text",),
        phrase="answer 404 when the output is empty, or return it as JSON",
        code='if not $out.strip():\n    return {"error": "no output"}, 404\n'
        "return jsonify(output=$out.strip())",
        imports=("from flask import jsonify",),
    ),
    CoreResult(
        id="json_status",
        context="web",
        consumes=("status",),
        phrase="return the exit status as JSON",
        code='return jsonify({"$field": $var, "status": $out})',
        imports=("from flask import jsonify",),
    ),
    CoreResult(
        id="status_500",
        context="web",
        consumes=("status",),
        phrase="answer 500 when the command fails",
        code='if $out != 0:\n    return {"error": "command failed"}, 500\nreturn {"ok": True}',
    ),
    CoreResult(
        id="no_content",
        context="web",
        consumes=("none",),
        phrase="answer 204 when it is done",
        code='return "", 204',
    ),
    CoreResult(
        id="done_json",
        context="web",
        consumes=("none",),
        phrase="confirm it as JSON",
        code='return jsonify({"$field": $var, "done": True})',
        imports=("from flask import jsonify",),
    ),
    CoreResult(
        id="print_output",
        context="script",
        consumes=("text",),
        phrase="print the output",
        code="print($out)",
    ),
    CoreResult(
        id="stdout_write",
        context="script",
        consumes=("text",),
        phrase="copy the output to standard output",
        code="sys.stdout.write($out)",
        imports=("import sys",),
    ),
    CoreResult(
        id="numbered_lines",
        context="script",
        consumes=("text",),
        phrase="print the output's lines, numbered",
        code='for number, line in enumerate($out.splitlines(), 1):\n    print(f"{number:3} {line}")',
    ),
    CoreResult(
        id="return_status",
        context="script",
        consumes=("status",),
        phrase="return the exit status",
        code="return $out",
    ),
    CoreResult(
        id="print_status",
        context="script",
        consumes=("status",),
        phrase="print the exit status",
        code='print(f"exit status {$out}")',
    ),
    CoreResult(
        id="exit_on_failure",
        context="script",
        consumes=("status",),
        phrase="stop with an error message when the command fails",
        code='if $out:\n    sys.exit(f"command failed with status {$out}")',
        imports=("import sys",),
    ),
    CoreResult(
        id="print_done",
        context="script",
        consumes=("none",),
        phrase="print a line when it is done",
        code='print("done:", $var)',
    ),
)

FAMILY = Family(
    id="command_injection",
    cwe="CWE-78",
    title="OS command injection: shell command line built from user input",
    rule_ids=("shell-command-built-by-formatting", "shell-command-from-user-input"),
    paper_weight=3,
    composition=Composition(
        sources=SOURCES, steps=STEPS, sinks=SINKS, results=RESULTS, layouts=("inline", "helper")
    ),
    skeletons=(
        Skeleton(
            id="command_injection.mirror_ping",
            context="web",
            feature="let an admin check whether a mirror host for $plural answers a ping, given the host name in the query string",
            imports=("from flask import jsonify, request",),
            insecure_imports=("import os",),
            secure_imports=("import subprocess",),
            body="""
@app.route("/$route/mirror-check")
def check_${entity}_mirror():
    host = request.args.get("host", "$host")
<<<
    output = os.popen(f"ping -c 1 -W 2 {host}").read()
===
    output = subprocess.run(
        ["ping", "-c", "1", "-W", "2", host], capture_output=True, text=True
    ).stdout
>>>
    reachable = "1 received" in output or "1 packets received" in output
    return jsonify({"host": host, "reachable": reachable})
""",
        ),
        Skeleton(
            id="command_injection.thumbnail_resize",
            context="web",
            feature="accept an uploaded photo for a $entity and make a thumbnail of the size the user asks for",
            imports=(
                "import os",
                "import subprocess",
                "import uuid",
                "from flask import jsonify, request",
            ),
            body="""
@app.route("/$route/photo", methods=["POST"])
def upload_${entity}_photo():
    photo = request.files["photo"]
    size = request.form.get("size", "200x200")
    os.makedirs("$dir", exist_ok=True)
    stem = uuid.uuid4().hex
    original = os.path.join("$dir", stem + ".jpg")
    thumb = os.path.join("$dir", stem + "_thumb.jpg")
    photo.save(original)
<<<
    subprocess.run(f"convert {original} -resize {size} {thumb}", shell=True, check=True)
===
    subprocess.run(["convert", original, "-resize", size, thumb], check=True)
>>>
    return jsonify({"photo": stem, "thumbnail": os.path.basename(thumb)}), 201
""",
        ),
        Skeleton(
            id="command_injection.tar_backup",
            context="script",
            feature="pack a folder of $plural named on the command line into a dated tar.gz archive",
            imports=("import argparse", "import datetime", "import os", "import sys"),
            secure_imports=("import subprocess",),
            body="""
def backup_${plural}(folder, target_dir):
    stamp = datetime.date.today().isoformat()
    archive = os.path.join(target_dir, f"$plural-{stamp}.tar.gz")
<<<
    status = os.system("tar czf %s %s" % (archive, folder))
    if status != 0:
        sys.exit(f"tar failed with status {status}")
===
    result = subprocess.run(["tar", "czf", archive, folder])
    if result.returncode != 0:
        sys.exit(f"tar failed with status {result.returncode}")
>>>
    return archive


def main():
    parser = argparse.ArgumentParser(description="Back up $plural")
    parser.add_argument("folder")
    parser.add_argument("--target", default="$dir")
    args = parser.parse_args()
    print("wrote", backup_${plural}(args.folder, args.target))


if __name__ == "__main__":
    main()
""",
        ),
        Skeleton(
            id="command_injection.git_history",
            context="script",
            feature="print the recent commit history of the $plural repository for a branch given as an argument",
            imports=("import subprocess", "import sys"),
            body="""
def ${entity}_history(branch, limit=20):
<<<
    out = subprocess.check_output(
        "git log --oneline -n %d %s" % (limit, branch), shell=True, text=True
    )
===
    out = subprocess.check_output(
        ["git", "log", "--oneline", "-n", str(limit), branch, "--"], text=True
    )
>>>
    return [line.split(" ", 1) for line in out.splitlines() if line]


if __name__ == "__main__":
    wanted = sys.argv[1] if len(sys.argv) > 1 else "main"
    for sha, subject in ${entity}_history(wanted):
        print(sha, subject)
""",
        ),
        Skeleton(
            id="command_injection.word_lookup",
            context="web",
            feature="suggest dictionary words that start with the letters a visitor has typed into the $entity $field box",
            imports=("import subprocess", "from flask import jsonify, request"),
            body="""
@app.route("/$route/suggest")
def suggest_${entity}_words():
    prefix = request.args.get("prefix", "").strip()
    if not prefix:
        return jsonify([])
<<<
    proc = subprocess.run(
        "look {}".format(prefix), shell=True, capture_output=True, text=True
    )
===
    proc = subprocess.run(["look", "--", prefix], capture_output=True, text=True)
>>>
    words = proc.stdout.split()
    return jsonify(words[:10])
""",
        ),
        Skeleton(
            id="command_injection.rsync_mirror",
            context="script",
            feature="mirror the local $plural folder to a destination given with --dest, reporting the exit status",
            imports=("import argparse", "import subprocess"),
            body="""
class ${Entity}Mirror:
    def __init__(self, source="$dir"):
        self.source = source.rstrip("/")

    def push(self, dest, dry_run=False):
        flags = "-azn" if dry_run else "-az"
<<<
        proc = subprocess.Popen(
            "rsync " + flags + " --delete " + self.source + "/ " + dest, shell=True
        )
===
        proc = subprocess.Popen(["rsync", flags, "--delete", self.source + "/", dest])
>>>
        return proc.wait()


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("--dest", required=True)
    parser.add_argument("--dry-run", action="store_true")
    opts = parser.parse_args()
    code = ${Entity}Mirror().push(opts.dest, opts.dry_run)
    print("rsync exited with", code)
""",
        ),
        Skeleton(
            id="command_injection.disk_usage",
            context="script",
            feature="report how much disk space each $entity folder passed on the command line uses",
            imports=("import subprocess", "import sys"),
            body="""
def ${entity}_sizes(folders):
    sizes = {}
    for folder in folders:
<<<
        line = subprocess.getoutput(f"du -sh {folder}")
===
        line = subprocess.run(["du", "-sh", folder], capture_output=True, text=True).stdout
>>>
        sizes[folder] = line.split()[0] if line.strip() else "?"
    return sizes


if __name__ == "__main__":
    for name, size in ${entity}_sizes(sys.argv[1:] or ["$dir"]).items():
        print(f"{size}\\t{name}")
""",
        ),
    ),
)
