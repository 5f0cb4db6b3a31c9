"""``python -m bench``: the benchmarks, run from a checkout; they are not part of the product."""

from __future__ import annotations

from adapters.cli.support import run_in_one_line
from adapters.intake.fast_hashing import use_fast_hashing
from adapters.logging import configure_logging
from bench.cli import bench


def main() -> None:
    """Warnings only on stderr, as the product's commands do by default; errors in one line."""
    configure_logging("warning")
    use_fast_hashing()
    run_in_one_line(bench, prog_name="python -m bench")


if __name__ == "__main__":
    main()
