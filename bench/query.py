"""``python -m bench query``: rebuilding the read models, and reading them through the API.

Everything happens in a scratch schema of the PostgreSQL given, dropped afterwards:

* **load**: N realistic messages built by the domain and written to the event log by COPY
  (``query_load``), a few thousand messages per transaction;
* **rebuild**: every read model dropped and replayed from the whole log, one after the
  other, each timed; the baseline is reading and decoding the same log without writing
  anything (``select_notifications`` and ``mapper.to_domain_event``), in the same run;
* **serve and query**: ``mailledger serve --port 0`` started as a process of its own, an
  admin key issued for one tenant, and one keep-alive client sending every kind of read
  (lists filtered every way the API offers, a page 2, a message's detail, a dossier's
  history) after a warm-up, the kinds interleaved, each answer required to be 200; the
  health check, which touches no database, is the baseline.
"""

from __future__ import annotations

import json
import os
import random
import re
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import unquote

import click
from eventsourcing.postgres import PostgresAggregateRecorder
from psycopg import sql

from adapters.access.keys import KeyStore
from adapters.access.roles import Role
from adapters.access.sessions import SessionStore
from adapters.access.users import UserStore
from adapters.console.signing_in import SESSION_COOKIE
from adapters.errors import first_line
from adapters.settings import child_environment, variable
from adapters.storage.database import (
    DATABASE_ERRORS,
    Database,
    open_ledger,
    redact,
)
from adapters.storage.read_side import open_read_side
from bench.progress import PhaseProgress, announce
from bench.query_load import Workload, load
from bench.query_report import (
    Latencies,
    QueryBenchFigures,
    QueryFigures,
    Rebuild,
    RebuildFigures,
    Sizes,
    format_figures,
    format_targets,
)
from bench.scratch import connect, postgres_scratch, required_postgres_url
from domain.ledger import Ledger
from projections.catalogue import READ_MODELS

if TYPE_CHECKING:
    # Imported when the command runs: httpx is not a dependency of the rest of mailledger,
    # and every command line loads this module.
    import httpx

MAILLEDGER = str(Path(sys.executable).with_name("mailledger"))
"""The console script installed next to this interpreter."""

START_TIMEOUT_SECONDS = 120.0
"""How long the server may take to log ``api.listening`` and answer its health check."""

PAGE_LIMIT = 50
"""Rows per page of every list request (the API's default)."""

_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


class BenchFailedError(RuntimeError):
    """A real failure of the run: the server, a request, or the data it wrote."""


@click.command("query")
@click.option(
    "-n",
    "--messages",
    type=click.IntRange(min=1000),
    default=1_000_000,
    show_default=True,
    help="Messages to load into the event log.",
)
@click.option(
    "--recipients",
    type=click.IntRange(min=1, max=50),
    default=3,
    show_default=True,
    help="Recipients of each message.",
)
@click.option(
    "--requests",
    type=click.IntRange(min=1),
    default=1000,
    show_default=True,
    help="Timed requests of each kind.",
)
@click.option(
    "--warmup",
    type=click.IntRange(min=0),
    default=50,
    show_default=True,
    help="Requests of each kind sent before timing.",
)
@click.option(
    "--batch-messages",
    type=click.IntRange(min=1),
    default=2000,
    show_default=True,
    help="Messages whose events are written in one COPY transaction.",
)
@click.option(
    "--processes",
    type=click.IntRange(min=1),
    default=os.cpu_count() or 1,
    show_default="the cores",
    help="Worker processes that build the events to load (the domain and the mapper).",
)
@click.option(
    "--postgres",
    "postgres_url",
    envvar="MAILLEDGER_BENCH_POSTGRES_URL",
    help="postgresql://user:pass@host:port/db to bench in, in a scratch schema dropped"
    " afterwards (env MAILLEDGER_BENCH_POSTGRES_URL); required.",
)
@click.option("--seed", type=int, default=1, show_default=True, help="Seed of the data.")
def query(
    messages: int,
    recipients: int,
    requests: int,
    warmup: int,
    batch_messages: int,
    processes: int,
    postgres_url: str | None,
    seed: int,
) -> None:
    """Load N messages, rebuild every read model, and time reads through the HTTP API."""
    url = _postgres_url(postgres_url)
    _require_httpx()
    with _one_line_errors(url), postgres_scratch(url) as database:
        where = f"{redact(url)}, scratch schema {database.env['POSTGRES_SCHEMA']}"
        server = _server_settings(database)
        with open_ledger(database) as ledger:
            workload = Workload(seed, messages, recipients)
            loaded = load(
                ledger,
                database,
                workload,
                batch_messages=batch_messages,
                processes=processes,
                progress=PhaseProgress(
                    "load", f"building and writing {messages:,} messages ({processes} processes)"
                ),
            )
            in_log = ledger.recorder.max_notification_id() or 0
            if in_log != loaded.events:
                raise BenchFailedError(
                    f"the event log holds {in_log:,} events, the load wrote {loaded.events:,}"
                )
            rebuild = _rebuild(database, ledger, loaded.events)
            # The policy process added the addresses' events to the messages'.
            in_log = ledger.recorder.max_notification_id() or 0
        sizes = _sizes(database, ledger_events_table(database))
        if sizes.events != in_log:
            raise BenchFailedError(
                f"the event table holds {sizes.events:,} events, the log {in_log:,}"
            )
        queries = _query(database, random.Random(seed), requests, warmup)
    figures = QueryBenchFigures(
        where=where,
        server=server,
        load=loaded,
        sizes=sizes,
        rebuild=rebuild,
        queries=queries,
    )
    click.echo(format_figures(figures))
    click.echo(format_targets(figures))


@contextmanager
def _one_line_errors(url: str) -> Iterator[None]:
    """A failed server, request or check, or an unreachable database, as one line."""
    import httpx

    try:
        yield
    except BenchFailedError as error:
        raise click.ClickException(str(error)) from None
    except httpx.HTTPError as error:
        raise click.ClickException(
            f"the API server stopped answering: {first_line(error)}"
        ) from None
    except DATABASE_ERRORS as error:
        raise click.ClickException(
            f"cannot use {redact(url)}: {first_line(error)}; check --postgres or"
            " MAILLEDGER_BENCH_POSTGRES_URL"
        ) from None


# --- rebuild -----------------------------------------------------------------------------


def _rebuild(database: Database, ledger: Ledger, events: int) -> RebuildFigures:
    """The baseline read of the log, then every read model rebuilt in turn."""
    with open_read_side(database, ledger) as side:
        progress = PhaseProgress("rebuild", f"baseline: reading and decoding {events:,} events")
        baseline_events, baseline_seconds = _read_log(ledger, side.page_size, progress)
        rebuilds = []
        # The addresses come from the log like the views, before the views that read them;
        # the server would otherwise take them in before it answers its first request.
        announce("rebuild", f"policy process: taking {events:,} events into the addresses")
        started = time.perf_counter()
        settled = side.policies.catch_up()
        rebuilds.append(Rebuild("policy process", settled.read, time.perf_counter() - started))
        for name in READ_MODELS:
            progress = PhaseProgress("rebuild", f"{name}: replaying {events:,} events")

            def report(done: Any, progress: PhaseProgress = progress) -> None:
                progress(min(done.applied, events), events)

            started = time.perf_counter()
            applied = side.rebuild(name, report)
            rebuilds.append(Rebuild(name, applied, time.perf_counter() - started))
    announce("rebuild", "VACUUM ANALYZE of the views, as autovacuum would after a bulk load")
    _vacuum_analyze(database)
    return RebuildFigures(baseline_events, baseline_seconds, tuple(rebuilds))


def _read_log(
    ledger: Ledger, page_size: int, progress: Callable[[int, int], None]
) -> tuple[int, float]:
    """Events read, and seconds to read and decode the whole log a page at a time."""
    recorder, mapper = ledger.recorder, ledger.mapper
    total = recorder.max_notification_id() or 0
    read = after = 0
    started = time.perf_counter()
    while True:
        page = recorder.select_notifications(after, page_size, inclusive_of_start=False)
        if not page:
            break
        for notification in page:
            mapper.to_domain_event(notification)
        read += len(page)
        after = page[-1].id
        progress(min(read, total), total)
    return read, time.perf_counter() - started


def _vacuum_analyze(database: Database) -> None:
    """Statistics and visibility maps for the views' tables, so the planner knows them (the
    event table is not read by the requests timed here)."""
    schema = database.env["POSTGRES_SCHEMA"]
    with connect(database) as conn:
        for table in (name for model in READ_MODELS.values() for name in model.tables):
            conn.execute(sql.SQL("VACUUM (ANALYZE) {}").format(sql.Identifier(schema, table)))


def ledger_events_table(database: Database) -> str:
    """The name of the ledger's event table."""
    with open_ledger(database) as ledger:
        recorder = ledger.recorder
        assert isinstance(recorder, PostgresAggregateRecorder)
        return recorder.events_table_name


def _sizes(database: Database, events_table: str) -> Sizes:
    schema = database.env["POSTGRES_SCHEMA"]
    with connect(database) as conn:

        def count(table: str) -> int:
            row = conn.execute(
                sql.SQL("SELECT count(*) FROM {}").format(sql.Identifier(schema, table))
            ).fetchone()
            assert row is not None
            return int(str(row[0]))

        tables = conn.execute(
            "SELECT c.relname, pg_total_relation_size(c.oid) FROM pg_class c"
            " JOIN pg_namespace n ON n.oid = c.relnamespace"
            " WHERE n.nspname = %s AND c.relkind = 'r' ORDER BY 2 DESC, 1",
            (schema,),
        ).fetchall()
        return Sizes(
            messages=count("sent_mail"),
            recipient_rows=count("recipient_status"),
            events=count(events_table),
            tables=tuple((str(name), int(str(size))) for name, size in tables),
        )


def _server_settings(database: Database) -> str:
    """The server's version and durability, and the cores of this machine."""
    with connect(database) as conn:
        shown = []
        for name in ("server_version", "fsync", "synchronous_commit", "shared_buffers"):
            row = conn.execute(sql.SQL("SHOW {}").format(sql.Identifier(name))).fetchone()
            assert row is not None
            shown.append(f"{name} {row[0]}")
    return f"{', '.join(shown)}; {os.cpu_count()} cores"


# --- serve and query ---------------------------------------------------------------------


@dataclass(frozen=True)
class Picks:
    """Values of one tenant's data that filters and paths are drawn from, so they match."""

    tenant: str
    messages: int
    message_ids: list[str]
    dossiers: list[str]
    domains: list[str]
    addresses: list[str]
    outcomes: list[str]
    statuses: list[str]
    first_sent_us: int
    last_sent_us: int


Request = tuple[str, dict[str, str | int]]
"""A path and its query parameters."""


@dataclass(frozen=True)
class Kind:
    """One kind of request: what it targets, how to make the next one, how to count its rows."""

    name: str
    group: str
    make: Callable[[httpx.Client, random.Random], Request]
    rows: Callable[[Any], int]


def _query(database: Database, rng: random.Random, requests: int, warmup: int) -> QueryFigures:
    import httpx

    picks = _picks(database, rng)
    with KeyStore(database) as keys:
        token = keys.create(picks.tenant, Role.ADMIN, "bench query").secret
    session = _console_session(database, picks.tenant)
    with tempfile.TemporaryDirectory(prefix="mailledger-bench-") as folder:
        log_path = Path(folder) / "serve.log"
        with ApiServer(database, log_path) as server:
            announce("serve", f"waiting for mailledger serve (pid {server.process.pid})")
            base_url = server.wait_until_answering(START_TIMEOUT_SECONDS)
            headers = {"Authorization": f"Bearer {token}"}
            cookies = {SESSION_COOKIE: session}
            with httpx.Client(
                base_url=base_url, headers=headers, cookies=cookies, timeout=60
            ) as client:
                kinds = _kinds(picks)
                client_ms, rows = _send_all(client, kinds, rng, requests, warmup)
        server_ms = _server_times(log_path, len(kinds))
    return QueryFigures(
        tenant=picks.tenant,
        tenant_messages=picks.messages,
        requests=requests,
        warmup=warmup,
        kinds=tuple(
            Latencies(k.name, k.group, tuple(client_ms[i]), tuple(server_ms.get(i, [])), rows[i])
            for i, k in enumerate(kinds)
        ),
    )


def _console_session(database: Database, tenant: str) -> str:
    """A viewer of the tenant signed in to the console: the session cookie's token."""
    now = datetime.now(UTC)
    with UserStore(database) as users, SessionStore(database) as sessions:
        user = users.create(tenant, "bench@console.example", Role.VIEWER, "bench console password")
        token, _ = sessions.open(user, now)
    return token


def _picks(database: Database, rng: random.Random) -> Picks:
    """The tenant with the most messages, and values of its data."""
    with connect(database) as conn:

        def column(statement: str, *params: Any) -> list[str]:
            return [str(row[0]) for row in conn.execute(statement, params).fetchall()]

        row = conn.execute(
            "SELECT tenant, count(*) FROM sent_mail WHERE tenant IS NOT NULL"
            " GROUP BY tenant ORDER BY 2 DESC, 1 LIMIT 1"
        ).fetchone()
        if row is None:
            raise BenchFailedError("the sent-mail view holds no registered message")
        tenant, messages = str(row[0]), int(str(row[1]))
        message_ids = column(
            "SELECT message_id FROM sent_mail WHERE tenant = %s ORDER BY message_id", tenant
        )
        sample = rng.sample(message_ids, min(len(message_ids), 2000))
        span = conn.execute(
            "SELECT min(sent_us), max(sent_us) FROM sent_mail WHERE tenant = %s", (tenant,)
        ).fetchone()
        assert span is not None
        return Picks(
            tenant=tenant,
            messages=messages,
            message_ids=message_ids,
            dossiers=column(
                "SELECT DISTINCT dossier_id FROM sent_mail"
                " WHERE tenant = %s AND dossier_id IS NOT NULL ORDER BY 1",
                tenant,
            ),
            domains=column(
                "SELECT DISTINCT domain FROM recipient_status WHERE tenant = %s ORDER BY 1",
                tenant,
            ),
            addresses=column(
                "SELECT DISTINCT address FROM recipient_status"
                " WHERE tenant = %s AND message_id = ANY(%s) ORDER BY 1",
                tenant,
                sample,
            ),
            outcomes=column(
                "SELECT DISTINCT outcome FROM sent_mail WHERE tenant = %s ORDER BY 1", tenant
            ),
            statuses=column(
                "SELECT DISTINCT status FROM recipient_status WHERE tenant = %s ORDER BY 1",
                tenant,
            ),
            first_sent_us=int(str(span[0])),
            last_sent_us=int(str(span[1])),
        )


def _kinds(picks: Picks) -> list[Kind]:
    """Every kind of read, health first; filter values drawn per request from the data."""

    def items(body: Any) -> int:
        return len(body["items"])

    def listing(**params: str | int) -> Request:
        return "/v1/messages", {"filter": "all", "limit": PAGE_LIMIT, **params}

    def sent_range(rng: random.Random) -> Request:
        day = 24 * 3600 * 1_000_000
        start = rng.randrange(picks.first_sent_us, max(picks.first_sent_us + 1, picks.last_sent_us))
        return listing(sent_from=_iso(start), sent_until=_iso(start + day))

    def page_two(client: httpx.Client, rng: random.Random) -> Request:
        # Page 1 (not timed) of the list up to a random moment in the second half, so that
        # every page 2 is another one; its cursor asks for the page after.
        middle = (picks.first_sent_us + picks.last_sent_us) // 2
        until = _iso(rng.randrange(middle, picks.last_sent_us + 2))
        path, params = listing(sent_until=until)
        first = _get(client, path, params, f"bp-{rng.getrandbits(32):08x}").json()
        cursor = first["next_cursor"]
        if cursor is None:
            raise BenchFailedError(
                f"page 1 of {path} (sent_until {until}) has no next page; use a larger -n"
            )
        return path, {**params, "cursor": cursor}

    return [
        Kind("health", "health", lambda c, r: ("/v1/health", {}), lambda body: 0),
        Kind("list all", "list", lambda c, r: listing(), items),
        Kind("list failed (default)", "list", lambda c, r: ("/v1/messages", {}), items),
        Kind(
            "list by outcome", "list", lambda c, r: listing(outcome=r.choice(picks.outcomes)), items
        ),
        Kind(
            "list by status", "list", lambda c, r: listing(status=r.choice(picks.statuses)), items
        ),
        Kind(
            "list by dossier", "list", lambda c, r: listing(dossier=r.choice(picks.dossiers)), items
        ),
        Kind(
            "list by domain", "list", lambda c, r: listing(recipient=r.choice(picks.domains)), items
        ),
        Kind(
            "list by recipient",
            "list",
            lambda c, r: listing(recipient=r.choice(picks.addresses)),
            items,
        ),
        Kind("list by sent range", "list", lambda c, r: sent_range(r), items),
        Kind("list page 2", "list", page_two, items),
        Kind(
            "message detail",
            "detail",
            lambda c, r: (f"/v1/messages/{r.choice(picks.message_ids)}", {}),
            lambda body: len(body["recipients"]),
        ),
        Kind(
            "dossier history",
            "history",
            lambda c, r: (f"/v1/dossiers/{r.choice(picks.dossiers)}/history", {}),
            items,
        ),
        *_console_kinds(picks),
    ]


def _console_kinds(picks: Picks) -> list[Kind]:
    """The console's pages, as a signed-in viewer opens them: the log the way the API's
    lists are filtered, and the message and dossier pages."""

    def page(path: str, **params: str | int) -> Callable[[httpx.Client, random.Random], Request]:
        return lambda c, r: (path, dict(params))

    def rows_of(marker: str) -> Callable[[Any], int]:
        return lambda body: str(body).count(marker)

    def log_page_two(client: httpx.Client, rng: random.Random) -> Request:
        middle = (picks.first_sent_us + picks.last_sent_us) // 2
        until = _day(rng.randrange(middle, picks.last_sent_us + 2))
        first = _get(client, "/messages", {"show": "all", "until": until}, "bp-console").text
        found = _NEXT_PAGE.search(first)
        if found is None or found.group(1) is None:
            raise BenchFailedError(f"page 1 of the log until {until} has no next page")
        return "/messages", {"show": "all", "until": until, "cursor": unquote(found.group(1))}

    row = 'class="view"'
    return [
        Kind("log page, failed (default)", "page", page("/messages"), rows_of(row)),
        Kind("log page, all", "page", page("/messages", show="all"), rows_of(row)),
        Kind(
            "log page by dossier",
            "page",
            lambda c, r: ("/messages", {"show": "all", "dossier": r.choice(picks.dossiers)}),
            rows_of(row),
        ),
        Kind(
            "log page by domain",
            "page",
            lambda c, r: ("/messages", {"show": "all", "recipient": r.choice(picks.domains)}),
            rows_of(row),
        ),
        Kind(
            "log page by status",
            "page",
            lambda c, r: ("/messages", {"show": "all", "status": r.choice(picks.statuses)}),
            rows_of(row),
        ),
        Kind("log page 2", "page", log_page_two, rows_of(row)),
        Kind(
            "message page",
            "message page",
            lambda c, r: (f"/messages/{r.choice(picks.message_ids)}", {}),
            rows_of('class="recipient"'),
        ),
        Kind(
            "dossier page",
            "page",
            lambda c, r: (f"/dossiers/{r.choice(picks.dossiers)}", {}),
            rows_of(row),
        ),
    ]


_NEXT_PAGE = re.compile(r'href="[^"]*cursor=([^"&]+)[^"]*"[^>]*id="older"')
"""The log's link to the next page, and the cursor in it."""


def _day(micros: int) -> str:
    return (_EPOCH + timedelta(microseconds=micros)).date().isoformat()


def _send_all(
    client: httpx.Client, kinds: list[Kind], rng: random.Random, requests: int, warmup: int
) -> tuple[list[list[float]], list[int]]:
    """Rounds of one request of each kind, in a new order each round; the first ``warmup``
    rounds are not timed. Returns each kind's times in ms and its rows in all."""
    times: list[list[float]] = [[] for _ in kinds]
    rows = [0] * len(kinds)
    order = list(range(len(kinds)))
    rounds = warmup + requests
    progress = PhaseProgress(
        "query", f"{rounds:,} rounds of {len(kinds)} kinds ({warmup} to warm up)"
    )
    for number in range(rounds):
        rng.shuffle(order)
        timed = number >= warmup
        for index in order:
            path, params = kinds[index].make(client, rng)
            request_id = f"{'bq' if timed else 'bw'}-{index}-{number}"
            started = time.perf_counter()
            response = _get(client, path, params, request_id)
            elapsed_ms = (time.perf_counter() - started) * 1000
            if timed:
                times[index].append(elapsed_ms)
                rows[index] += kinds[index].rows(_body(response))
        progress(number + 1, rounds)
    return times, rows


def _get(client: httpx.Client, path: str, params: dict[str, str | int], request_id: str) -> Any:
    """The answer to a GET, read whole; BenchFailedError unless it is 200 (a page's answer
    is its text, an API's its response)."""
    response = client.get(path, params=params, headers={"X-Request-ID": request_id})
    if response.status_code != 200:
        text = " ".join(response.text.split())[:300]
        raise BenchFailedError(
            f"GET {response.request.url.raw_path.decode()} answered {response.status_code}: {text}"
        )
    return response


def _body(response: httpx.Response) -> Any:
    """An API answer's JSON, a page's text."""
    if response.headers.get("content-type", "").startswith("application/json"):
        return response.json()
    return response.text


def _server_times(log_path: Path, kinds: int) -> dict[int, list[float]]:
    """Per kind, the ``ms`` of the server's ``http.request`` lines of the timed requests."""
    times: dict[int, list[float]] = {i: [] for i in range(kinds)}
    for raw in log_path.read_text(encoding="utf-8", errors="replace").splitlines():
        try:
            line = json.loads(raw)
        except ValueError:
            continue
        request_id = str(line.get("request_id", ""))
        if line.get("event") == "http.request" and request_id.startswith("bq-"):
            times[int(request_id.split("-")[1])].append(float(line["ms"]))
    return times


def _iso(micros: int) -> str:
    return (_EPOCH + timedelta(microseconds=micros)).isoformat()


class ApiServer:
    """``mailledger serve --port 0`` on the scratch database, its JSON log lines in a file."""

    def __init__(self, database: Database, log_path: Path) -> None:
        self.log_path = log_path
        self._log = log_path.open("ab")
        # The URL goes by the environment (--database's variable), so that its password is
        # not on a command line; the server stores writes itself, whatever the shell says.
        env = child_environment({variable("database_url"): database.url})
        env.pop("MAILLEDGER_KAFKA_BOOTSTRAP_SERVERS", None)
        self.process = subprocess.Popen(
            [MAILLEDGER, "--log-level", "info", "serve", "--port", "0"],
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=self._log,
            env=env,
        )

    def wait_until_answering(self, timeout: float) -> str:
        """The server's base URL once it logged ``api.listening`` and answers its health check."""
        import httpx

        deadline = time.monotonic() + timeout
        url: str | None = None
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise BenchFailedError(
                    f"mailledger serve exited {self.process.returncode}: {self._last_line()}"
                )
            if url is None:
                port = self._listening_port()
                url = f"http://127.0.0.1:{port}" if port is not None else None
            if url is not None:
                try:
                    if httpx.get(f"{url}/v1/health", timeout=2).status_code == 200:
                        return url
                except httpx.TransportError:
                    pass
            time.sleep(0.05)
        raise BenchFailedError(
            f"mailledger serve did not answer within {timeout:.0f} s: {self._last_line()}"
        )

    def _lines(self) -> list[str]:
        return self.log_path.read_text(encoding="utf-8", errors="replace").splitlines()

    def _listening_port(self) -> int | None:
        for raw in self._lines():
            try:
                line = json.loads(raw)
            except ValueError:
                continue
            if line.get("event") == "api.listening":
                return int(line["port"])
        return None

    def _last_line(self) -> str:
        lines = [line for line in self._lines() if line.strip()]
        return lines[-1].strip() if lines else "(no output)"

    def stop(self) -> None:
        """SIGTERM, then SIGKILL after 30 s."""
        try:
            if self.process.poll() is None:
                self.process.send_signal(signal.SIGTERM)
                try:
                    self.process.wait(timeout=30)
                except subprocess.TimeoutExpired:
                    self.process.kill()
                    self.process.wait(timeout=30)
        finally:
            self._log.close()

    def __enter__(self) -> ApiServer:
        return self

    def __exit__(self, *_: object) -> None:
        self.stop()


def _require_httpx() -> None:
    try:
        import httpx  # noqa: F401
    except ImportError:
        raise click.ClickException(
            "bench query needs httpx, its HTTP client: pip install 'mailledger[test]'"
            " or pip install httpx"
        ) from None


def _postgres_url(value: str | None) -> str:
    return required_postgres_url(value, "query")
