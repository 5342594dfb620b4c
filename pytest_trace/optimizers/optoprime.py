"""OptoPrime: the LLM optimizer of "Trace is the Next AutoDiff" (Cheng et al., NeurIPS 2024).

The prompt follows the paper's: a system prompt that explains how to read a problem (the
representation prompt) and what to answer (the output format), and a user prompt with the
problem instance in nine sections, #Instruction, #Code, #Documentation, #Variables,
#Constraints, #Inputs, #Others, #Outputs, #Feedback, followed by the memory of earlier
attempts. The prompt's text is :mod:`pytest_trace.optimizers.prompts`'s; the trace
sections come from :mod:`pytest_trace.trace.render`.

Unlike the reference implementation, every answer is checked before it is used: the
suggested names must be variables, and code must be exactly one definition of the same
function with the same signature
(:func:`pytest_trace.repair.source_edits.normalize_function_source`).
Anything else is rejected with an explanation the model reads in the next iteration.
"""

from __future__ import annotations

import difflib
import json
from collections.abc import Sequence

from pytest_trace.llm.client import LLM, Completion, LLMError
from pytest_trace.model import HistoryEntry, Parameter, Problem, Proposal
from pytest_trace.optimizers.base import OptimizerError
from pytest_trace.optimizers.parsing import ParsedAnswer, parse_answer
from pytest_trace.optimizers.prompts import (
    INSTRUCTION,
    MEMORY_PROMPT,
    OUTPUT_FORMAT_PROMPT,
    REPRESENTATION_PROMPT,
    SECTIONS,
    constraints,
    localization,
    user_prompt,
    variables,
)
from pytest_trace.repair import constant_edits as constants
from pytest_trace.repair.source_edits import EditError, normalize_function_source
from pytest_trace.settings import DEFAULT_MAX_PROMPT_TOKENS
from pytest_trace.text.clip import clip
from pytest_trace.trace.render import render_traces

#: Characters per token assumed when bounding the prompt: GPT tokenizers give about 4 for
#: English, 3 to 3.5 for Python code and 2.5 to 3 for reprs dense in digits and
#: punctuation, so 3 keeps the real count at or under the budget for typical prompts.
CHARS_PER_TOKEN = 3

#: The trace sections get this much before the memory of earlier attempts gets any room,
#: and at least _MIN_TRACE_CHARS however long the rest of the prompt is.
_WANTED_TRACE_CHARS = 2_000
_MIN_TRACE_CHARS = 400
_MEMORY_FEEDBACK_CHARS = 3_000


class OptoPrime:
    """The OptoPrime optimizer over an :class:`~pytest_trace.llm.client.LLM`.

    ``memory_size`` is how many of the most recent earlier attempts (``problem.history``)
    the prompt shows; ``max_prompt_tokens`` (or ``max_prompt_chars``, which wins) bounds
    the system and user prompts together, at :data:`CHARS_PER_TOKEN` characters a token:
    the trace sections and the memory give way first. Only the parameters' own source
    (#Variables), which the model must see whole, can make a prompt exceed it.
    """

    name: str = "optoprime"

    def __init__(
        self,
        llm: LLM,
        *,
        memory_size: int = 5,
        max_prompt_chars: int | None = None,
        max_prompt_tokens: int = DEFAULT_MAX_PROMPT_TOKENS,
    ) -> None:
        if memory_size < 0:
            raise ValueError(f"memory_size must be 0 or more, not {memory_size}")
        if max_prompt_tokens < 1:
            raise ValueError(f"max_prompt_tokens must be 1 or more, not {max_prompt_tokens}")
        self.llm = llm
        self.memory_size = memory_size
        self.max_prompt_chars = (
            max_prompt_chars
            if max_prompt_chars is not None
            else max_prompt_tokens * CHARS_PER_TOKEN
        )

    def build_prompt(self, problem: Problem) -> tuple[str, str]:
        """The system and user prompts for ``problem`` (pure: no call, no state)."""
        system = REPRESENTATION_PROMPT + "\n" + OUTPUT_FORMAT_PROMPT
        feedback = _bounded(problem.feedback.strip(), max(2_000, self.max_prompt_chars // 4))
        if suspicious := localization(problem):
            feedback = f"{feedback}\n\n{suspicious}"
        fixed = {
            "Instruction": INSTRUCTION,
            "Variables": variables(problem.parameters),
            "Constraints": constraints(problem.parameters),
            "Feedback": feedback or "(no feedback)",
        }
        memory = self._memory(problem.history)
        skeleton = user_prompt({**fixed, **dict.fromkeys(SECTIONS[1:3] + SECTIONS[5:8], "")})
        room = self.max_prompt_chars - len(system) - len(skeleton) - len(memory)
        if room < _WANTED_TRACE_CHARS and memory:  # the memory gives way to the trace
            memory = ""
            room = self.max_prompt_chars - len(system) - len(skeleton)
        traces = render_traces(
            problem.traces, problem.parameters, max_chars=max(_MIN_TRACE_CHARS, room)
        )
        sections = {
            **fixed,
            "Code": traces.code,
            "Documentation": traces.documentation,
            "Inputs": traces.inputs,
            "Others": traces.others,
            "Outputs": traces.outputs,
        }
        return system, user_prompt(sections, memory)

    def prompt_tokens(self, problem: Problem) -> int:
        """The estimated tokens of the prompt for ``problem`` (system and user)."""
        system, user = self.build_prompt(problem)
        return estimate_tokens(system) + estimate_tokens(user)

    def _memory(self, history: Sequence[HistoryEntry]) -> str:
        """The most recent attempts as JSON blocks, as in the reference implementation,
        within a quarter of the prompt budget (older entries go first)."""
        if self.memory_size == 0 or not history:
            return ""
        blocks = [
            json.dumps(
                {
                    "variables": entry.values,
                    "feedback": _bounded(entry.feedback, _MEMORY_FEEDBACK_CHARS),
                },
                indent=4,
            )
            for entry in history[-self.memory_size :]
        ]
        while len(blocks) > 1 and sum(len(block) + 1 for block in blocks) > (
            self.max_prompt_chars // 4
        ):
            blocks.pop(0)
        return MEMORY_PROMPT + "\n".join(blocks) + "\n\n"

    def propose(self, problem: Problem) -> list[Proposal]:
        """Ask the model and check its answer; a bad answer is a rejected proposal."""
        return [self._propose(problem)]

    def _propose(self, problem: Problem) -> Proposal:
        system, user = self.build_prompt(problem)
        try:
            completion = self.llm.complete(system, user)
        except LLMError as error:
            raise OptimizerError(str(error)) from error
        try:
            return self._read(completion, problem)
        except (RecursionError, MemoryError, ValueError, TypeError) as error:
            # an answer no check foresaw must not end the run: it is a rejected proposal
            return Proposal(
                updates={},
                rejected=f"The answer could not be checked ({type(error).__name__}: "
                f"{str(error)[:200]}); write plain code of moderate size.",
                usage=completion.usage,
            )

    def _read(self, completion: Completion, problem: Problem) -> Proposal:
        parsed = parse_answer(completion.text)
        if parsed.error:
            return Proposal(
                updates={},
                reasoning=parsed.reasoning,
                rejected=_with_truncation(parsed.error, completion),
                usage=completion.usage,
            )
        updates, problems = _check_suggestion(parsed, problem.parameters)
        if problems:
            return Proposal(
                updates={},
                reasoning=parsed.reasoning,
                rejected=_with_truncation("\n".join(problems), completion),
                usage=completion.usage,
            )
        return Proposal(updates=updates, reasoning=parsed.reasoning, usage=completion.usage)


#: Most suspicious lines shown per function.


def estimate_tokens(text: str) -> int:
    """Tokens of ``text`` as the prompt budget counts them: characters / 3, rounded up."""
    return -(-len(text) // CHARS_PER_TOKEN)


def _check_suggestion(
    parsed: ParsedAnswer, parameters: Sequence[Parameter]
) -> tuple[dict[str, str], list[str]]:
    """The normalized updates of a suggestion, and what is wrong with it (if anything).

    A value equal to the current source, or an empty string, changes nothing and is left
    out; the loop tells the model when an answer changes nothing at all.
    """
    by_name = {parameter.name: parameter for parameter in parameters}
    listing = ", ".join(f"`{name}`" for name in by_name)
    updates: dict[str, str] = {}
    problems: list[str] = []
    for name, value in (parsed.suggestion or {}).items():
        parameter = by_name.get(name)
        if parameter is None:
            close = difflib.get_close_matches(name, list(by_name), n=1)
            hint = f" (did you mean `{close[0]}`?)" if close else ""
            problems.append(
                f"Your answer suggested `{name}`, which is not a variable{hint}; "
                f"the variables are: {listing}."
            )
            continue
        if parameter.kind == "constant":
            try:
                constant = constants.normalize_constant(parameter, value)
            except EditError as error:
                problems.append(f"{str(error)[:1].upper()}{str(error)[1:]}.")
                continue
            if constant != parameter.source:
                updates[name] = constant
            continue
        if not isinstance(value, str):
            problems.append(
                f"The value for `{name}` must be a string holding the complete definition of "
                f"the function, not {type(value).__name__} {_preview(value)}."
            )
            continue
        if not value.strip() or value == parameter.source:
            continue
        try:
            source = normalize_function_source(parameter, value)
        except EditError as error:
            message = str(error)
            message = message[:1].upper() + message[1:]
            problems.append(message if message.endswith(".") else message + ".")
            continue
        if problem := constants.check_update(parameter, source):
            problems.append(f"{problem[:1].upper()}{problem[1:]}.")
        elif source != parameter.source:
            updates[name] = source
    return updates, problems


def _preview(value: object) -> str:
    text = json.dumps(value, default=repr)
    return clip(text, 60)


def _with_truncation(message: str, completion: Completion) -> str:
    if not completion.truncated:
        return message
    return (
        f"{message}\nYour answer was cut off at the token limit: keep the reasoning short and "
        "suggest only the functions you change."
    )


def _bounded(text: str, limit: int) -> str:
    """``text``, or its beginning and end with a marker when it is longer than ``limit``."""
    return clip(text, limit, keep="middle")
