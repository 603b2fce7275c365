"""Surrounding code that frames a vulnerable core: helpers, classes, extra routes, setups, entries.

Every part is neutral code (it must trigger no Semgrep rule, which the build checks on every
secure answer) written with the placeholders of `emgen.datagen._names.PLACEHOLDERS`.
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict


class Part(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    id: str
    context: Literal["web", "script", "any"]
    imports: tuple[str, ...] = ()
    body: str


PREAMBLES: tuple[Part, ...] = (
    Part(id="pre.plain", context="web", imports=("from flask import Flask",), body="app = Flask(__name__)"),
)

ENTRIES: tuple[Part, ...] = (
    Part(
        id="entry.run",
        context="web",
        body='if __name__ == "__main__":\n    app.run()',
    ),
)

PARTS: tuple[Part, ...] = ()
