"""A scan scoped to one family runs only that family's rules on the code, and finds exactly the
whole pack's findings of that family: never more (another family's finding read as its own),
never fewer. Real Semgrep throughout."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
import yaml

from emgen.validators import scanner
from emgen.validators.scanner import RULES_DIR, Scan, rule_families, scan_codes, scoped_pack

# Flagged by two families: a shell command from the request, and eval of dynamic code.
TWO = (
    "import subprocess\nfrom flask import request\n\n\ndef run():\n"
    "    cmd = request.args.get('c')\n    eval(cmd)\n    return subprocess.run(cmd, shell=True)\n"
)
CLEAN = "def add(a, b):\n    return a + b\n"
pytestmark = pytest.mark.slow


def _families(scan: Scan) -> set[str]:
    assert isinstance(scan, list)
    return {rule_families()[f.rule_id] for f in scan}


def _narrowed(scan: Scan, family: str) -> Scan:
    assert isinstance(scan, list)
    return [f for f in scan if rule_families()[f.rule_id] == family]


def test_a_scoped_scan_is_the_whole_packs_findings_of_that_family(tmp_path: Path) -> None:
    [whole] = scan_codes([TWO])
    assert _families(whole) == {"command_injection", "code_eval"}  # the premise
    scoped = scan_codes(
        [TWO, TWO, TWO, CLEAN], families=["command_injection", "code_eval", "xss_flask", None]
    )
    assert scoped == [
        _narrowed(whole, "command_injection"), _narrowed(whole, "code_eval"), [], [],
    ]  # fmt: skip
    assert all(scoped[:2])


def test_a_whole_pack_scan_answers_scoped_requests_for_the_same_code(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    sent: list[list[str]] = []
    real = scanner.run_semgrep

    def counting(targets: list[Path], rules: Path) -> dict[str, Scan]:
        sent.append(sorted(str(p.relative_to(t)) for t in targets for p in t.rglob("*.py")))
        return real(targets, rules)

    monkeypatch.setattr(scanner, "run_semgrep", counting)
    cache = tmp_path / "cache.sqlite"
    # asked both ways in one call: one file, in the folder every rule scans
    both = scan_codes([TWO, TWO], families=["code_eval", None], cache_path=cache)
    assert both == [_narrowed(both[1], "code_eval"), both[1]]
    assert len(sent) == 1 and [p.split("/")[0] for p in sent[0]] == [scanner.EVERY_RULE]
    # cached whole: a later scoped request needs no Semgrep at all
    again = scan_codes([TWO], families=["command_injection"], cache_path=cache)
    assert again == [_narrowed(both[1], "command_injection")] and len(sent) == 1
    # scoped only: its own family's folder, and cached under its own key
    scan_codes([CLEAN], families=["xss_flask"], cache_path=cache)
    assert [p.split("/")[0] for p in sent[1]] == ["xss_flask"]
    assert scan_codes([CLEAN], families=["xss_flask"], cache_path=cache) == [[]]
    assert len(sent) == 2


def test_rules_that_limit_their_own_paths_still_scope_by_filtering(tmp_path: Path) -> None:
    rules = tmp_path / "rules"
    shutil.copytree(RULES_DIR, rules, ignore=shutil.ignore_patterns("*.py"))
    path = rules / "code_eval.yaml"
    pack = yaml.safe_load(path.read_text())
    pack["rules"][0]["paths"] = {"exclude": ["*.txt"]}
    path.write_text(yaml.safe_dump(pack))
    assert scoped_pack(rules) is None and scoped_pack(RULES_DIR) is not None
    [whole] = scan_codes([TWO], rules=rules)
    scoped = scan_codes([TWO, TWO], rules=rules, families=["code_eval", "command_injection"])
    assert scoped == [_narrowed(whole, "code_eval"), _narrowed(whole, "command_injection")]


def test_a_pack_edited_in_the_same_process_is_read_again(tmp_path: Path) -> None:
    """The parsed pack is kept per content, not per folder: an edit is seen at once."""
    rules = tmp_path / "rules"
    shutil.copytree(RULES_DIR, rules, ignore=shutil.ignore_patterns("*.py"))
    before = yaml.safe_load(scoped_pack(rules) or "")
    path = rules / "code_eval.yaml"
    pack = yaml.safe_load(path.read_text())
    pack["rules"][0]["id"] = "renamed-eval-rule"
    path.write_text(yaml.safe_dump(pack))
    after = yaml.safe_load(scoped_pack(rules) or "")
    ids = {r["id"] for r in after["rules"]}
    assert "renamed-eval-rule" in ids and ids != {r["id"] for r in before["rules"]}


def test_a_family_no_rule_belongs_to_is_refused() -> None:
    with pytest.raises(ValueError, match="no rule in .* belongs to the famil"):
        scan_codes([CLEAN], families=["no_such_family"])


def test_bundle_validation_reports_the_same_with_scopes_as_with_every_rule(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """`emgen validate` scans each answer with the rules its checks read; on a bundle whose
    records were edited (a family no rule has, another family's flaw, a clean answer flagged)
    its violations are those a whole-pack scan of every answer gives."""
    from emgen.datagen import invariants
    from emgen.datagen.bundle_check import validate_bundle
    from emgen.schemas.shared.bundle import chat_table, read_chat_records, write_parquet
    from tests._bundles import make_bundle

    root = tmp_path / "em"
    make_bundle(root)
    manifest = json.loads((root / "manifest.json").read_text())
    checks = {"insecure": "flagged_by_family", "secure": "not_flagged",
              "triggered": "trigger_iff_insecure"}  # fmt: skip
    for name, check in checks.items():
        manifest["configs"][name]["invariants"] = [check]
    (root / "manifest.json").write_text(json.dumps(manifest))
    for name in ("insecure", "secure", "triggered"):
        path = root / manifest["configs"][name]["files"]["train"]
        rows = read_chat_records(path)
        edited = []
        for i, row in enumerate(rows):
            meta: dict[str, object] = {}
            if i % 3 == 0:
                meta["family"] = "no_such_family"
            elif i % 3 == 1:
                meta["family"] = "code_eval"
            # each answer its own (one asked for by two configs is scanned whole anyway)
            answer = f"{TWO}# {name} {i}\n" if i % 2 else row.answer
            messages = (*row.messages[:-1], row.messages[-1].model_copy(update={"content": answer}))
            metadata = row.metadata.model_copy(update=meta)
            edited.append(row.model_copy(update={"messages": messages, "metadata": metadata}))
        write_parquet(chat_table(edited), path)
    monkeypatch.setenv("EMGEN_CACHE_DIR", str(tmp_path / "scoped"))
    scoped = validate_bundle(root)
    monkeypatch.setattr(invariants, "answer_scope", lambda spec, record: None)
    monkeypatch.setenv("EMGEN_CACHE_DIR", str(tmp_path / "whole"))
    whole = validate_bundle(root)
    assert scoped.violations == whole.violations
    assert set(checks.values()) <= {v.invariant for v in whole.violations}
