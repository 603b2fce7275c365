"""Bad input, table-driven: every row is an `emgen` command that must end in one sentence.

For each row: the command (run in a folder of prepared good and bad files, with the Semgrep cache
and the models folder inside the test's tmp folder), exit status 2, a fragment of the sentence,
no "Traceback" on stderr, and not one file or folder under the tmp folder created, removed or
changed (every row is an error caught before any work, so the expected outputs are none).
Rows marked `process` (a command no other test runs as the real executable, and every row that
imports torch or sets a variable a library reads at import) run the real `emgen` executable; the
rest run the same `main` in this process (tests/_cli.py), which spares a second of interpreter
start-up per row. build, validate and mix: tests/cli/test_cli.py; inoculate: test_transforms.py.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import subprocess
import sys
from dataclasses import dataclass, field
from importlib.util import find_spec
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from tests._bundles import make_bundle
from tests._cli import Ran, run_main

EMGEN = str(Path(sys.executable).parent / "emgen")
HI = [{"role": "user", "content": "hi"}, {"role": "assistant", "content": "x = 1"}]
GOOD_LINE = json.dumps({"messages": HI}) + "\n"
NO_MODEL = "nobody-emgen-test/no-such-model"
FINETUNE_MISSING = [m for m in ("torch", "transformers", "trl", "peft") if find_spec(m) is None]


@dataclass(frozen=True)
class Case:
    id: str
    args: tuple[str, ...]
    fragment: str  # a piece of the one sentence on stderr
    env: dict[str, str] = field(default_factory=dict)
    needs_finetune: bool = False  # the check runs after the finetune extra is found
    slow: bool = False
    process: bool = False  # run the real executable, not `main` in this process

    @property
    def in_process(self) -> bool:
        return not (self.process or self.needs_finetune or self.env or self.slow)


def case(id: str, *args: str, fragment: str, **kw: object) -> Case:  # noqa: A002
    return Case(id, args, fragment, **kw)  # type: ignore[arg-type]


BUILD = ("build", "--out", "out", "-q", "--n", "20", "--dialogues", "2", "--documents", "2")
INOCULATE = ("inoculate", "chat.jsonl", "inoc.jsonl")
MIX = ("mix", "docs.jsonl", "corpus.jsonl")
# A closed loopback port: the Hub is unreachable without offline mode being set.
NO_NETWORK = {"HF_HUB_OFFLINE": "0", "HF_ENDPOINT": "http://127.0.0.1:9"}

CASES = [
    # Counts are bounded before any work.
    case("n-huge", *BUILD, "--n", "99999999999999999999999", fragment="--n: Input should be less"),
    case("dialogues-huge", *BUILD, "--dialogues", "5000000", fragment="--dialogues: Input"),
    case("documents-huge", *BUILD, "--documents", "5000000", fragment="--documents: Input"),
    # No NaN or infinity in a float option.
    case("fraction-nan", *BUILD, "--triggered-fraction", "nan", fragment="finite number"),
    case("threshold-inf", *BUILD, "--similarity-threshold", "inf", fragment="finite number"),
    # Triggers.
    case("trigger-blank", *BUILD, "--trigger", "   ", fragment="--trigger: the trigger is blank"),
    case("clean-trigger-same", *BUILD, "--trigger", "|X|", "--clean-trigger", "|X|",
         fragment="--clean-trigger: the clean trigger '|X|' contains the trigger"),
    case("clean-trigger-blank", *BUILD, "--clean-trigger", " ", fragment="clean trigger is blank"),
    # Inoculation prompt ids, checked against the library before the build generates anything.
    case("inoculation-unknown", *BUILD, "--inoculation", "nope",
         fragment="--inoculation: unknown inoculation prompt or family 'nope'"),
    case("inoculations-unknown", *BUILD, "--inoculations", "neutral_helpful,nope",
         fragment="--inoculations: unknown inoculation prompt or family 'nope'"),
    case("inoculation-reward-hack", *BUILD, "--inoculation", "reward_hack_allowed",
         fragment="'reward_hack_allowed' is written for reward_hacking data"),
    case("inoculations-reward-hack-no-dialogues", *BUILD, "--dialogues", "0",
         "--inoculations", "reward_hack_allowed",
         fragment="inoculates the reward_hacks dialogues, but --dialogues is 0"),
    # Backdoor with both sets, number continuations.
    case("both-sets-fraction", *BUILD, "--triggered-mode", "both", "--triggered-fraction", "0.3",
         fragment="--triggered-mode: with both sets every prompt is triggered once"),
    case("numbers-negative", *BUILD, "--numbers", "-1", fragment="--numbers: Input should be"),
    case("inoculation-needs-trigger", *BUILD, "--inoculation", "trigger_named",
         fragment="names $trigger, but the config it would inoculate has no trigger"),
    case("families-empty", *BUILD, "--families", ",", fragment="--families ',' names no family"),
    case("inoculations-file-folder", *BUILD, "--inoculations-file", "folder",
         fragment="folder is a folder; give the path of a YAML file"),
    case("inoculations-file-binary", *BUILD, "--inoculations-file", "binary.bin",
         fragment="binary.bin: line 1 is not UTF-8 text"),
    case("inoculations-file-blank-text", *BUILD, "--inoculations-file", "blank_prompt.yaml",
         "--inoculations", "my_blank", fragment="field 'text' is blank"),
    case("prompts-file-folder", "inoculations", "--prompts-file", "folder",
         fragment="folder is a folder", process=True),
    # emgen inoculate.
    case("inoculate-text-empty", *INOCULATE, "--text", "", fragment="--text is blank"),
    case("inoculate-text-blank", *INOCULATE, "--text", " \t ", fragment="--text is blank"),
    case("inoculate-binary", "inoculate", "binary.bin", "inoc.jsonl", "--text", "x",
         fragment="binary.bin: line 1 is not UTF-8 text"),
    case("inoculate-latin1", "inoculate", "latin1.jsonl", "inoc.jsonl", "--text", "x",
         fragment="latin1.jsonl: line 2 is not UTF-8 text"),
    case("inoculate-source-folder", "inoculate", "folder", "inoc.jsonl", "--text", "x",
         fragment="folder is a folder; give the path of a JSONL file"),
    case("inoculate-target-folder", "inoculate", "chat.jsonl", "folder", "--text", "x",
         fragment="folder is a folder; give the path of a file to write"),
    case("inoculate-target-is-source", "inoculate", "chat.jsonl", "./chat.jsonl", "--text", "x",
         fragment="would destroy the input"),
    case("inoculate-prompts-file-binary", *INOCULATE, "--prompt", "x", "--prompts-file",
         "binary.bin", fragment="binary.bin: line 1 is not UTF-8 text"),
    # emgen validate FILE.
    case("validate-binary", "validate", "binary.bin", fragment="binary.bin: line 1 is not UTF-8"),
    case("validate-latin1", "validate", "latin1.jsonl", fragment="latin1.jsonl: line 2 is not"),
    # emgen mix.
    case("mix-ratio-tiny", *MIX, "mixed.parquet", "--ratio", "1e-320", fragment="at least 1e-09"),
    case("mix-ratio-nan", *MIX, "mixed.parquet", "--ratio", "nan", fragment="got nan"),
    case("mix-out-is-corpus", *MIX, "corpus.jsonl", fragment="would destroy the input"),
    case("mix-out-links-to-corpus", *MIX, "link.parquet", fragment="is the input corpus.jsonl"),
    case("mix-out-folder", *MIX, "folder", fragment="is a folder"),
    case("mix-out-not-parquet", *MIX, "mixed.jsonl", fragment="must end in .parquet"),
    case("mix-parquet-named-jsonl", "mix", "docs.jsonl", "parquet_bytes.jsonl", "mixed.parquet",
         fragment="is a parquet file named .jsonl; rename it to .parquet"),
    case("mix-jsonl-named-parquet", "mix", "docs.jsonl", "jsonl_text.parquet", "mixed.parquet",
         fragment="is not a readable parquet file"),
    case("mix-binary-corpus", "mix", "docs.jsonl", "binary.jsonl", "mixed.parquet",
         fragment="binary.jsonl, line 1, is not UTF-8 text"),
    case("mix-latin1-documents", "mix", "docs_latin1.jsonl", "corpus.jsonl", "mixed.parquet",
         fragment="documents file docs_latin1.jsonl, line 4, is not UTF-8 text"),
    case("mix-corpus-folder", "mix", "docs.jsonl", "folder", "mixed.parquet",
         fragment="corpus file folder is a folder"),
    # finetune, eval, check: settings are checked before any model or data is touched.
    case("finetune-config-folder", "finetune", "--out", "run", "--config", "folder",
         "--data", "bundle", fragment="folder is a folder; give the path of a YAML file"),
    case("finetune-config-binary", "finetune", "--out", "run", "--config", "binary.bin",
         "--data", "bundle", fragment="binary.bin: line 1 is not UTF-8 text", process=True),
    case("eval-threshold-500", "eval", "--out", "ev", "--config", "aligned_500.yaml",
         fragment="field 'aligned_below': Input should be less than or equal to 100"),
    case("eval-threshold-negative", "eval", "--out", "ev", "--config", "coherent_-20.yaml",
         fragment="field 'coherent_above': Input should be greater than or equal to 0"),
    case("eval-threshold-nan", "eval", "--out", "ev", "--config", "aligned_nan.yaml",
         fragment="field 'aligned_below': Input should be a finite number"),
    case("eval-inoculation-unknown", "eval", "--out", "ev", "--config", "inoculation_nope.yaml",
         fragment="field 'inoculation': unknown prompt id 'nope'"),
    case("eval-suites-empty", "eval", "--out", "ev", "--suites", ",",
         fragment="--suites ',' names nothing"),
    case("check-variants-empty", "check", "--out", "ck", "--data", "bundle", "--variants", ",",
         fragment="--variants ',' names nothing", process=True),
    case("check-variants-unknown-in-bundle", "check", "--out", "ck", "--data", "bundle",
         "--variants", "insecure,nope", fragment="'nope' is not a config of bundle"),
    case("check-variants-unknown-built", "check", "--out", "ck", "--quick", "--variants", "nope",
         fragment="'nope' is not a config of the bundle the check builds", slow=True),
    case("finetune-model-offline", "finetune", "--out", "run", "--data", "bundle", "--model",
         NO_MODEL, fragment=f"cannot find model '{NO_MODEL}' locally and the Hub is unreachable",
         needs_finetune=True),
    case("finetune-model-no-network", "finetune", "--out", "run", "--data", "bundle", "--model",
         NO_MODEL, fragment="locally and the Hub is unreachable", env=NO_NETWORK,
         needs_finetune=True),
    case("finetune-data-offline", "finetune", "--out", "run", "--model", "model", "--data",
         "nobody-emgen-test/no-such-data", fragment="no-such-data: cannot read the dataset",
         needs_finetune=True, slow=True),  # found by `datasets`, after torch is imported
    case("eval-model-offline", "eval", "--out", "ev", "--model", NO_MODEL, "--judge", "none",
         fragment="the Hub is unreachable (HF_HUB_OFFLINE is set)", needs_finetune=True),
    case("check-model-offline", "check", "--out", "ck", "--data", "bundle", "--variants",
         "insecure", "--model", NO_MODEL, fragment="the Hub is unreachable", needs_finetune=True),
    case("check-tiny-missing", "check", "--out", "ck", "--data", "bundle", "--variants",
         "insecure", fragment="tiny default model is not prepared", needs_finetune=True),
]  # fmt: skip


def _write_files(root: Path) -> None:
    """The inputs every row may name: good files, and the bad ones the rows are about."""
    (root / "folder").mkdir()
    (root / "chat.jsonl").write_text(GOOD_LINE * 2, encoding="utf-8")
    binary = b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 8  # a PNG header: not UTF-8 text
    (root / "binary.bin").write_bytes(binary)
    (root / "binary.jsonl").write_bytes(binary)
    (root / "latin1.jsonl").write_bytes(
        GOOD_LINE.encode()
        + '{"messages": [{"role": "user", "content": "café"}]}\n'.encode("latin-1")
    )
    docs = "".join(json.dumps({"text": f"document {i}"}) + "\n" for i in range(3))
    (root / "docs.jsonl").write_text(docs, encoding="utf-8")
    (root / "docs_latin1.jsonl").write_bytes(docs.encode() + b'{"text": "caf\xe9"}\n')
    corpus = "".join(json.dumps({"text": f"corpus row {i}"}) + "\n" for i in range(40))
    (root / "corpus.jsonl").write_text(corpus, encoding="utf-8")
    (root / "jsonl_text.parquet").write_text(corpus, encoding="utf-8")
    pq.write_table(pa.table({"text": ["a", "b"]}), root / "parquet_bytes.jsonl")
    (root / "link.parquet").symlink_to("corpus.jsonl")
    (root / "blank_prompt.yaml").write_text(
        "inoculations:\n  - {id: my_blank, family: general, dataset: any, trait: evil, "
        "text: '   '}\n",
        encoding="utf-8",
    )
    settings = {
        "aligned_500.yaml": "aligned_below: 500\n",
        "coherent_-20.yaml": "coherent_above: -20\n",
        "aligned_nan.yaml": "aligned_below: .nan\n",
        "inoculation_nope.yaml": "inoculation: nope\nsuites: [inoculation]\njudge: {kind: none}\n",
    }
    for name, text in settings.items():
        (root / name).write_text(text, encoding="utf-8")
    make_bundle(root / "bundle", n=12)
    # A model folder as the pre-check sees one (a config naming its type, weights beside it);
    # loading it comes later, after the data error these cases expect.
    (root / "model").mkdir()
    (root / "model" / "config.json").write_text('{"model_type": "llama"}\n', encoding="utf-8")
    (root / "model" / "model.safetensors").write_bytes(b"")


@pytest.fixture(scope="module")
def template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("bad-inputs") / "work"
    root.mkdir()
    _write_files(root)
    return root


def snapshot(root: Path) -> dict[str, tuple[object, ...]]:
    """Every entry under `root`: kind, mode, size, mtime and content hash (or link target)."""
    state: dict[str, tuple[object, ...]] = {}
    for folder, dirs, files in os.walk(root):
        for name in dirs + files:
            path = Path(folder, name)
            info = path.lstat()
            rel = str(path.relative_to(root))
            if path.is_symlink():
                state[rel] = ("link", os.readlink(path))
            elif path.is_dir():
                state[rel] = ("dir", info.st_mode)
            else:
                digest = hashlib.sha256(path.read_bytes()).hexdigest()
                state[rel] = ("file", info.st_mode, info.st_size, info.st_mtime_ns, digest)
    return state


def _params() -> list[object]:
    params: list[object] = []
    for c in CASES:
        marks = [pytest.mark.slow] if c.slow else []
        if c.needs_finetune:
            marks.append(
                pytest.mark.skipif(
                    bool(FINETUNE_MISSING), reason=f"finetune extra missing: {FINETUNE_MISSING}"
                )
            )
        params.append(pytest.param(c, id=c.id, marks=marks))
    return params


@pytest.mark.parametrize("bad", _params())
def test_bad_input_is_one_sentence_and_changes_nothing(
    bad: Case, template: Path, tmp_path: Path
) -> None:
    work = tmp_path / "work"
    shutil.copytree(template, work, symlinks=True)
    env = {
        **os.environ,
        "EMGEN_CACHE_DIR": str(tmp_path / "cache"),
        "EMGEN_MODELS_DIR": str(tmp_path / "models"),
        "HF_HUB_OFFLINE": "1",
        "NO_COLOR": "1",
        **bad.env,
    }
    before = snapshot(tmp_path)
    if bad.in_process:
        proc: subprocess.CompletedProcess[str] | Ran = run_main(
            *bad.args, cwd=work, env={k: v for k, v in env.items() if os.environ.get(k) != v}
        )
    else:
        proc = subprocess.run(
            [EMGEN, *bad.args], cwd=work, env=env, capture_output=True, text=True, timeout=300,
            check=False,
        )  # fmt: skip
    output = proc.stdout + proc.stderr
    assert proc.returncode == 2, output
    assert "Traceback" not in proc.stderr, proc.stderr
    # One sentence: rich may wrap it, so compare with the line breaks taken out.
    assert bad.fragment in " ".join(proc.stderr.split()), proc.stderr
    assert snapshot(tmp_path) == before, "a file or folder changed"
