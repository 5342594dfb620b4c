"""Secrets stay home: values of secret-looking environment variables and of .env files are
redacted from prompts, reports, records and commit messages."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

import pytest
from conftest import Project, answer, git

from pytest_trace.llm.client import Completion
from pytest_trace.text.redact import RedactingLLM, Redactor, looks_secret, read_env_file

AWS = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"


@pytest.mark.parametrize(
    "name",
    [
        "AWS_SECRET_ACCESS_KEY",
        "OPENAI_API_KEY",
        "GITHUB_TOKEN",
        "DB_PASSWORD",
        "MYSQL_PWD",
        "SMTP_PASSWD",
        "GOOGLE_APPLICATION_CREDENTIALS_JSON",
        "BASIC_AUTH",
        "PRIVATE_KEY",
        "stripe_apikey",
        "SlackToken",
    ],
)
def test_secret_looking_names(name: str) -> None:
    assert looks_secret(name)


@pytest.mark.parametrize(
    "name",
    ["PATH", "HOME", "PWD", "GIT_AUTHOR_NAME", "SSH_AUTH_SOCK", "KEYRING_PATH", "LANG", "USER"],
)
def test_ordinary_names(name: str) -> None:
    assert not looks_secret(name)


def test_environment_values_are_redacted_short_ones_and_ordinary_names_not() -> None:
    redactor = Redactor.from_environment(
        {"AWS_SECRET_ACCESS_KEY": AWS, "API_KEY": "abc", "HOME": "/home/someone-long"}
    )
    text = f"key={AWS!r} short=abc home=/home/someone-long"
    assert (
        redactor(text)
        == "key='[redacted $AWS_SECRET_ACCESS_KEY]' short=abc home=/home/someone-long"
    )


def test_json_and_repr_forms_are_redacted_too() -> None:
    value = 'pa"ss\\word-42'
    redactor = Redactor.from_environment({"DB_PASSWORD": value})
    assert "pa" not in redactor(json.dumps({"v": value})).replace("[redacted $DB_PASSWORD]", "")
    assert redactor(repr(value)) == "'[redacted $DB_PASSWORD]'"


def test_env_files_of_the_root_are_read(tmp_path: Path) -> None:
    (tmp_path / ".env").write_text(
        "# a comment\n"
        "export SERVICE_URL='https://u:Hunter2x@svc.example'\n"
        'STRIPE_KEY="sk_live_123456"  \n'
        "HOST=localhost\n"
        "DEBUG=true\n"
        "NOTE=plain words here # not a secret\n"
    )
    (tmp_path / ".env.local").write_text("LOCAL_TOKEN=tok-987654\n")
    (tmp_path / ".env.example").write_text("STRIPE_KEY=sk_live_placeholder\n")
    assert read_env_file(tmp_path / ".env")["NOTE"] == "plain words here"
    redactor = Redactor.from_environment({}, [tmp_path])
    text = (
        "https://u:Hunter2x@svc.example sk_live_123456 tok-987654 localhost true "
        "sk_live_placeholder"
    )
    assert redactor(text) == (
        "[redacted $SERVICE_URL] [redacted $STRIPE_KEY] [redacted $LOCAL_TOKEN] localhost true "
        "sk_live_placeholder"
    )


@dataclass(frozen=True)
class Inner:
    nodeid: str
    feedback: str


def test_scrubbed_copies_data_and_keeps_names() -> None:
    redactor = Redactor.from_environment({"GITHUB_TOKEN": "ghp_abcdef123"})
    data = {"nodeid": "t::ghp_abcdef123", "items": [Inner("x::ghp_abcdef123", "got ghp_abcdef123")]}
    scrubbed = redactor.scrubbed(data, frozenset({"nodeid"}))
    assert scrubbed == {
        "nodeid": "t::ghp_abcdef123",
        "items": [Inner("x::ghp_abcdef123", "got [redacted $GITHUB_TOKEN]")],
    }
    assert data["items"][0].feedback == "got ghp_abcdef123"  # a copy


def test_the_llm_never_sees_a_secret() -> None:
    seen: list[tuple[str, str]] = []

    class Recording:
        def complete(self, system: str, user: str) -> Completion:
            seen.append((system, user))
            return Completion("answer")

    redactor = Redactor.from_environment({"GITHUB_TOKEN": "ghp_abcdef123"})
    RedactingLLM(Recording(), redactor).complete("sys ghp_abcdef123", "user ghp_abcdef123")
    assert seen == [("sys [redacted $GITHUB_TOKEN]", "user [redacted $GITHUB_TOKEN]")]


# --- end to end ---------------------------------------------------------------------------

SERVICE_URL = "https://user:Sup3rS3cret@billing.internal"
SIGNING = (
    "import os\n\n"
    "from pytest_trace import trainable\n\n\n"
    "@trainable\n"
    "def sign(message: str) -> str:\n"
    "    key = os.environ['AWS_SECRET_ACCESS_KEY']\n"
    "    url = os.environ['SERVICE_URL']\n"
    "    return f'{message.upper()}:{len(key) + len(url)}'\n"
)
SIGN_FIX = (
    "def sign(message: str) -> str:\n"
    "    key = os.environ['AWS_SECRET_ACCESS_KEY']\n"
    "    url = os.environ['SERVICE_URL']\n"
    "    return f'{message.lower()}:{len(key) + len(url)}'\n"
)


def test_secrets_in_the_trace_never_leave_home(project: Project, llm, monkeypatch) -> None:
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", AWS)
    monkeypatch.setenv("SERVICE_URL", SERVICE_URL)  # loaded from .env, as dotenv would
    (project.path / ".gitignore").write_text(".env\n")
    (project.path / ".env").write_text(f"SERVICE_URL={SERVICE_URL}\n")
    (project.path / "pricing" / "signing.py").write_text(SIGNING)
    expected = len(AWS) + len(SERVICE_URL)
    (project.path / "tests" / "test_signing.py").write_text(
        "from pricing.signing import sign\n\n\n"
        f"def test_sign():\n    assert sign('Hi') == 'hi:{expected}'\n"
    )
    git(project.path, "add", "-A")
    git(project.path, "commit", "-qm", "signing")
    server = llm([answer({"pricing.signing.sign": SIGN_FIX})], repeat_last=True)
    markdown = project.path.parent / "report.md"

    result = project.run("-k", "sign", f"--trace-report-md={markdown}")

    result.stdout.fnmatch_lines(["FIXED: pricing.signing.sign (1 test)"])
    prompt = server.requests[0]["messages"][-1]["content"]
    assert "[redacted $AWS_SECRET_ACCESS_KEY]" in prompt  # the local `key` was traced
    assert "[redacted $SERVICE_URL]" in prompt
    record_ref = project.report()["groups"][0]["record"]
    places = {
        "prompts": json.dumps(server.requests),
        "stdout": result.stdout.str(),
        "report": project.report_path.read_text(),
        "markdown": markdown.read_text(),
        "commit": git(project.path, "log", "-1", "--format=%B", "trace-fix/sign"),
        "record": git(project.path, "show", f"{record_ref}:record.json"),
    }
    for place, text in places.items():
        assert AWS not in text and AWS.replace("/", "\\/") not in text, place
        assert "Sup3rS3cret" not in text, place
