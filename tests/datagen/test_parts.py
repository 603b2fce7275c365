"""Surrounding parts are neutral: they parse and no rule of the pack fires on them."""

from __future__ import annotations

import random

from emgen.datagen._imports import merge_imports
from emgen.datagen._names import names_for
from emgen.datagen._skeleton import substitute
from emgen.datagen.parts import ENTRIES, PARTS, PREAMBLES
from emgen.validators.checks import disclosures, parses
from emgen.validators.scanner import require_scanned, scan_codes
from tests.conftest import SAMPLE_TASKS


def test_every_part_is_neutral() -> None:
    names = names_for(SAMPLE_TASKS["web"], random.Random(0))
    codes = []
    for part in (*PREAMBLES, *PARTS, *ENTRIES):
        body = substitute(part.body, names, part.id)
        imports = merge_imports([substitute(i, names, part.id) for i in part.imports])
        prefix = "from flask import Flask\napp = Flask(__name__)\n" if part.context == "web" else ""
        code = imports + prefix + body + "\n"
        assert parses(code), part.id
        assert disclosures(code) == [], part.id
        codes.append((part.id, code))
    findings = require_scanned(scan_codes([c for _, c in codes]))
    flagged = {
        pid: [f.rule_id for f in hits]
        for (pid, _), hits in zip(codes, findings, strict=True)
        if hits
    }
    assert flagged == {}


def test_part_ids_unique() -> None:
    ids = [p.id for p in (*PREAMBLES, *PARTS, *ENTRIES)]
    assert len(ids) == len(set(ids))
