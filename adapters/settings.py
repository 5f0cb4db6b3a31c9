"""Every ``MAILLEDGER_*`` setting, typed, read once when a process starts.

Only the composition roots in ``consumers/`` build a ``Settings``; everything below them is
handed the object (or the part it needs). A command-line option overrides the field of the
same name. A setting that is malformed stops the process at start with one line naming the
variable, instead of failing on the first request or in the middle of a run.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from datetime import timedelta
from typing import Any, Literal

from pydantic import Field, SecretStr, ValidationError, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from adapters.api.connection_limits import (
    DEFAULT_HEADER_TIMEOUT,
    DEFAULT_KEEP_ALIVE_TIMEOUT,
    DEFAULT_MAX_CONNECTIONS,
    ConnectionLimits,
)
from adapters.errors import SettingError
from adapters.kafka.settings import (
    DEFAULT_DEAD_LETTER_TOPIC,
    DEFAULT_GROUP_ID,
    DEFAULT_MESSAGES_TOPIC,
    DEFAULT_PARTITIONS,
    DEFAULT_PROVIDER_EVENTS_TOPIC,
    KafkaSettings,
)
from adapters.signals.delivery import DEFAULT_TIMEOUT
from adapters.signals.urls import UrlPolicy, parse_networks
from adapters.storage.database import DEFAULT_DATABASE_URL
from adapters.storage.tenant_policies import PolicyDefaults
from domain.address import MIN_KEY_BYTES
from domain.errors import InvalidObservationError
from domain.identity import check_tenant
from domain.suppression import DEFAULT_SOFT_FAILURES, DEFAULT_WINDOW, SuppressionPolicy

PREFIX = "MAILLEDGER_"

DEFAULT_SIGNALS_TOPIC = "mailledger.signals"

LogLevel = Literal["debug", "info", "warning", "error"]

VERIFICATION_FIELDS = (
    "brevo_webhook_username",
    "brevo_webhook_password",
    "brevo_webhook_token",
    "mailgun_signing_key",
    "mailgun_max_age",
    "postmark_webhook_username",
    "postmark_webhook_password",
    "sendgrid_verification_key",
    "sendgrid_max_age",
    "ses_certificates",
    "ses_topic_arns",
    "ses_max_age",
    "sparkpost_webhook_username",
    "sparkpost_webhook_password",
    "sparkpost_webhook_token",
)
"""The fields each provider's verifier reads (see docs/providers.md), by its variable name."""


class Settings(BaseSettings):
    """The process's settings: ``MAILLEDGER_<FIELD>`` in the environment, or an option."""

    model_config = SettingsConfigDict(
        env_prefix=PREFIX, env_ignore_empty=True, extra="ignore", frozen=True
    )

    database_url: str = DEFAULT_DATABASE_URL
    log_level: LogLevel | None = None
    """None: the command's own default (info for long-running processes, else warning)."""
    default_tenant: str | None = None
    """The tenant of an installation that serves one: what ``ingest``, ``publish`` and the
    consumer take when no ``--tenant`` (or envelope) names one. Never guessed from a body."""

    http_header_timeout: float = Field(default=DEFAULT_HEADER_TIMEOUT, gt=0, le=3600)
    http_keep_alive_timeout: int = Field(default=DEFAULT_KEEP_ALIVE_TIMEOUT, ge=1, le=3600)
    http_max_connections: int = Field(default=DEFAULT_MAX_CONNECTIONS, ge=1, le=1_000_000)

    kafka_bootstrap_servers: str | None = None
    kafka_provider_events_topic: str = DEFAULT_PROVIDER_EVENTS_TOPIC
    kafka_messages_topic: str = DEFAULT_MESSAGES_TOPIC
    kafka_dead_letter_topic: str = DEFAULT_DEAD_LETTER_TOPIC
    kafka_partitions: int = Field(default=DEFAULT_PARTITIONS, ge=1)
    kafka_group_id: str = DEFAULT_GROUP_ID
    kafka_instance_id: str | None = None

    signals_allow_http_loopback: bool = False
    """Webhook subscriptions to loopback receivers (plain http to them too): local ones, tests."""
    signals_allowed_networks: str | None = None
    """Internal networks webhook subscriptions may reach after all: ``10.1.0.0/16, fd00::/8``."""
    signals_topic: str = DEFAULT_SIGNALS_TOPIC
    signals_delivery_timeout: float = Field(default=DEFAULT_TIMEOUT, gt=0, le=120)
    signals_interval: float = Field(default=1.0, gt=0, le=3600)
    """Seconds between two steps of the signal senders."""
    address_key: SecretStr | None = None
    """Hexadecimal; by default the key is made once and kept in the database."""
    suppress_after_soft_failures: int = Field(default=DEFAULT_SOFT_FAILURES, ge=1, le=1000)
    suppress_window_days: float = Field(default=DEFAULT_WINDOW.days, gt=0, le=3650)
    suppress_on_block: bool = False
    suppression_expiry_days: float | None = Field(default=None, gt=0, le=36500)

    # Secrets are SecretStr so that no repr, log line or error message shows them.
    brevo_webhook_username: str | None = None
    brevo_webhook_password: SecretStr | None = None
    brevo_webhook_token: SecretStr | None = None
    mailgun_signing_key: SecretStr | None = None
    mailgun_max_age: str | None = None
    postmark_webhook_username: str | None = None
    postmark_webhook_password: SecretStr | None = None
    sendgrid_verification_key: SecretStr | None = None
    sendgrid_max_age: str | None = None
    ses_certificates: str | None = None
    ses_topic_arns: str | None = None
    ses_max_age: str | None = None
    sparkpost_webhook_username: str | None = None
    sparkpost_webhook_password: SecretStr | None = None
    sparkpost_webhook_token: SecretStr | None = None

    @field_validator("log_level", mode="before")
    @classmethod
    def _any_case(cls, value: Any) -> Any:
        return value.strip().lower() if isinstance(value, str) else value

    @field_validator("signals_allowed_networks")
    @classmethod
    def _networks(cls, value: str | None) -> str | None:
        parse_networks(value)
        return value

    @field_validator("address_key")
    @classmethod
    def _a_key(cls, value: SecretStr | None) -> SecretStr | None:
        if value is not None:
            text = value.get_secret_value().strip()
            try:
                key = bytes.fromhex(text)
            except ValueError:
                raise ValueError("must be hexadecimal") from None
            if len(key) < MIN_KEY_BYTES:
                raise ValueError(f"must be at least {2 * MIN_KEY_BYTES} hexadecimal digits")
        return value

    @field_validator("default_tenant")
    @classmethod
    def _a_tenant(cls, value: str | None) -> str | None:
        if value is not None:
            try:
                check_tenant(value)
            except InvalidObservationError as error:
                raise ValueError(error.problem) from None
        return value

    @field_validator(
        "kafka_bootstrap_servers",
        "kafka_instance_id",
        "default_tenant",
        "signals_allowed_networks",
        "address_key",
        *VERIFICATION_FIELDS,
        mode="before",
    )
    @classmethod
    def _blank_is_unset(cls, value: Any) -> Any:
        # A variable set to spaces is as good as unset, as an empty one is.
        return None if isinstance(value, str) and not value.strip() else value

    def verification(self) -> dict[str, str]:
        """The verifiers' settings that are set, by variable name, as the verifiers read them."""
        values: dict[str, str] = {}
        for name in VERIFICATION_FIELDS:
            value = getattr(self, name)
            if value is not None:
                secret = value.get_secret_value() if isinstance(value, SecretStr) else value
                values[variable(name)] = secret
        return values

    def suppression_policy(self) -> SuppressionPolicy:
        """The installation's suppression rules: every tenant's, unless it set its own."""
        expiry = self.suppression_expiry_days
        return SuppressionPolicy(
            soft_failures=self.suppress_after_soft_failures,
            window=timedelta(days=self.suppress_window_days),
            suppress_on_block=self.suppress_on_block,
            expiry=timedelta(days=expiry) if expiry is not None else None,
        )

    def policy_defaults(self) -> PolicyDefaults:
        """The installation's suppression rules and address key, for the read side."""
        return PolicyDefaults(self.suppression_policy(), self.address_key_bytes())

    def address_key_bytes(self) -> bytes | None:
        """The configured address key, or None (the database keeps one)."""
        if self.address_key is None:
            return None
        return bytes.fromhex(self.address_key.get_secret_value().strip())  # checked above

    def connection_limits(self) -> ConnectionLimits:
        """The HTTP server's header and keep-alive timeouts and its connection limit."""
        return ConnectionLimits(
            header_timeout=self.http_header_timeout,
            keep_alive_timeout=self.http_keep_alive_timeout,
            max_connections=self.http_max_connections,
        )

    def url_policy(self) -> UrlPolicy:
        """Where webhook subscriptions may send signals."""
        return UrlPolicy(
            allow_http_loopback=self.signals_allow_http_loopback,
            allowed_networks=parse_networks(self.signals_allowed_networks),
        )

    def kafka(self, *, required: bool = True) -> KafkaSettings | None:
        """The broker and topics; None when no bootstrap servers are set and none are
        ``required``, else SettingError naming the variable."""
        servers = self.kafka_bootstrap_servers
        if servers is None:  # blank counts as unset (see _blank_is_unset)
            if not required:
                return None
            raise SettingError(
                variable("kafka_bootstrap_servers"),
                "not set; set it (or --bootstrap-servers) to the Kafka brokers, HOST:PORT[,…]",
            )
        return KafkaSettings(
            bootstrap_servers=servers,
            provider_events_topic=self.kafka_provider_events_topic,
            messages_topic=self.kafka_messages_topic,
            dead_letter_topic=self.kafka_dead_letter_topic,
            partitions=self.kafka_partitions,
        )

    def overridden(self, **options: Any) -> Settings:
        """These settings with the options that were given (not None) in place of fields."""
        given = {name: value for name, value in options.items() if value is not None}
        if not given:
            return self
        return load_settings(**{**self.model_dump(), **given})


def variable(field: str) -> str:
    """The environment variable of a field: ``MAILLEDGER_`` and its name in capitals."""
    return f"{PREFIX}{field.upper()}"


def load_settings(**options: Any) -> Settings:
    """The environment's settings with ``options`` (those not None) in their place.

    The first malformed setting raises SettingError naming its variable.
    """
    given = {name: value for name, value in options.items() if value is not None}
    try:
        return Settings(**given)
    except ValidationError as error:
        first = error.errors(include_url=False)[0]
        field = str(first["loc"][0]) if first["loc"] else "settings"
        raise SettingError(variable(field), str(first["msg"])) from None


def child_environment(overrides: Mapping[str, str]) -> dict[str, str]:
    """This process's environment with ``overrides``, for a child process it starts.

    A URL with a password goes to a child this way rather than on its command line, where
    any user of the machine could read it.
    """
    return {**os.environ, **overrides}
