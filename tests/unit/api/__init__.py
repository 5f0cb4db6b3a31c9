"""The HTTP API in process."""

import warnings

# Starlette's test client asks for a fork of httpx; httpx is what the project installs.
warnings.filterwarnings("ignore", message="Using `httpx` with `starlette.testclient`")
