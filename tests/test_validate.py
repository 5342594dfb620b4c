"""``--trace-validate reached``: the validation of a fix runs only the tests that may
reach the changed code, and the commit says so."""

from __future__ import annotations

from conftest import Project, git


def _sign_error(project: Project) -> None:
    cart = project.path / "pricing" / "cart.py"
    cart.write_text(
        cart.read_text().replace(
            "    return price * percent / 100\n", "    return price * (100 + percent) / 100\n"
        )
    )
    (project.path / "tests" / "test_unrelated.py").write_text(
        "".join(f"def test_unrelated_{n}():\n    assert {n} + 1 == {n + 1}\n\n" for n in range(6))
    )
    git(project.path, "add", "-A")
    git(project.path, "commit", "-qm", "a sign error, and tests that reach no trainable")


def test_validation_of_the_reached_tests_only_is_said_in_the_commit(project: Project) -> None:
    _sign_error(project)

    result = project.run("--trace-validate=reached")

    result.stdout.fnmatch_lines(["FIXED: *"])
    message = git(project.path, "log", "-1", "--format=%B", "trace-fix/apply_discount")
    [line] = [line for line in message.splitlines() if line.startswith("Regression run:")]
    run, suite = (int(word) for word in line.split()[2:5:2])
    assert run < suite and suite - run >= 6  # the unrelated tests were not run
    assert "--trace-validate reached" in line


def test_by_default_the_whole_suite_validates_a_fix(project: Project) -> None:
    _sign_error(project)

    result = project.run()

    result.stdout.fnmatch_lines(["FIXED: *"])
    message = git(project.path, "log", "-1", "--format=%B", "trace-fix/apply_discount")
    assert (
        "Regression run: " in message
        and " of " not in message.split("Regression run:")[1].splitlines()[0]
    )


def test_an_unknown_validation_is_a_usage_error(project: Project) -> None:
    result = project.run("--trace-validate=some")
    assert result.ret == 4
    result.stderr.fnmatch_lines(["*--trace-validate*'some' is not one of all, reached*"])
