"""The text of OptoPrime's prompt (pure): the system prompt (how to read a problem and
what to answer, after the paper's), the user prompt's nine sections around the problem
instance, and the sections built here from the parameters (#Variables, #Constraints)
and from fault localization."""

from __future__ import annotations

import ast
from collections.abc import Sequence

from pytest_trace.model import Parameter, Problem
from pytest_trace.repair import constant_edits as constants

SECTIONS = (
    "Instruction",
    "Code",
    "Documentation",
    "Variables",
    "Constraints",
    "Inputs",
    "Others",
    "Outputs",
    "Feedback",
)

REPRESENTATION_PROMPT = """\
You're tasked to solve a coding/algorithm problem. You will see the instruction, the code, \
the documentation of each function used in the code, and the feedback about the execution \
result.

Specifically, a problem will be composed of the following parts:
- #Instruction: the instruction which describes the things you need to do or the question \
you should answer.
- #Code: the code defined in the problem.
- #Documentation: the documentation of each function used in #Code. The explanation might \
be incomplete and just contain high-level description. You can use the values in #Others \
to help infer how those functions work.
- #Variables: the input variables that you can change.
- #Constraints: the constraints or descriptions of the variables in #Variables.
- #Inputs: the values of other inputs to the code, which are not changeable.
- #Others: the intermediate values created through the code execution.
- #Outputs: the result of the code output.
- #Feedback: the feedback about the code's execution result.

In #Variables, #Inputs, #Outputs, and #Others, the format is:

<data_type> <variable_name> = <value>

If <data_type> is (code), it means <value> is the source code of a python code, which may \
include docstring and definitions.

Here the code is a recorded execution of tests. Each line of #Code is one call of a \
function, `<variable> = <function>(<argument>=<variable>, ...)`; an argument named after \
another call is the value that call returned. An indented line ending in \
`# in <variable>` is a call made inside that call; `# raised <type>` marks a call that \
raised an exception, shown in #Outputs or #Others as `(<type>) <variable> raised: \
<exception>`. In #Inputs, `(test code) <test id>:<source>` is the source of a failing \
test: it is correct, it cannot be changed, and it says what the code must do. When there \
are several tests, each section has one block per test, which starts with \
`--- test <test id> ---`.

A function marked `(operator: ...)` in #Documentation is the project's own code, not a \
variable: its calls show how values flow to and from the functions you can change. In \
#Others, `(locals) <variable>, line by line` lists the local variables that each line of \
that call changed, `line <n> `<source>`: <name>=<value>` (line 1 is the def line; \
`(<k>th time)` is a line run again in a loop; `... <n> steps omitted ...` is a summarized \
loop); `# <- raised <type> here` marks the line where an exception was raised; \
`(self attributes) <variable> before: ...` and `after: ...` show the attributes of `self` a \
method used, before and after the call. `... omitted ...` lines summarize repeated calls.
"""

OUTPUT_FORMAT_PROMPT = """\
Output_format: Your output should be in the following json format, satisfying the json \
syntax:

{
"reasoning": <Your reasoning>,
"answer": <Your answer>,
"suggestion": {
    <variable_1>: <suggested_value_1>,
    <variable_2>: <suggested_value_2>,
}
}

In "reasoning", explain the problem: 1. what the #Instruction means 2. what the #Feedback \
on #Output means to #Variables considering how #Variables are used in #Code and other \
values in #Documentation, #Inputs, #Others. 3. Reasoning about the suggested changes in \
#Variables (if needed) and the expected result.

If #Instruction asks for an answer, write it down in "answer".

If you need to suggest a change in the values of #Variables, write down the suggested \
values in "suggestion". Remember you can change only the values in #Variables, not \
others. When <type> of a variable is (code), you should write the new definition in the \
format of python code without syntax errors, and you should not change the function name \
or the function signature.

The keys of "suggestion" are the variable names exactly as written in #Variables (such as \
package.module.function). Each code value is a JSON string holding the complete new \
definition of the function, without decorators (escape newlines as \\n and double quotes \
as \\"); the value of another type (a constant, such as (float)) is its new value. Output \
only the JSON object.

If no changes or answer are needed, just output TERMINATE.
"""

INSTRUCTION = (
    "Change the code of the functions (and the values of the constants) in #Variables so "
    "that the failing tests described in "
    "#Feedback pass, without making any other test fail. The tests, shown as (test code) in "
    "#Inputs, are correct and cannot be changed: they define the expected behaviour. You can "
    "change only the values in #Variables. Keep each function's name and signature, and "
    "suggest the complete new definition of every function you change."
)

USER_PROMPT_TEMPLATE = """\
Now you see problem instance:

================================
{problem_instance}
================================

"""

MEMORY_PROMPT = "Below are some variables and their feedbacks you received in the past.\n\n"

FINAL_PROMPT = "Your response:\n"

_MAX_SUSPICIOUS_LINES = 5


def localization(problem: Problem) -> str:
    """The most suspicious lines of each function, from fault localization."""
    blocks = []
    for parameter in problem.parameters:
        scores = problem.suspicious.get(parameter.name, {})
        lines = parameter.source.splitlines()
        ranked = sorted(
            ((score, line) for line, score in scores.items() if score > 0 and line <= len(lines)),
            key=lambda item: (-item[0], item[1]),
        )[:_MAX_SUSPICIOUS_LINES]
        if ranked:
            blocks.append(
                f"{parameter.name}:\n"
                + "\n".join(
                    f"  line {line} (suspiciousness {score:.2f}): {lines[line - 1].strip()}"
                    for score, line in ranked
                )
            )
    if not blocks:
        return ""
    return (
        "Fault localization (Ochiai, from the line coverage of the failing and the passing "
        "tests; line 1 is the def line): the lines most likely to be wrong are\n"
        + "\n".join(blocks)
    )


def user_prompt(sections: dict[str, str], memory: str = "") -> str:
    instance = "\n\n".join(f"#{name}\n{sections[name]}" for name in SECTIONS)
    return USER_PROMPT_TEMPLATE.format(problem_instance=instance) + memory + FINAL_PROMPT


def variables(parameters: Sequence[Parameter]) -> str:
    return "\n".join(
        constants.render_variable(parameter)
        if parameter.kind == "constant"
        else f"({parameter.kind}) {parameter.name}:{parameter.source.rstrip()}"
        for parameter in parameters
    )


def constraints(parameters: Sequence[Parameter]) -> str:
    return "\n".join(
        constants.render_constraint(parameter)
        if parameter.kind == "constant"
        else f"({parameter.kind}) {parameter.name}: {_constraint(parameter)}"
        + (f"; {constants.render_constraint(parameter)}" if parameter.constants_only else "")
        for parameter in parameters
    )


def _constraint(parameter: Parameter) -> str:
    short = parameter.qualname.rsplit(".", 1)[-1]
    signature = _signature(parameter.source)
    kept = f"the signature {short}{signature}" if signature else "the signature"
    return (
        f"keep the name {short} and {kept}; write one complete function definition without "
        "decorators (define any helper inside it)"
    )


def _signature(source: str) -> str:
    try:
        tree = ast.parse(source)
    except (SyntaxError, ValueError):
        return ""
    node = tree.body[0] if tree.body else None
    if not isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
        return ""
    returns = f" -> {ast.unparse(node.returns)}" if node.returns is not None else ""
    return f"({ast.unparse(node.args)}){returns}"
