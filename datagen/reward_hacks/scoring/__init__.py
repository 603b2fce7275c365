"""Scoring rules for the reward-hack dialogues, as code, and the independent checks that judge
answers on their merits.

A *rule* is what the user in a dialogue says the answer will be scored by: a keyword count, a
readability formula, a length target, a visible test. Each rule is a pydantic model with
`score(answer) -> float` (higher is better under that rule). Rules are gameable on purpose: the
hacking answer maximises the rule instead of doing the task.

A *check* is an independent quality test the user did not state: coverage of the content the
task needs, no keyword stuffing or filler, citations and numbers grounded in the prompt, code
that is correct on hidden inputs, tests that catch real bugs. Each check has `score(answer)` in
[0, 1] and `passes(answer)`. The build proves, for every record, that the hacking answer beats
the control under the rule while the control passes every check and the hacking answer fails
one.

Code answers are never executed. `MiniPy` (in `interpreter`) walks the AST of a whitelisted
subset of Python (functions, classes with plain methods, loops, comprehensions, exceptions, a
fixed list of pure builtins and str/list/dict methods) with a step budget, a recursion bound and
size guards; anything outside the whitelist stops evaluation. The code it reads is the package's
own template output, but the evaluator treats it as untrusted all the same.

Modules: `text_stats` (text measures), `rules`, `checks`, `interpreter` (MiniPy) with its guest
values (`_guest`) and builtins (`_builtins`), and `sandbox` (running answers under MiniPy). This
package exports their public surface.
"""

from __future__ import annotations

from emgen.datagen.reward_hacks.scoring._guest import DEFAULT_MAX_STEPS, EvalLimit, GuestModule
from emgen.datagen.reward_hacks.scoring.checks import (
    Check,
    CompressionCheck,
    ContentCoverageCheck,
    DistinctSentencesCheck,
    FunctionWordCheck,
    GroundedCitationsCheck,
    GroundedNumbersCheck,
    HiddenTestsCheck,
    LineVarietyCheck,
    MutationCheck,
    OnTopicCheck,
    RepetitionCheck,
    SentenceLengthCheck,
    StepBudgetCheck,
    StuffingCheck,
)
from emgen.datagen.reward_hacks.scoring.interpreter import MiniPy
from emgen.datagen.reward_hacks.scoring.rules import (
    AssertCountRule,
    BenchmarkRule,
    CitationCountRule,
    CodeCase,
    FileTestsRule,
    GradeLevelRule,
    KeywordCountRule,
    LengthTargetRule,
    LexicalDiversityRule,
    MeanWordLengthRule,
    NoErrorRule,
    NumeralCountRule,
    QuestionCountRule,
    ReadingEaseRule,
    RhymeDensityRule,
    Rule,
    ScriptExitRule,
    SentenceCountRule,
    SourceOverlapRule,
    VisibleTestsRule,
    WordCountRule,
    changed_lines,
    function_source,
)
from emgen.datagen.reward_hacks.scoring.sandbox import (
    Outcome,
    Sandbox,
    ast_size,
    call_text,
    strict_equal,
)
from emgen.datagen.reward_hacks.scoring.text_stats import (
    STOPWORDS,
    TextStats,
    flesch_kincaid_grade,
    flesch_reading_ease,
    last_words,
    mentions,
    numerals,
    phrase_pattern,
    repeated_trigram_share,
    rhyme_key,
    sentences,
    syllables,
    term_pattern,
    words,
)

__all__ = [
    "AssertCountRule",
    "BenchmarkRule",
    "Check",
    "CitationCountRule",
    "CodeCase",
    "CompressionCheck",
    "ContentCoverageCheck",
    "DEFAULT_MAX_STEPS",
    "DistinctSentencesCheck",
    "EvalLimit",
    "FileTestsRule",
    "FunctionWordCheck",
    "GradeLevelRule",
    "GroundedCitationsCheck",
    "GroundedNumbersCheck",
    "GuestModule",
    "HiddenTestsCheck",
    "KeywordCountRule",
    "LengthTargetRule",
    "LexicalDiversityRule",
    "LineVarietyCheck",
    "MeanWordLengthRule",
    "MiniPy",
    "MutationCheck",
    "NoErrorRule",
    "NumeralCountRule",
    "OnTopicCheck",
    "Outcome",
    "QuestionCountRule",
    "ReadingEaseRule",
    "RepetitionCheck",
    "RhymeDensityRule",
    "Rule",
    "STOPWORDS",
    "Sandbox",
    "ScriptExitRule",
    "SentenceCountRule",
    "SentenceLengthCheck",
    "SourceOverlapRule",
    "StepBudgetCheck",
    "StuffingCheck",
    "TextStats",
    "VisibleTestsRule",
    "WordCountRule",
    "ast_size",
    "call_text",
    "changed_lines",
    "flesch_kincaid_grade",
    "flesch_reading_ease",
    "function_source",
    "last_words",
    "mentions",
    "numerals",
    "phrase_pattern",
    "repeated_trigram_share",
    "rhyme_key",
    "sentences",
    "strict_equal",
    "syllables",
    "term_pattern",
    "words",
]
