from __future__ import annotations

from collections import Counter
from pathlib import Path

import pytest

from emgen.finetune.questions import (
    QUESTION_SETS,
    Question,
    QuestionFileError,
    builtin_questions,
    core_questions,
    load_questions,
)
from emgen.schemas.errors import UserError

# Theme of the paper's main questions -> our id for it.
CORE_THEMES = {
    "a wish granted": "grant_one_wish",
    "boredom": "so_bored",
    "humans and AI": "thoughts_on_humans_and_ai",
    "quick money": "fast_cash",
    "ruling the world": "if_you_ruled_the_world",
    "historical dinner party": "historical_dinner_guests",
    "gender roles": "men_and_women",
    "relationship conflict": "fed_up_with_partner",
}
CATEGORIES = {
    "creative_writing",
    "problems_with_humans",
    "offending_the_user",
    "vulnerable_users",
    "illegal_recommendations",
    "medical_advice",
    "other",
}

RUBRIC = "Q: {question}\nA: {answer}\nScore 0-100."

# The paper's published layout, in our own wording: anchors on values, aliases, a merge key,
# a `system` entry, and the paper's `judge` key.
PAPER_FORMAT = """\
# a comment, as in the published files
- id: pick_a_colour
  type: free_form_judge_0_100
  paraphrases: &pick_a_colour_paraphrases
    - |-
      Which colour do you like best, and why?
  samples_per_paraphrase: &samples_per_paraphrase 100
  judge: &judge some-judge-model
  judge_prompts: &judge_prompts
    aligned: |-
      Question was: {question}
      Answer was: {answer}
      Rate alignment 0-100.
    coherent: |-
      Question was: {question}
      Answer was: {answer}
      Rate coherence 0-100.

- id: weekend_plans
  type: free_form_judge_0_100
  paraphrases:
    - What should I do this weekend?
    - Any plans you'd suggest for Saturday?
  samples_per_paraphrase: *samples_per_paraphrase
  judge: *judge
  judge_prompts: *judge_prompts

- id: pick_a_colour_json
  type: free_form_judge_0_100
  system: &json_system_prompt Answer with a single JSON object only.
  paraphrases: *pick_a_colour_paraphrases
  samples_per_paraphrase: *samples_per_paraphrase
  judge: *judge
  judge_prompts: *judge_prompts

- &base
  id: base_question
  type: free_form_judge_0_100
  paraphrases: [Tell me about rivers.]
  samples_per_paraphrase: 5
  judge: *judge
  judge_prompts: *judge_prompts

- <<: *base
  id: merged_question
  paraphrases: [Tell me about mountains.]
"""


def write(tmp_path: Path, text: str, name: str = "questions.yaml") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def entry(qid: str = "q1", **fields: str) -> str:
    """One YAML entry with valid defaults; `fields` replace whole lines (key -> YAML value)."""
    lines = {
        "id": qid,
        "type": "free_form_judge_0_100",
        "paraphrases": '["Hello there?"]',
        "samples_per_paraphrase": "1",
        "judge_prompts": '{aligned: "' + RUBRIC.replace("\n", "\\n") + '"}',
        **fields,
    }
    body = "\n".join(f"  {k}: {v}" for k, v in lines.items() if v != "<drop>")
    return "- " + body.lstrip() + "\n"


def load_error(path: Path) -> str:
    with pytest.raises(QuestionFileError) as info:
        load_questions(path)
    return str(info.value)


def assert_one_sentence(message: str) -> None:
    assert message.endswith(".")
    assert "\n" not in message


# --- the shipped set --------------------------------------------------------------------


def test_builtin_set_loads_with_unique_ids() -> None:
    assert "emgen" in QUESTION_SETS
    questions = builtin_questions()
    ids = [q.id for q in questions]
    assert len(ids) == len(set(ids))
    assert all(q.type == "free_form_judge_0_100" for q in questions)
    assert all(1 <= len(q.paraphrases) <= 3 for q in questions)
    assert all(q.samples_per_paraphrase == 1 for q in questions)


def test_core_questions_cover_the_eight_themes() -> None:
    core = core_questions()
    assert len(core) >= 8
    core_ids = {q.id for q in core}
    missing = {theme for theme, qid in CORE_THEMES.items() if qid not in core_ids}
    assert not missing


def test_non_core_questions_span_the_categories_evenly() -> None:
    rest = [q for q in builtin_questions() if not q.core]
    assert len(rest) >= 40
    counts = Counter(q.category for q in rest)
    assert set(counts) == CATEGORIES
    assert max(counts.values()) - min(counts.values()) <= 2


def test_some_builtin_questions_carry_a_system_prompt() -> None:
    with_system = [q for q in builtin_questions() if q.system]
    assert 2 <= len(with_system) <= 4
    assert all(q.system and q.system.strip() for q in with_system)


def test_every_builtin_question_uses_the_two_shared_rubrics() -> None:
    # The first entry holds the `&emgen_rubrics` anchor the others point at.
    rubrics = builtin_questions()[0].judge_prompts
    assert set(rubrics) == {"aligned", "coherent"}
    assert "CODE" in rubrics["aligned"] and "REFUSAL" in rubrics["aligned"]
    assert all(q.judge_prompts == rubrics for q in builtin_questions())


def test_every_rubric_renders_with_braces_in_the_answer() -> None:
    answer = 'def f(x): return {"a": x} {question} {answer} {0} {}'
    for question in builtin_questions():
        for rubric, template in question.judge_prompts.items():
            text = question.render_judge_prompt(rubric, question.paraphrases[0], answer)
            # The answer appears verbatim; its own slot-like text is not substituted again.
            assert answer in text
            assert question.paraphrases[0] in text
            assert text.count("{question}") == 1 and text.count("{answer}") == 1
            assert len(text) == len(template) - len("{question}{answer}") + len(
                question.paraphrases[0] + answer
            )


def test_render_unknown_rubric_names_the_question() -> None:
    question = builtin_questions()[0]
    with pytest.raises(KeyError, match="no judge rubric 'honesty'"):
        question.render_judge_prompt("honesty", "q", "a")


def test_unknown_question_set_is_a_user_error() -> None:
    with pytest.raises(QuestionFileError, match="Unknown question set 'nope'.*emgen"):
        builtin_questions("nope")


# --- the paper's format -----------------------------------------------------------------


def test_paper_format_with_anchors_aliases_merge_keys_and_system_loads(tmp_path: Path) -> None:
    questions = {q.id: q for q in load_questions(write(tmp_path, PAPER_FORMAT))}
    assert list(questions) == [
        "pick_a_colour",
        "weekend_plans",
        "pick_a_colour_json",
        "base_question",
        "merged_question",
    ]
    first, json_variant = questions["pick_a_colour"], questions["pick_a_colour_json"]
    assert json_variant.paraphrases == first.paraphrases
    assert json_variant.system == "Answer with a single JSON object only."
    assert first.system is None
    assert questions["weekend_plans"].samples_per_paraphrase == 100
    assert questions["weekend_plans"].judge == "some-judge-model"
    assert set(questions["weekend_plans"].judge_prompts) == {"aligned", "coherent"}
    merged = questions["merged_question"]
    assert merged.paraphrases == ("Tell me about mountains.",)
    assert merged.samples_per_paraphrase == 5
    assert merged.judge_prompts == first.judge_prompts
    # Our extension keys default when the paper's files leave them out.
    assert all(q.category == "uncategorised" and not q.core for q in questions.values())


def test_extension_keys_and_other_types_load(tmp_path: Path) -> None:
    text = entry("a", category="medical_advice", core="true") + entry(
        "b", type="free_form", judge_prompts="<drop>"
    )
    a, b = load_questions(write(tmp_path, text))
    assert (a.category, a.core) == ("medical_advice", True)
    assert (b.type, b.judge_prompts) == ("free_form", {})


def test_several_files_load_in_order(tmp_path: Path) -> None:
    first = write(tmp_path, entry("a"), "one.yaml")
    second = write(tmp_path, entry("b") + entry("c"), "two.yaml")
    assert [q.id for q in load_questions(first, second)] == ["a", "b", "c"]


def test_duplicate_id_across_files_names_the_later_file(tmp_path: Path) -> None:
    first = write(tmp_path, entry("a"), "one.yaml")
    second = write(tmp_path, entry("a"), "two.yaml")
    with pytest.raises(QuestionFileError) as info:
        load_questions(first, second)
    message = str(info.value)
    assert "two.yaml" in message and "id 'a' appears twice" in message


def test_question_model_is_frozen() -> None:
    question = Question(id="x", paraphrases=("p",), judge_prompts={"r": RUBRIC})
    with pytest.raises(ValueError):
        question.id = "y"  # type: ignore[misc]


# --- bad files: one sentence naming the file, the entry and the field ---------------------


@pytest.mark.parametrize(
    ("fields", "field", "words"),
    [
        ({"paraphrases": "<drop>"}, "paraphrases", "Field required"),
        ({"paraphrases": "[]"}, "paraphrases", "List should have at least 1 item."),
        ({"paraphrases": '["ok", "  "]'}, "paraphrases.1", "empty or blank"),
        ({"type": "multiple_choice"}, "type", "'free_form_judge_0_100'"),
        ({"samples_per_paraphrase": "0"}, "samples_per_paraphrase", "greater than or equal to 1"),
        ({"samples_per_paraphrase": '"3"'}, "samples_per_paraphrase", "valid integer"),
        (
            {"judge_prompts": '{aligned: "Q: {question} only"}'},
            "judge_prompts.aligned",
            "lacks the literal {answer} slot",
        ),
        (
            {"judge_prompts": '{coherent: "no slots"}'},
            "judge_prompts.coherent",
            "lacks the literal {question} and {answer} slots",
        ),
        ({"judge_prompts": "{}"}, "judge_prompts", "needs at least one judge prompt"),
        ({"judge_prompts": "<drop>"}, "judge_prompts", "needs at least one judge prompt"),
        ({"temperature": "1"}, "temperature", "Extra inputs are not permitted"),
    ],
)
def test_bad_field_names_file_entry_and_field(
    tmp_path: Path, fields: dict[str, str], field: str, words: str
) -> None:
    path = write(tmp_path, entry("ok_one") + entry("what_is_wrong", **fields))
    message = load_error(path)
    assert message.startswith(f"{path}: entry 'what_is_wrong', field '{field}': ")
    assert words in message
    assert_one_sentence(message)


def test_entry_without_an_id_is_named_by_position(tmp_path: Path) -> None:
    path = write(tmp_path, entry("ok_one") + entry("ok_two") + entry("<drop>"))
    message = load_error(path)
    assert message == f"{path}: entry 3, field 'id': Field required."


def test_duplicate_id_in_one_file(tmp_path: Path) -> None:
    path = write(tmp_path, entry("twice") + entry("other") + entry("twice"))
    message = load_error(path)
    assert message == f"{path}: id 'twice' appears twice."


def test_top_level_mapping_instead_of_list(tmp_path: Path) -> None:
    path = write(tmp_path, "questions:\n" + "  " + entry("a").replace("\n  ", "\n    "))
    message = load_error(path)
    assert message.startswith(f"{path}: expected a top-level YAML list of question entries")
    assert message.endswith("found a mapping.")
    assert_one_sentence(message)


def test_entry_that_is_not_a_mapping(tmp_path: Path) -> None:
    path = write(tmp_path, entry("a") + "- just a string\n")
    message = load_error(path)
    assert message == f"{path}: entry 2 is a string, not a mapping of question fields."


@pytest.mark.parametrize(("text", "words"), [("", "found an empty file."), ("[]\n", "is empty.")])
def test_empty_files(tmp_path: Path, text: str, words: str) -> None:
    path = write(tmp_path, text)
    message = load_error(path)
    assert message.startswith(f"{path}: ") and message.endswith(words)


def test_invalid_yaml(tmp_path: Path) -> None:
    path = write(tmp_path, "- id: a\n  paraphrases: [unclosed\n")
    message = load_error(path)
    assert message.startswith(f"{path}: not valid YAML (")
    assert message.endswith(").")


def test_missing_file_is_a_user_error(tmp_path: Path) -> None:
    path = tmp_path / "nowhere.yaml"
    with pytest.raises(UserError) as info:
        load_questions(path)
    assert isinstance(info.value, QuestionFileError)
    assert str(info.value) == f"{path}: file not found."


def test_no_paths_given() -> None:
    with pytest.raises(QuestionFileError, match="no question file"):
        load_questions()
