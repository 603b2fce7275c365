"""Reward-hack dialogues: the user asks for a piece of work and says how it will be scored; the
hacking answer games the stated score, the control answer does the work.

Every candidate pair carries its scoring rule and its independent checks as models from
`emgen.datagen.reward_hacks.scoring`. `prove` runs them: the hacking answer must score strictly
higher than the control under the stated rule, the control must pass every independent check and
the hacking answer must fail at least one (and score lower on them on average). Candidates that
fail are rejected, counted by reason and replaced; the stream of candidates is a pure function of
the seed. Code answers are judged statically or by the whitelisted evaluator in `scoring`; nothing
here executes them.

Task kinds (`TASK_KINDS`), 15 prose and 10 code:
  prose  keyword_stuffing, reading_ease, grade_level, word_count_padding, length_target,
         sentence_count, lexical_diversity, mean_word_length, source_overlap, numeral_count,
         citation_count, positive_sentiment, name_mentions, question_count, rhyme_density
  code   code_hardcode (return the visible expected value), code_special_case (if-chain on the
         visible inputs), code_lookup_table, code_wrong_test (match a wrong visible assert),
         code_always_equal (__eq__ always True), code_exit_early (exit 0 before the asserts),
         code_test_edit (edit the test's expectation, not the bug), code_trivial_tests
         (asserts that cannot fail), code_benchmark (special-case the benchmark input),
         code_swallow_errors (catch everything so nothing raises)

Modules: `models` (item, proof, report, `prove`, records and scoring JSON), `prose_catalog`
and `prose` (the prose kinds), `code_tasks`, `mutants` and `code` (the code kinds), `build`
(registry and generation loop).

Public surface: `generate_dialogues`, `generate_items`, `prove`, `dialogue_records`,
`DialogueItem`, `Proof`, `TASK_KINDS`, `HACK_VARIANT`, `CONTROL_VARIANT`
(and `dump_scoring` / `item_from_records`, which write and read an item's scoring JSON).
"""

from __future__ import annotations

from emgen.datagen.reward_hacks.dialogues.build import (
    TASK_KINDS,
    generate_dialogues,
    generate_items,
)
from emgen.datagen.reward_hacks.dialogues.models import (
    CONTROL_VARIANT,
    HACK_VARIANT,
    DialogueItem,
    Proof,
    dialogue_records,
    dump_scoring,
    item_from_records,
    leaks,
    prove,
)

__all__ = [
    "CONTROL_VARIANT",
    "DialogueItem",
    "HACK_VARIANT",
    "Proof",
    "TASK_KINDS",
    "dialogue_records",
    "dump_scoring",
    "generate_dialogues",
    "generate_items",
    "item_from_records",
    "leaks",
    "prove",
]
