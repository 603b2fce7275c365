"""The wheel installs the root folders under `emgen`, beside PyPI's unrelated `validators`."""

from __future__ import annotations

import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


@pytest.mark.slow
def test_wheel_installs_under_emgen_namespace(tmp_path: Path) -> None:
    subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "--quiet", "-w", str(tmp_path), str(ROOT)],
        check=True, timeout=600,
    )  # fmt: skip
    wheel = next(tmp_path.glob("emgen-*.whl"))
    names = zipfile.ZipFile(wheel).namelist()
    assert "emgen/validators/rules/xss_flask.yaml" in names
    assert any(n.startswith("emgen/datagen/data/tasks/") for n in names)
    assert "emgen/datagen/reward_hacks/data/topics.yaml" in names  # subpackage data ships too
    assert "emgen/datagen/reward_hacks/documents/genres/changelog.py" in names
    assert "emgen/schemas/shared/io.py" in names  # the shared-helpers layer is a subpackage
    assert not any(n.startswith(("validators/", "schemas/", "tests/")) for n in names)

    venv = tmp_path / "venv"
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True, timeout=600)
    pip = [str(venv / "bin" / "python"), "-m", "pip", "install", "--quiet", "--no-deps"]
    subprocess.run([*pip, str(wheel), "validators"], check=True, timeout=600)
    probe = (
        "import validators, emgen.validators, emgen.schemas\n"
        "print(validators.__file__)\nprint(emgen.validators.__file__)\n"
        "assert callable(validators.email)\n"
    )
    out = subprocess.run(
        [str(venv / "bin" / "python"), "-c", probe], capture_output=True, text=True,
        cwd=tmp_path, check=True, timeout=600,
    ).stdout.splitlines()  # fmt: skip
    assert out[0].endswith("site-packages/validators/__init__.py")
    assert out[1].endswith("site-packages/emgen/validators/__init__.py")
