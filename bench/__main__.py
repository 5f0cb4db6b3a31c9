"""``python -m bench``: the benchmarks, run from a checkout; they are not part of the product."""

from __future__ import annotations

from adapters.logging import configure_logging
from bench.cli import bench


def main() -> None:
    """Warnings only on stderr, as the product's commands do by default, then the group."""
    configure_logging("warning")
    bench(prog_name="python -m bench")


if __name__ == "__main__":
    main()
