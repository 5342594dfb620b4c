"""Every example of the documentation runs, and the convention's parser is right.

One test per document (README.md, docs/*.md) runs its examples in order in one fresh git
repository; the convention is described in ``tests/doc_examples.py``.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from doc_examples import (
    REPO,
    Block,
    Command,
    DocError,
    Sandbox,
    check_settings,
    doc_files,
    match_lines,
    parse,
)

from pytest_trace.settings import OPTIONS

FENCE = "```"


@pytest.mark.parametrize("path", doc_files(), ids=lambda path: str(path.relative_to(REPO)))
def test_doc_examples_run(path: Path, tmp_path: Path) -> None:
    name = str(path.relative_to(REPO))
    doc = parse(path.read_text(encoding="utf-8"), name)
    failure = ""
    try:
        Sandbox(doc, tmp_path / "project").run()
    except DocError as error:
        failure = str(error)
    if failure:
        pytest.fail(failure, pytrace=False)


# -- the options reference --------------------------------------------------------


def _option_rows() -> dict[str, list[str]]:
    """The rows of docs/options.md's tables, by the flag in their first cell."""
    rows: dict[str, list[str]] = {}
    for line in (REPO / "docs" / "options.md").read_text(encoding="utf-8").splitlines():
        # (a pipe escaped as \| is part of its cell, as Markdown renders it)
        cells = [cell.strip() for cell in re.split(r"(?<!\\)\|", line.strip().strip("|"))]
        flag = re.match(r"`(--trace-[a-z-]+)", cells[0]) if line.startswith("|") else None
        if flag:
            rows[flag.group(1)] = cells
    return rows


def _parses_as(option_parse: object, text: str) -> tuple[bool, object]:
    try:
        return True, option_parse(text)  # type: ignore[operator]
    except Exception:
        return False, None


def test_every_option_is_documented_with_its_ini_key_and_default() -> None:
    rows = _option_rows()
    assert "--trace-optimize" in rows, "docs/options.md has no row for --trace-optimize"
    assert rows["--trace-optimize"][2] == "off"
    for option in OPTIONS:
        assert option.flag in rows, f"docs/options.md has no row for {option.flag}"
        _, ini, default = rows[option.flag][:3]
        assert f"`{option.ini}`" in ini, f"{option.flag}: the ini key cell should be {option.ini}"
        assert default, f"{option.flag}: no default documented"
        if option.default is None:
            continue  # no value: the cell says in words what happens
        # A default written as a value must be the real one; one in words (a default that
        # depends on the machine) must not be a value the option would take.
        literal, value = _parses_as(option.parse, default.strip("`"))
        assert not literal or value == option.default, (
            f"{option.flag}: docs/options.md says the default is {default}, "
            f"the code says {option.default!r}"
        )


def test_options_doc_lists_no_option_that_does_not_exist() -> None:
    known = {option.flag for option in OPTIONS} | {"--trace-optimize"}
    assert set(_option_rows()) - known == set()


def test_the_json_report_example_uses_the_reports_own_fields() -> None:
    import json

    from pytest_trace.model import Step
    from pytest_trace.reports.run import GroupReport, RunReport, to_json

    text = (REPO / "docs" / "architecture.md").read_text(encoding="utf-8")
    example = json.loads(
        text.split("## The JSON report", 1)[1].split("```json\n")[1].split("```")[0]
    )
    group = GroupReport(tests=["t"], parameters=["p"], status="fixed", steps=[Step(1, 1, 1, 1)])
    real = to_json(RunReport(groups=[group]))
    assert set(example) <= set(real)
    assert set(example["groups"][0]) <= set(real["groups"][0])
    assert set(example["groups"][0]["convergence"][0]) == set(real["groups"][0]["convergence"][0])


def test_the_docs_index_links_every_document() -> None:
    index = (REPO / "docs" / "index.md").read_text(encoding="utf-8")
    for path in sorted((REPO / "docs").glob("*.md")):
        if path.name != "index.md":
            assert f"({path.name})" in index, f"docs/index.md does not link {path.name}"


# -- the convention's parser --------------------------------------------------------


def test_runnable_blocks_are_found_with_their_line_and_directives() -> None:
    text = "\n".join(
        [
            "<!-- example: project=thermo -->",  # 1
            "# Title",
            f"{FENCE}python",  # 3
            "print(1)",
            FENCE,
            "<!-- example: file=conftest.py -->",
            f"{FENCE}python",  # 7
            "X = 1",
            FENCE,
            f"{FENCE}text",
            "not run",
            FENCE,
            "<!-- example: llm=sample_projects/scripted/pricing.json -->",
            f"{FENCE}console",  # 14
            "$ pytest",
            FENCE,
            "<!-- example: skip needs a paid endpoint -->",
            f"{FENCE}toml",  # 18
            "x = 1",
            FENCE,
        ]
    )
    doc = parse(text, "doc.md")
    assert doc.project == "thermo"
    assert [(b.kind, b.line, b.file, b.llm, b.skip) for b in doc.blocks] == [
        ("python", 3, None, None, None),
        ("python", 7, "conftest.py", None, None),
        ("console", 14, None, "sample_projects/scripted/pricing.json", None),
        ("toml", 18, None, None, "needs a paid endpoint"),
    ]
    assert doc.blocks[0].body == "print(1)\n"


def test_a_doc_without_project_runs_in_an_empty_repository() -> None:
    assert parse(f"{FENCE}python\npass\n{FENCE}\n").project is None


def test_blocks_indented_in_a_list_are_dedented() -> None:
    doc = parse(f"1. run:\n\n   {FENCE}console\n   $ echo hi\n   hi\n   {FENCE}\n")
    assert doc.blocks[0].commands() == [Command(4, "echo hi", ("hi",))]


def test_console_commands_carry_their_expected_lines() -> None:
    block = Block(
        "console",
        10,
        "$ first --flag \\\n    continued\nline one\n\nline *\n$ second\n",
    )
    assert block.commands() == [
        Command(11, "first --flag \n    continued", ("line one", "line *")),
        Command(16, "second", ()),
    ]


def test_a_console_block_without_commands_runs_nothing() -> None:
    assert Block("console", 1, "pip install pytest-trace\n").commands() == []


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("<!-- example: frobnicate=1 -->\n", "unknown example directive"),
        ("<!-- example: skip -->\n```python\n```\n", "needs a reason"),
        ("<!-- example: file=a.py -->\n\n```python\n```\n", "not followed by a fence"),
        ("<!-- example: file=a.py -->\ntext\n", "not followed by a fence"),
        ("```python\nprint(1)\n", "never closed"),
        ("```python\n```\n<!-- example: project=thermo -->\n", "before the first example"),
        ("<!-- example: file=a.sh -->\n```console\n$ ls\n```\n", "`file=` applies to"),
        ("<!-- example: llm=x.json -->\n```python\n```\n", "`llm=` applies to console"),
        ("<!-- example: file=a.txt -->\n```text\n```\n", "never runs"),
    ],
)
def test_a_broken_convention_is_reported_with_its_line(text: str, message: str) -> None:
    with pytest.raises(DocError, match=re.escape(message)) as error:
        parse(text, "bad.md")
    assert str(error.value).startswith("bad.md:")


def test_expected_lines_match_in_order_with_wildcards() -> None:
    output = "one\nFIXED: a.b (2 tests)\n  1 iteration, 3.4 s\nlast [100%]\n"
    assert match_lines(output, ("FIXED: a.b (2 tests)", "  1 iteration, * s")) is None
    assert match_lines(output, ("last [100%]",)) is None  # literal equality first
    assert match_lines(output, ("*iteration*", "FIXED*")) == 1  # order matters
    assert match_lines(output, ("one", "two")) == 1
    assert match_lines("", ()) is None


def test_ini_and_toml_settings_must_be_known_and_valid() -> None:
    check_settings({"tool": {"pytest": {"ini_options": {"trace_timeout": 5}}}}, "x")
    with pytest.raises(DocError, match="unknown ini key trace_bogus"):
        check_settings({"pytest": {"trace_bogus": "1"}}, "x")
    with pytest.raises(DocError, match="trace_max_iterations = '0'"):
        check_settings({"pytest": {"trace_max_iterations": "0"}}, "x")


def _run(text: str, tmp_path: Path) -> None:
    Sandbox(parse(text, "t.md"), tmp_path / "p", timeout=30).run()


def test_examples_run_in_order_in_one_repository(tmp_path: Path) -> None:
    _run(
        "<!-- example: file=data/hello.txt -->\n"
        f"{FENCE}python\nhello\n{FENCE}\n"
        f"{FENCE}python\nimport pathlib\nassert pathlib.Path('data/hello.txt').exists()\n{FENCE}\n"
        f"{FENCE}console\n$ cat data/hello.txt\nhello\n$ git log --format=%an\nDoc Example\n"
        f"$ env | grep -c ^OPENAI_ || true\n0\n{FENCE}\n",
        tmp_path,
    )


def test_a_failing_expectation_names_the_doc_line_command_and_output(tmp_path: Path) -> None:
    text = f"intro\n\n{FENCE}console\n$ echo found; echo other\nfound\nnot there\n{FENCE}\n"
    with pytest.raises(DocError) as error:
        _run(text, tmp_path)
    message = str(error.value)
    assert message.startswith("t.md:4: the output of the command does not match")
    assert "$ echo found; echo other" in message
    assert "ok   found" in message
    assert "MISSING not there" in message
    assert "actual output (exit status 0):\n    found\n    other" in message


def test_a_failing_python_example_is_reported(tmp_path: Path) -> None:
    with pytest.raises(DocError, match=r"t.md:1: python example exited with status 1"):
        _run(f"{FENCE}python\nraise SystemExit('broken example')\n{FENCE}\n", tmp_path)


def test_a_scripted_llm_answers_the_commands_of_its_block(tmp_path: Path) -> None:
    answers = Path("sample_projects/scripted/pricing.json")
    request = (
        "import openai; c = openai.OpenAI(); "
        "print(c.chat.completions.create(model='m', messages=[]).choices[0].message.content)"
    )
    _run(
        f"<!-- example: llm={answers} -->\n{FENCE}console\n"
        f'$ python -c "{request}"\n*apply_discount should subtract*\n{FENCE}\n',
        tmp_path,
    )


def test_a_skipped_block_does_not_run(tmp_path: Path) -> None:
    _run(
        f"<!-- example: skip needs a paid key -->\n{FENCE}python\nraise SystemExit(1)\n{FENCE}\n",
        tmp_path,
    )


def test_a_file_outside_the_project_is_refused(tmp_path: Path) -> None:
    with pytest.raises(DocError, match=r"t.md:2: file=../escape.py is outside the project"):
        _run(f"<!-- example: file=../escape.py -->\n{FENCE}python\nx = 1\n{FENCE}\n", tmp_path)
    assert not (tmp_path / "escape.py").exists()
