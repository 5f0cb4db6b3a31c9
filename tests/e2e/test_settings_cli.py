"""A setting that is wrong stops the process at start, with one line naming the variable."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.e2e.test_cli import assert_one_line_error
from tests.unit.verification.test_ses import CERTIFICATE, CERTIFICATE_FILE, a_store

MAILLEDGER = str(Path(sys.executable).with_name("mailledger"))


def _run(
    tmp_path: Path, *args: str, env: dict[str, str], timeout: float = 60
) -> subprocess.CompletedProcess[str]:
    clean = {k: v for k, v in os.environ.items() if not k.startswith("MAILLEDGER_")}
    return subprocess.run(
        [MAILLEDGER, *args],
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
        cwd=tmp_path,
        env={**clean, **env},
    )


@pytest.mark.parametrize(
    ("variable", "value"),
    [("MAILLEDGER_KAFKA_PARTITIONS", "six"), ("MAILLEDGER_LOG_LEVEL", "loud")],
)
def test_a_malformed_variable_stops_any_command_naming_it(
    tmp_path: Path, variable: str, value: str
) -> None:
    result = _run(tmp_path, "messages", env={variable: value})

    assert_one_line_error(result, variable)
    assert result.stdout == ""
    assert list(tmp_path.iterdir()) == [], "nothing was opened or created"


def test_the_database_option_overrides_the_variable(tmp_path: Path) -> None:
    chosen = tmp_path / "chosen.sqlite"
    env = {"MAILLEDGER_DATABASE_URL": f"sqlite:///{tmp_path / 'missing-folder' / 'x.sqlite'}"}

    result = _run(tmp_path, "--database", f"sqlite:///{chosen}", "messages", env=env)

    assert result.returncode == 0, result.stderr
    assert chosen.exists()


def test_serve_refuses_to_start_with_a_verification_setting_it_cannot_use(
    tmp_path: Path,
) -> None:
    env = {
        "MAILLEDGER_DATABASE_URL": f"sqlite:///{tmp_path / 'ledger.sqlite'}",
        "MAILLEDGER_SES_CERTIFICATES": str(tmp_path / "no-such-folder"),
    }

    result = _run(tmp_path, "serve", "--port", "0", env=env)

    assert_one_line_error(result, "MAILLEDGER_SES_CERTIFICATES", "is not a folder")
    assert "api.listening" not in result.stderr


def test_serve_refuses_to_start_with_ses_on_and_no_topic_allow_list(tmp_path: Path) -> None:
    env = {
        "MAILLEDGER_DATABASE_URL": f"sqlite:///{tmp_path / 'ledger.sqlite'}",
        "MAILLEDGER_SES_CERTIFICATES": str(a_store(tmp_path, **{CERTIFICATE_FILE: CERTIFICATE})),
    }

    result = _run(tmp_path, "serve", "--port", "0", env=env)

    assert_one_line_error(result, "MAILLEDGER_SES_TOPIC_ARNS", "'any'")
    assert "api.listening" not in result.stderr


def test_consume_verify_refuses_to_start_with_half_a_credential(tmp_path: Path) -> None:
    env = {
        "MAILLEDGER_DATABASE_URL": f"sqlite:///{tmp_path / 'ledger.sqlite'}",
        "MAILLEDGER_BREVO_WEBHOOK_USERNAME": "hooks",
    }

    result = _run(tmp_path, "consume", "--verify", "--bootstrap-servers", "127.0.0.1:9", env=env)

    assert_one_line_error(result, "MAILLEDGER_BREVO_WEBHOOK_PASSWORD")
    assert not (tmp_path / "ledger.sqlite").exists(), "refused before opening anything"
