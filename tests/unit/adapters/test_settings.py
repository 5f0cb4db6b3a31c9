"""Settings: read from MAILLEDGER_* once, options over the environment, one line per mistake."""

from __future__ import annotations

import ast
import importlib
import pkgutil
from pathlib import Path

import pytest

import adapters.verification
from adapters.errors import SettingError
from adapters.settings import VERIFICATION_FIELDS, Settings, load_settings, variable
from adapters.verification.registry import VARIABLES, configured_verifiers

ROOT = Path(__file__).resolve().parents[3]


def test_every_field_comes_from_its_variable(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MAILLEDGER_DATABASE_URL", "sqlite:///elsewhere.sqlite")
    monkeypatch.setenv("MAILLEDGER_KAFKA_PARTITIONS", "12")
    monkeypatch.setenv("MAILLEDGER_LOG_LEVEL", "INFO")

    settings = load_settings()

    assert settings.database_url == "sqlite:///elsewhere.sqlite"
    assert settings.kafka_partitions == 12
    assert settings.log_level == "info"


def test_an_option_given_overrides_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MAILLEDGER_DATABASE_URL", "sqlite:///from-env.sqlite")

    settings = load_settings(database_url="sqlite:///from-option.sqlite", log_level=None)

    assert settings.database_url == "sqlite:///from-option.sqlite"
    assert settings.log_level is None, "an option not given leaves the field alone"
    assert settings.overridden(kafka_group_id="g2").kafka_group_id == "g2"
    assert settings.overridden(kafka_group_id=None) is settings


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("MAILLEDGER_KAFKA_PARTITIONS", "six"),
        ("MAILLEDGER_KAFKA_PARTITIONS", "0"),
        ("MAILLEDGER_LOG_LEVEL", "loud"),
        ("MAILLEDGER_SIGNALS_ALLOWED_NETWORKS", "10.0.0.0/8,intranet"),
        ("MAILLEDGER_SIGNALS_DELIVERY_TIMEOUT", "0"),
        ("MAILLEDGER_SIGNALS_ALLOW_HTTP_LOOPBACK", "sometimes"),
    ],
)
def test_a_malformed_setting_is_one_line_naming_its_variable(
    monkeypatch: pytest.MonkeyPatch, name: str, value: str
) -> None:
    monkeypatch.setenv(name, value)

    with pytest.raises(SettingError) as caught:
        load_settings()

    assert caught.value.variable == name
    assert str(caught.value).startswith(f"{name}: ")
    assert len(str(caught.value).splitlines()) == 1


def test_the_signal_settings_make_the_url_policy(monkeypatch: pytest.MonkeyPatch) -> None:
    strict = load_settings()
    assert strict.signals_topic == "mailledger.signals"
    assert strict.url_policy().allow_http_loopback is False
    assert strict.url_policy().allowed_networks == ()
    monkeypatch.setenv("MAILLEDGER_SIGNALS_ALLOW_HTTP_LOOPBACK", "1")
    monkeypatch.setenv("MAILLEDGER_SIGNALS_ALLOWED_NETWORKS", "10.1.0.0/16, fd00::/8")
    monkeypatch.setenv("MAILLEDGER_SIGNALS_TOPIC", "acme.signals")

    settings = load_settings()

    policy = settings.url_policy()
    assert policy.allow_http_loopback is True
    assert [str(n) for n in policy.allowed_networks] == ["10.1.0.0/16", "fd00::/8"]
    assert settings.signals_topic == "acme.signals"


def test_a_blank_variable_is_unset(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MAILLEDGER_MAILGUN_SIGNING_KEY", "   ")
    monkeypatch.setenv("MAILLEDGER_KAFKA_BOOTSTRAP_SERVERS", "")

    settings = load_settings()

    assert settings.mailgun_signing_key is None
    assert settings.kafka(required=False) is None
    with pytest.raises(SettingError, match="MAILLEDGER_KAFKA_BOOTSTRAP_SERVERS: not set"):
        settings.kafka()


def test_secrets_stay_out_of_every_repr(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MAILLEDGER_MAILGUN_SIGNING_KEY", "key-very-secret")
    monkeypatch.setenv("MAILLEDGER_BREVO_WEBHOOK_PASSWORD", "pass-very-secret")

    settings = load_settings()

    assert "very-secret" not in repr(settings)
    assert "very-secret" not in str(settings.model_dump())
    assert settings.verification()["MAILLEDGER_MAILGUN_SIGNING_KEY"] == "key-very-secret"


def test_each_verifier_variable_is_declared_once_as_a_settings_field() -> None:
    variables = {name for names in VARIABLES.values() for name in names}
    constants = set()
    for module in pkgutil.iter_modules(adapters.verification.__path__):
        loaded = importlib.import_module(f"adapters.verification.{module.name}")
        constants |= {
            value
            for name, value in vars(loaded).items()
            if name.endswith("_VARIABLE") and isinstance(value, str)
        }

    assert constants == variables == {variable(field) for field in VERIFICATION_FIELDS}
    assert set(VERIFICATION_FIELDS) <= set(Settings.model_fields)


def test_only_providers_with_settings_get_a_verifier_and_a_half_set_one_is_refused() -> None:
    assert configured_verifiers({}) == {}
    assert set(configured_verifiers({"MAILLEDGER_MAILGUN_SIGNING_KEY": "k"})) == {"mailgun"}

    with pytest.raises(SettingError) as caught:
        configured_verifiers({"MAILLEDGER_BREVO_WEBHOOK_USERNAME": "hooks"})
    assert caught.value.variable == "MAILLEDGER_BREVO_WEBHOOK_PASSWORD"


def _reads_the_environment(path: Path) -> list[int]:
    lines = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Attribute) and node.attr in ("environ", "getenv"):
            lines.append(node.lineno)
        if isinstance(node, ast.keyword) and node.arg in ("envvar", "auto_envvar_prefix"):
            lines.append(node.lineno)
    return lines


def test_nothing_but_the_settings_module_reads_the_environment() -> None:
    readers = {
        f"{path.relative_to(ROOT)}:{line}"
        for package in ("domain", "projections", "adapters", "consumers")
        for path in (ROOT / package).rglob("*.py")
        if path != ROOT / "adapters" / "settings.py"
        for line in _reads_the_environment(path)
    }

    assert readers == set()
