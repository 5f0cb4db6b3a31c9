"""An address the console does not have: a page in the reader's language for a browser, the
API's error shape for a program."""

from __future__ import annotations

import pytest

from tests.integration.console.conftest import TENANT, SignedInConsole, text_of

BROWSER = {"Accept": "text/html,application/xhtml+xml,*/*;q=0.8"}


@pytest.mark.parametrize("who", ["admin", None])
def test_a_browser_gets_a_page_that_says_there_is_no_such_page(
    console: SignedInConsole, who: str | None
) -> None:
    english = console.client.get("/mesages", headers={**BROWSER, **_cookie(console, who)})
    french = console.client.get(
        "/mesages", headers={**BROWSER, **_cookie(console, who), "Accept-Language": "fr"}
    )

    for response in (english, french):
        assert response.status_code == 404
        assert response.headers["content-type"].startswith("text/html")
        assert response.headers["content-security-policy"]
    assert "There is no such page." in text_of(english)
    assert "Cette page n'existe pas." in text_of(french)
    # Signed in, the page has the console's navigation; signed out, it names no one.
    assert (TENANT in text_of(english)) is (who is not None)


@pytest.mark.parametrize("path", ["/v1/nothing-here", "/openapi.json/x", "/mesages"])
def test_a_program_keeps_the_apis_error_shape(console: SignedInConsole, path: str) -> None:
    # A program does not ask for HTML; under /v1 even a browser gets the API's answer.
    headers = BROWSER if path.startswith("/v1/") else {"Accept": "application/json"}

    response = console.client.get(path, headers=headers)

    assert response.status_code == 404
    assert response.headers["content-type"].startswith("application/json")
    assert f"no route GET {path}" in response.json()["error"]["message"]


def _cookie(console: SignedInConsole, who: str | None) -> dict[str, str]:
    return {"Cookie": f"mailledger_session={console.signed[who].token}"} if who else {}
