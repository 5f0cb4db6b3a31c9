"""structlog set up once, by the entry point: JSON in production, key-value in a terminal.

Libraries that log through the standard library (uvicorn) are routed into it, so every line
has the same shape.
"""

from __future__ import annotations

import logging
import sys

import structlog


def configure_logging(level: str = "warning", *, json: bool | None = None) -> None:
    """Log to stderr at ``level``; ``json`` defaults to whether stderr is not a terminal."""
    numeric = logging.getLevelNamesMapping().get(level.upper())
    if numeric is None:
        raise ValueError(f"unknown log level {level!r}; use debug, info, warning or error")
    use_json = not sys.stderr.isatty() if json is None else json
    renderer: structlog.typing.Processor = (
        structlog.processors.JSONRenderer() if use_json else structlog.dev.ConsoleRenderer()
    )
    structlog.configure(
        processors=[
            structlog.contextvars.merge_contextvars,
            structlog.processors.add_log_level,
            structlog.processors.TimeStamper(fmt="iso", utc=True),
            structlog.processors.format_exc_info,
            renderer,
        ],
        wrapper_class=structlog.make_filtering_bound_logger(numeric),
        logger_factory=structlog.PrintLoggerFactory(file=sys.stderr),
        cache_logger_on_first_use=False,
    )


class _ToStructlog(logging.Handler):
    """A standard-library logger's records as structlog lines, like every other line."""

    def emit(self, record: logging.LogRecord) -> None:
        fields: dict[str, object] = {"logger": record.name, "message": record.getMessage()}
        if record.exc_info:
            fields["exc_info"] = record.exc_info
        structlog.get_logger().log(record.levelno, record.name.split(".")[0], **fields)


def route_to_structlog(*names: str, level: int = logging.WARNING) -> None:
    """The standard-library loggers ``names`` log through structlog, at ``level`` and above."""
    for name in names:
        logger = logging.getLogger(name)
        logger.handlers = [_ToStructlog()]
        logger.setLevel(level)
        logger.propagate = False
