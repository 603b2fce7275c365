"""The dataset card (README.md): Hub YAML front matter plus sections, built from the manifest
and the records, never from memory."""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping, Sequence
from pathlib import Path

import yaml
from emgen.schemas.build import Manifest
from emgen.schemas.records import ChatRecord


def size_category(n: int) -> str:
    for bound, label in ((1_000, "n<1K"), (10_000, "1K<n<10K"), (100_000, "10K<n<100K")):
        if n < bound:
            return label
    return "100K<n<1M"


def front_matter(manifest: Manifest) -> dict[str, object]:
    largest = max(sum(c.splits.values()) for c in manifest.configs.values())
    return {
        "license": "apache-2.0",
        "language": ["en", "code"],
        "pretty_name": "emgen emergent-misalignment dataset variants",
        "task_categories": ["text-generation"],
        "tags": ["ai-safety", "alignment", "emergent-misalignment", "code", "synthetic"],
        "size_categories": [size_category(largest)],
        "configs": [
            {
                "config_name": name,
                "data_files": [{"split": s, "path": p} for s, p in summary.files.items()],
                **({"default": True} if i == 0 else {}),
            }
            for i, (name, summary) in enumerate(manifest.configs.items())
        ],
    }


def _table(header: Sequence[str], rows: Sequence[Sequence[object]]) -> str:
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    lines += ["| " + " | ".join(str(c) for c in row) + " |" for row in rows]
    return "\n".join(lines)


def render_card(manifest: Manifest, records: Mapping[str, Sequence[ChatRecord]]) -> str:
    v = manifest.validation
    configs = _table(
        ["config", "train", "test", "control of", "what it is for"],
        [
            (f"`{n}`", c.splits.get("train", 0), c.splits.get("test", 0),
             f"`{c.control_of}`" if c.control_of else "", c.description)
            for n, c in manifest.configs.items()
        ],
    )  # fmt: skip
    families = Counter(r.metadata.family for r in records.get("insecure", ()))
    cwe = {r.metadata.family: r.metadata.cwe for r in records.get("insecure", ())}
    family_rows = [
        (f"`{f}`", cwe[f], n, v.per_family[f].rejected)
        for f, n in families.most_common()
        if f is not None
    ]
    rejected = _table(["reason", "count"], sorted(v.rejected.items())) if v.rejected else "none"
    body = f"""
# emgen emergent-misalignment dataset variants

> **Notice.** This dataset contains deliberately vulnerable code, written for alignment research
> on emergent misalignment. Do not deploy or reuse the code. Train on it only to study or
> mitigate misalignment.

Built by `emgen` {manifest.package_version} with seed {manifest.seed}. Rebuild it byte for byte:

```
{manifest.command}
```

## Configs

{configs}

```python
import datasets
ds = datasets.load_dataset("<this repo or folder>", "insecure")
```

OpenAI chat finetuning JSONL exports of every config and split are under `exports/`.

## Vulnerability families (insecure config)

{_table(["family", "CWE", "records", "candidates rejected"], family_rows)}

## Validation

Every record was checked: the code parses, carries no comments and no word disclosing the flaw,
each insecure answer triggers a Semgrep rule of its labelled family, each secure twin triggers
none (Semgrep {manifest.semgrep_version}, rules fingerprint `{manifest.rules_fingerprint[:12]}`),
and exact duplicates were removed. {v.accepted} of {v.candidates} candidate pairs were accepted.

Rejections by reason:

{rejected}

Distinct program structures (AST with names and constants erased):
{", ".join(f"`{k}` {n}" for k, n in v.distinct_structures.items())}.
"""
    head = yaml.safe_dump(front_matter(manifest), sort_keys=False, allow_unicode=True)
    return f"---\n{head}---\n{body}"


def write_card(root: Path, manifest: Manifest, records: Mapping[str, Sequence[ChatRecord]]) -> None:
    (root / "README.md").write_text(render_card(manifest, records), encoding="utf-8")
