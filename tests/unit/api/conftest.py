"""The API in process: a real SQLite file, real keys, FastAPI's TestClient."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi.testclient import TestClient

from adapters.access.roles import Role
from adapters.api.app import create_app
from adapters.api.context import ApiContext, open_context
from adapters.storage.database import parse_database_url
from tests.unit.api.bodies import MAILGUN_KEY

TENANT = "acme"
OTHER_TENANT = "globex"


@dataclass
class Api:
    """A client of the API with a token per role of ``acme``, and an admin and an ingest
    key of ``globex``."""

    client: TestClient
    context: ApiContext
    tokens: dict[str, str]

    def call(
        self, method: str, path: str, *, key: str | None = "admin", **kwargs: Any
    ) -> httpx.Response:
        """A request with the token of ``key`` (a role, or "other_admin", "other_ingest";
        None: no token)."""
        headers = dict(kwargs.pop("headers", {}) or {})
        if key is not None:
            headers["Authorization"] = f"Bearer {self.tokens[key]}"
        response: httpx.Response = self.client.request(method, path, headers=headers, **kwargs)
        return response

    def get(self, path: str, *, key: str | None = "admin", **kwargs: Any) -> httpx.Response:
        return self.call("GET", path, key=key, **kwargs)

    def post(self, path: str, *, key: str | None = "admin", **kwargs: Any) -> httpx.Response:
        return self.call("POST", path, key=key, **kwargs)

    def event_count(self) -> int:
        """Events stored in the ledger, over every message."""
        ledger = self.context.ledger
        return sum(len(ledger.get_history(i)) for i in ledger.message_ids())


@contextmanager
def running_api(path: Path, **options: Any) -> Iterator[Api]:
    """The API on a SQLite file at ``path``, its context opened with ``options``."""
    database = parse_database_url(f"sqlite:///{path}")
    context = open_context(database, {"MAILLEDGER_MAILGUN_SIGNING_KEY": MAILGUN_KEY}, **options)
    tokens = {role.value: context.keys.create(TENANT, role, f"{role} key").secret for role in Role}
    tokens["other_admin"] = context.keys.create(OTHER_TENANT, Role.ADMIN).secret
    tokens["other_ingest"] = context.keys.create(OTHER_TENANT, Role.INGEST).secret
    try:
        with TestClient(create_app(context, follow=False), raise_server_exceptions=False) as client:
            yield Api(client, context, tokens)
    finally:
        context.close()


@pytest.fixture
def api(tmp_path: Path) -> Iterator[Api]:
    with running_api(tmp_path / "api.sqlite") as running:
        yield running
