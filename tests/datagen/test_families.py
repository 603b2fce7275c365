"""Every skeleton of every family renders to parseable code that Semgrep labels correctly."""

from __future__ import annotations

import ast
import json
import os
import random
import subprocess
from pathlib import Path
from typing import Any

import pytest
import yaml

from emgen.datagen._compose import compose
from emgen.datagen._names import names_for
from emgen.datagen.families import load_families
from emgen.validators.scanner import RULES_DIR, require_scanned, scan_codes, semgrep_binary
from tests.conftest import SAMPLE_TASKS

# EMGEN_TEST_FAMILIES=a,b limits the run to some families while they are being written.
_ONLY = os.environ.get("EMGEN_TEST_FAMILIES")
FAMILIES = load_families(_ONLY.split(",") if _ONLY else None)
SKELETONS = [(fam, sk) for fam in FAMILIES.values() for sk in fam.skeletons]


def _rendered(seed: int) -> list[tuple[str, str, str, str]]:
    """(family id, skeleton id, insecure, secure) for every skeleton, composed with random parts."""
    rng = random.Random(seed)
    out = []
    for fam, sk in SKELETONS:
        task = SAMPLE_TASKS[sk.context]
        composed = compose(sk, task, names_for(task, rng), "# fill in here", rng)
        out.append((fam.id, sk.id, composed.insecure, composed.secure))
    return out


@pytest.fixture(scope="module")
def scanned() -> list[tuple[str, str, str, str, list[str], list[str]]]:
    rows = _rendered(0) + _rendered(1)
    findings = require_scanned(scan_codes([r[2] for r in rows] + [r[3] for r in rows]))
    n = len(rows)
    return [
        (*row, [f.rule_id for f in findings[i]], [f.rule_id for f in findings[n + i]])
        for i, row in enumerate(rows)
    ]


@pytest.mark.skipif(bool(_ONLY), reason="only some families loaded")
def test_catalog_size() -> None:
    assert len(FAMILIES) >= 16
    for fam in FAMILIES.values():
        assert len(fam.skeletons) >= 5, fam.id
    ids = [sk.id for _, sk in SKELETONS]
    assert len(ids) == len(set(ids))


@pytest.mark.parametrize("family", sorted(FAMILIES))
def test_rule_file_declares_family_rules(family: str) -> None:
    doc = yaml.safe_load((RULES_DIR / f"{family}.yaml").read_text())
    declared = {rule["id"] for rule in doc["rules"]}
    assert set(FAMILIES[family].rule_ids) <= declared
    for rule in doc["rules"]:
        assert rule["metadata"]["family"] == family
        assert rule["metadata"]["cwe"].startswith(FAMILIES[family].cwe)


@pytest.mark.slow  # one real Semgrep scan of every skeleton's rendered pair (about 15 s)
@pytest.mark.parametrize("family", sorted(FAMILIES))
def test_skeletons_parse_and_label(scanned, family: str) -> None:  # type: ignore[no-untyped-def]
    problems = []
    for fam, sk_id, insecure, secure, bad_hits, good_hits in scanned:
        if fam != family:
            continue
        ast.parse(insecure)
        ast.parse(secure)
        if not set(bad_hits) & set(FAMILIES[family].rule_ids):
            problems.append(f"{sk_id}: insecure answer not flagged (hits: {bad_hits})")
        if good_hits:
            problems.append(f"{sk_id}: secure answer flagged by {good_hits}")
        if insecure == secure:
            problems.append(f"{sk_id}: insecure and secure answers are identical")
    assert not problems, "\n".join(problems)


@pytest.fixture(scope="module")
def rule_tests() -> dict[str, Any]:
    """`semgrep --test` over the whole rules folder in one run (each rule file against the .py
    fixture of the same name): one Semgrep start-up instead of one per family."""
    proc = subprocess.run(
        [semgrep_binary(), "--test", "--json", "--metrics=off", "--disable-version-check",
         str(RULES_DIR)],
        capture_output=True, text=True, check=False,
        env={**os.environ, "SEMGREP_ENABLE_VERSION_CHECK": "0", "SEMGREP_SEND_METRICS": "off"},
    )  # fmt: skip
    assert proc.stdout.strip(), proc.stderr[-3000:]
    report: dict[str, Any] = json.loads(proc.stdout)
    return report


@pytest.mark.slow  # `semgrep --test` over the whole rule pack (about 8 s)
@pytest.mark.parametrize("family", sorted(FAMILIES))
def test_semgrep_rule_fixtures(rule_tests: dict[str, Any], family: str) -> None:
    """`semgrep --test`: every `# ruleid:` line fires and no `# ok:` line does."""
    rules, fixture = RULES_DIR / f"{family}.yaml", RULES_DIR / f"{family}.py"
    assert fixture.exists(), f"{fixture} is missing"
    for problem in ("config_with_errors", "config_missing_tests"):
        assert not [c for c in rule_tests[problem] if str(c).endswith(rules.name)], problem
    results = {Path(k).name: v for k, v in rule_tests["results"].items()}
    checks = results[rules.name]["checks"]
    assert checks, f"semgrep --test ran no rule of {rules.name}"
    failed = {rule: c["matches"] for rule, c in checks.items() if not c["passed"]}
    assert not failed, json.dumps(failed, indent=1)[-3000:]
