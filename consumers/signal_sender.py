"""``mailledger signals run``: the process that sends the outbox's signals to the webhook
subscriptions and, with Kafka configured, to the signals topic.

One such process per database: two would both deliver each signal (receivers keep one per
id, but every delivery would be doubled).
"""

from __future__ import annotations

import threading
from contextlib import ExitStack

import click
import structlog

from adapters.cli.kafka import kafka_errors
from adapters.cli.support import database_of, settings_of, user_errors
from adapters.kafka.publisher import Publisher
from adapters.signals.delivery import Dispatcher
from adapters.signals.kafka_sink import KafkaSignalSink
from adapters.signals.sending import Senders
from adapters.signals.stores import SignalStores
from consumers.signals import stopping_on_signals

log = structlog.get_logger()


@click.group("signals")
def signals() -> None:
    """The signals decided from the log, sent to webhook subscriptions and Kafka."""


@signals.command("run")
@click.option("--once", is_flag=True, help="One step of each sender, then exit.")
@click.pass_context
def run(ctx: click.Context, once: bool) -> None:
    """Deliver new signals, retry failed ones, publish to Kafka when
    MAILLEDGER_KAFKA_BOOTSTRAP_SERVERS is set; until SIGTERM or SIGINT."""
    settings = settings_of(ctx)
    database = database_of(ctx)
    kafka = settings.kafka(required=False)
    stop = threading.Event()

    def stopping(signal_name: str) -> None:
        log.info("signals.stopping", signal=signal_name)
        stop.set()

    with stopping_on_signals(stopping), user_errors(database), ExitStack() as resources:
        stores = resources.enter_context(SignalStores(database))
        sink = None
        if kafka is not None:
            with kafka_errors(kafka):
                publisher = resources.enter_context(
                    Publisher(kafka, client_id="mailledger-signals")
                )
            sink = KafkaSignalSink(stores, publisher, settings.signals_topic)
        dispatcher = Dispatcher(
            stores, settings.url_policy(), timeout=settings.signals_delivery_timeout
        )
        senders = Senders(dispatcher, sink)
        log.info(
            "signals.running",
            database=database.display,
            topic=settings.signals_topic if sink else None,
        )
        if once:
            senders.step()
        else:
            senders.run(stop, settings.signals_interval)
