"""croissant.json: Croissant 1.0 JSON-LD with the Responsible-AI (RAI) vocabulary.

One FileObject per parquet file (with its sha256, so a reader can check what it downloaded), one
FileSet per config (its parquet files, read together) and one RecordSet per config whose fields
mirror the parquet columns, nested `messages` included. Paths are relative to the folder that
holds croissant.json, which is the bundle root locally and the repository root on the Hub.
"""

from __future__ import annotations

from typing import Any

import pyarrow as pa

from emgen.cards._data import Bundle
from emgen.cards._text import (
    BIASES,
    COLLECTION,
    DESCRIPTION,
    LIMITATIONS,
    MAINTENANCE,
    PRETTY_NAME,
    SOCIAL_IMPACT,
    USE_CASES,
    column_description,
    dataset_bibtex,
)
from emgen.schemas.shared.io import sha256_file

# The @context of Croissant 1.0 (as mlcroissant writes it), so validators see a standard one.
CONTEXT: dict[str, Any] = {
    "@language": "en",
    "@vocab": "https://schema.org/",
    "citeAs": "cr:citeAs",
    "column": "cr:column",
    "conformsTo": "dct:conformsTo",
    "cr": "http://mlcommons.org/croissant/",
    "rai": "http://mlcommons.org/croissant/RAI/",
    "data": {"@id": "cr:data", "@type": "@json"},
    "dataType": {"@id": "cr:dataType", "@type": "@vocab"},
    "dct": "http://purl.org/dc/terms/",
    "equivalentProperty": "cr:equivalentProperty",
    "examples": {"@id": "cr:examples", "@type": "@json"},
    "extract": "cr:extract",
    "field": "cr:field",
    "fileProperty": "cr:fileProperty",
    "fileObject": "cr:fileObject",
    "fileSet": "cr:fileSet",
    "format": "cr:format",
    "includes": "cr:includes",
    "isLiveDataset": "cr:isLiveDataset",
    "jsonPath": "cr:jsonPath",
    "key": "cr:key",
    "md5": "cr:md5",
    "parentField": "cr:parentField",
    "path": "cr:path",
    "recordSet": "cr:recordSet",
    "references": "cr:references",
    "regex": "cr:regex",
    "repeated": "cr:repeated",
    "replace": "cr:replace",
    "samplingRate": "cr:samplingRate",
    "sc": "https://schema.org/",
    "separator": "cr:separator",
    "source": "cr:source",
    "subField": "cr:subField",
    "transform": "cr:transform",
}

_SCALARS = (
    (pa.types.is_string, "sc:Text"),
    (pa.types.is_large_string, "sc:Text"),
    (pa.types.is_boolean, "sc:Boolean"),
    (pa.types.is_integer, "sc:Integer"),
    (pa.types.is_floating, "sc:Float"),
)


def _data_type(arrow_type: pa.DataType) -> str:
    for test, name in _SCALARS:
        if test(arrow_type):
            return name
    return "sc:Text"


def _field(
    config: str, column: str, arrow_type: pa.DataType, fileset: str, description: str
) -> dict[str, Any]:
    """A Field for one parquet column; lists become `repeated`, structs become subFields."""
    field_id = f"{config}/{column}"
    node: dict[str, Any] = {"@type": "cr:Field", "@id": field_id, "name": field_id}
    if description:
        node["description"] = description
    item = arrow_type
    if pa.types.is_list(item) or pa.types.is_large_list(item):
        node["repeated"] = True
        item = item.value_type
    source = {"fileSet": {"@id": fileset}, "extract": {"column": column}}
    if pa.types.is_struct(item):
        node["subField"] = [
            {
                "@type": "cr:Field",
                "@id": f"{field_id}/{sub.name}",
                "name": f"{field_id}/{sub.name}",
                "dataType": _data_type(sub.type),
                "source": {**source, "transform": {"jsonPath": sub.name}},
            }
            for sub in item
        ]
    else:
        node["dataType"] = _data_type(item)
        node["source"] = source
    return node


def croissant(bundle: Bundle) -> dict[str, Any]:
    m = bundle.manifest
    distribution: list[dict[str, Any]] = []
    record_sets: list[dict[str, Any]] = []
    for name, data in bundle.configs.items():
        for split, rel in data.summary.files.items():
            distribution.append({
                "@type": "cr:FileObject", "@id": rel, "name": rel,
                "description": f"Config {name}, split {split}.",
                "contentUrl": rel, "encodingFormat": "application/x-parquet",
                "contentSize": f"{data.file_bytes[split]} B",
                "sha256": sha256_file(bundle.root / rel),
            })  # fmt: skip
        fileset = f"{name}-parquet"
        folders = sorted({rel.rsplit("/", 1)[0] for rel in data.summary.files.values()})
        distribution.append({
            "@type": "cr:FileSet", "@id": fileset, "name": fileset,
            "description": f"The parquet files of config {name}, all splits.",
            "encodingFormat": "application/x-parquet",
            "includes": [f"{folder}/*.parquet" for folder in folders],
        })  # fmt: skip
        record_sets.append({
            "@type": "cr:RecordSet", "@id": name, "name": name,
            "description": data.summary.description
            + (f" Control of config {data.summary.control_of}." if data.summary.control_of else ""),
            "field": [
                _field(name, f.name, f.type, fileset, column_description(f.name))
                for f in data.schema
            ],
        })  # fmt: skip
    v = bundle.validation
    return {
        "@context": CONTEXT,
        "@type": "sc:Dataset",
        "name": "emgen-em-variants",
        "alternateName": PRETTY_NAME,
        "description": DESCRIPTION,
        "conformsTo": "http://mlcommons.org/croissant/1.0",
        "citeAs": dataset_bibtex(m.package_version),
        # Croissant wants a Person or Organization: the project, named after its package.
        "creator": {
            "@type": "sc:Organization",
            "name": "emgen",
            "description": f"Generated by the emgen package {m.package_version}.",
        },  # fmt: skip
        "license": "https://www.apache.org/licenses/LICENSE-2.0",
        "version": m.package_version,
        "keywords": [
            "emergent misalignment",
            "AI safety",
            "alignment",
            "insecure code",
            "reward hacking",
            "synthetic data",
        ],  # fmt: skip
        "isAccessibleForFree": True,
        "inLanguage": ["en", "code"],
        "rai:dataCollection": COLLECTION + f" Rebuild command: `{m.command}` (seed {m.seed}).",
        "rai:dataCollectionType": ["Synthetic data", "Software-generated"],
        "rai:dataCollectionRawData": "None: every record is generated; no text was collected.",
        "rai:dataPreprocessingProtocol": (
            "Every record comes from one generate-and-validate loop; rejected candidates are "
            "counted by reason and replaced. "
            + " ".join(
                f"{name}: {g.candidates} candidates, {g.accepted} accepted, rejections by "
                f"reason: {', '.join(f'{k} {n}' for k, n in sorted(g.rejected.items())) or 'none'}."
                for name, g in v.generators.items()
            )
            + f" Code pairs are checked for syntax, comments, disclosing words, Semgrep "
            f"{m.semgrep_version} label agreement and exact duplicates. Invariant violations "
            f"in the written configs: {len(v.violations)}."
        ),
        "rai:dataAnnotationProtocol": (
            "Labels (variant, family, CWE and provenance columns) are assigned by the generator "
            "from the catalog entry each record is built from, then verified by static analysis."
        ),
        "rai:machineAnnotationTools": [
            f"Semgrep {m.semgrep_version}",
            f"emgen {m.package_version}",
        ],
        "rai:dataBiases": BIASES,
        "rai:dataLimitations": LIMITATIONS,
        "rai:dataUseCases": USE_CASES,
        "rai:dataSocialImpact": SOCIAL_IMPACT,
        "rai:personalSensitiveInformation": (
            "None. The data is synthetic: no personal, demographic or sensitive information about "
            "real people. Names, credentials and hosts in the code are invented placeholders."
        ),
        "rai:dataReleaseMaintenancePlan": MAINTENANCE,
        "distribution": distribution,
        "recordSet": record_sets,
    }
