"""The web console in Debian's chromium, on the demo's data, served by a real ``mailledger serve``.

The server and its data are made once for the module by ``mailledger demo --folder``, the
command ``./scripts/demo`` runs, plus a tenant of 120 e-mails to page through. Each test has
a browser context of its own, so nobody is signed in until the test signs in.
"""

from __future__ import annotations

import csv
import io
import json
import subprocess
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from adapters.cli.demo import DEMO_PASSWORD, DEMO_PEOPLE, contact_ref_of
from tests.browser.conftest import Screenshot
from tests.e2e.api_support import ServerProcess
from tests.e2e.test_cli import MAILLEDGER

ADMIN_TENANT, ADMIN_EMAIL = DEMO_PEOPLE[0][0], DEMO_PEOPLE[0][1]
OTHER_TENANT, OTHER_EMAIL = DEMO_PEOPLE[1][0], DEMO_PEOPLE[1][1]
PAGER, PAGER_EMAIL, PAGER_PASSWORD = "pager-test", "pages@pager-test.example", "page after page"
FRENCH_EMAIL = "claire@acme-travel.example"
"""A viewer of the demo's first organisation whose language choices stay hers."""
INVOICE = "Invoice INV-2026-0981 for your trip to Lisbon"
BOUNCED = "finance@silva-family.example"


def _mailledger(database_url: str, *args: str, stdin: str | None = None) -> str:
    done = subprocess.run(
        [MAILLEDGER, "--database", database_url, *args],
        input=stdin,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    return done.stdout


@pytest.fixture(scope="module")
def demo_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """The console over the demo's day, and a tenant with 120 e-mails."""
    folder = tmp_path_factory.mktemp("demo") / "data"
    done = subprocess.run(
        [MAILLEDGER, "demo", "--folder", str(folder), "--console-url", "http://console/"],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    assert f"password {DEMO_PASSWORD}" in done.stdout
    url = f"sqlite:///{folder / 'demo.sqlite'}"
    start = datetime.now(UTC) - timedelta(days=2)
    lines = [
        json.dumps(
            {
                "tenant": PAGER,
                "external_ref": f"notice-{n:03d}",
                "subject": f"Notice {n:03d}",
                "sender": "office@pager-test.example",
                "recipients": [f"owner{n}@homes.example"],
                "provider": "postmark",
                "provider_message_id": f"notice-{n:03d}@pager-test",
                "sent_at": (start + timedelta(minutes=n)).isoformat(),
            }
        )
        for n in range(120)
    ]
    sends = folder / "pager.jsonl"
    sends.write_text("\n".join(lines) + "\n", encoding="utf-8")
    _mailledger(url, "register", str(sends))
    _mailledger(
        url,
        "users",
        "create",
        "--tenant",
        PAGER,
        "--email",
        PAGER_EMAIL,
        "--role",
        "viewer",
        "--password-stdin",
        stdin=PAGER_PASSWORD + "\n",
    )
    _mailledger(
        url,
        "users",
        "create",
        "--tenant",
        ADMIN_TENANT,
        "--email",
        FRENCH_EMAIL,
        "--role",
        "viewer",
        "--password-stdin",
        stdin=DEMO_PASSWORD + "\n",
    )
    server = ServerProcess(url, folder / "serve.log")
    try:
        yield server.url
    finally:
        server.stop()


def sign_in(
    page: Page,
    base: str,
    tenant: str = ADMIN_TENANT,
    email: str = ADMIN_EMAIL,
    password: str = DEMO_PASSWORD,
) -> None:
    page.goto(f"{base}/")
    expect(page).to_have_url(f"{base}/sign-in?next=%2F")
    page.get_by_label("Organisation").fill(tenant)
    page.get_by_label("E-mail address").fill(email)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Sign in").click()


def test_a_new_user_finds_the_failed_invoice_its_bounce_the_copy_and_the_fix(
    page: Page, demo_server: str, screenshot: Screenshot, blocked_requests: list[str]
) -> None:
    page.goto(f"{demo_server}/sign-in")
    screenshot(page, "sign-in")
    sign_in(page, demo_server)

    expect(page).to_have_url(f"{demo_server}/messages")
    expect(page.get_by_role("heading", level=1)).to_have_text("Failed e-mails")
    row = page.get_by_role("row").filter(has_text=INVOICE)
    expect(row).to_contain_text(BOUNCED)
    expect(row).to_contain_text("Hard bounce")
    screenshot(page, "log")

    row.get_by_role("link", name="View").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(INVOICE)
    recipient = page.locator("article.recipient").filter(has_text=BOUNCED)
    expect(recipient).to_contain_text("permanently")
    expect(recipient).to_contain_text("The address does not exist")
    fix = recipient.get_by_role("link", name="Open the contact record to fix the address")
    expected = f"https://crm.acme-travel.example/contacts/{contact_ref_of(BOUNCED)}"
    expect(fix).to_have_attribute("href", expected)
    copy = page.frame_locator("iframe.copy")
    expect(copy.locator("body")).to_contain_text("INV-2026-0981")
    expect(page.locator(".attachments")).to_contain_text("INV-2026-0981")
    screenshot(page, "message")
    # The copy's tracking pixel was never even asked for: the copy's policy forbids it.
    assert blocked_requests == []


def test_the_toggle_shows_every_e_mail_and_back(page: Page, demo_server: str) -> None:
    sign_in(page, demo_server)
    failed = page.locator("a.view").count()
    page.get_by_role("link", name="Show all e-mails").click()
    expect(page).to_have_url(f"{demo_server}/messages?show=all")
    expect(page.get_by_role("heading", level=1)).to_have_text("All sent e-mails")
    assert page.locator("a.view").count() > failed
    page.get_by_role("link", name="Show failed e-mails only").click()
    expect(page).to_have_url(f"{demo_server}/messages")
    assert page.locator("a.view").count() == failed


def test_filters_go_into_the_url_and_narrow_the_list(page: Page, demo_server: str) -> None:
    sign_in(page, demo_server)
    page.get_by_role("link", name="Show all e-mails").click()
    page.get_by_text("Filters").click()
    page.get_by_label("Subject contains").fill("porto")
    page.get_by_label("Result").select_option("error")
    page.get_by_role("button", name="Apply").click()
    expect(page).to_have_url(f"{demo_server}/messages?show=all&subject=porto&outcome=error")
    subjects = page.locator("tbody tr td:nth-child(3)").all_inner_texts()
    assert subjects and all("Porto" in subject for subject in subjects)
    page.reload()
    expect(page.get_by_label("Subject contains")).to_have_value("porto")


def test_the_log_pages_through_120_e_mails_newest_first(page: Page, demo_server: str) -> None:
    sign_in(page, demo_server, PAGER, PAGER_EMAIL, PAGER_PASSWORD)
    page.goto(f"{demo_server}/messages?show=all")
    seen: list[str] = []
    for _ in range(3):
        seen += page.locator("tbody tr td:nth-child(3)").all_inner_texts()
        older = page.get_by_role("link", name="Older e-mails")
        if older.count() == 0:
            break
        older.click()
    assert seen == [f"Notice {n:03d}" for n in reversed(range(120))]
    page.get_by_role("link", name="Newest e-mails").click()
    expect(page.locator("tbody tr td:nth-child(3)").first).to_have_text("Notice 119")


def test_the_csv_export_downloads_the_filtered_list(page: Page, demo_server: str) -> None:
    sign_in(page, demo_server)
    page.goto(f"{demo_server}/messages?show=all&dossier=BK-2026-0412")
    with page.expect_download() as download:
        page.get_by_role("link", name="Export this list (CSV)").click()
    saved = Path(download.value.path())
    rows = list(csv.reader(io.StringIO(saved.read_text(encoding="utf-8-sig"))))
    assert rows[0][0] == "Sent at (UTC)"
    assert len(rows) == 3  # the dossier's two e-mails
    assert all(row[6] == "BK-2026-0412" for row in rows[1:])


@pytest.mark.browser_context(locale="fr-FR", timezone_id="Europe/Paris")
def test_a_french_browser_gets_french_and_may_switch(
    page: Page, demo_server: str, screenshot: Screenshot
) -> None:
    page.goto(f"{demo_server}/sign-in")
    expect(page.get_by_role("heading", level=1)).to_have_text("Connexion à mailledger")
    page.get_by_label("Organisation").fill(ADMIN_TENANT)
    page.get_by_label("Adresse e-mail").fill(FRENCH_EMAIL)
    page.get_by_label("Mot de passe").fill(DEMO_PASSWORD)
    page.get_by_role("button", name="Se connecter").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("E-mails en échec")
    expect(page.locator("footer")).to_contain_text("Europe/Paris")
    page.get_by_role("row").filter(has_text=INVOICE).get_by_role("link", name="Voir").click()
    recipient = page.locator("article.recipient").filter(has_text=BOUNCED)
    expect(recipient).to_contain_text("Rejet définitif")
    screenshot(page, "message-fr")
    page.get_by_role("button", name="English").click()
    expect(page.get_by_role("heading", level=2).first).to_have_text("The e-mail")
    expect(page.locator("footer")).to_contain_text("Europe/Paris")  # after the script ran
    # The choice is the person's from now on; back to French for the tests that follow.
    page.get_by_role("button", name="Français").click()
    expect(page.get_by_role("heading", level=2).first).to_have_text("L'e-mail")


@pytest.mark.browser_context(
    locale="fr-FR", timezone_id="Europe/Paris", viewport={"width": 360, "height": 740}
)
def test_pages_fit_360_pixels_without_scrolling_sideways(
    page: Page, demo_server: str, screenshot: Screenshot
) -> None:
    page.goto(f"{demo_server}/sign-in")
    page.get_by_label("Organisation").fill(ADMIN_TENANT)
    page.get_by_label("Adresse e-mail").fill(FRENCH_EMAIL)
    page.get_by_label("Mot de passe").fill(DEMO_PASSWORD)
    page.get_by_role("button", name="Se connecter").click()
    for path in ("/messages", "/messages?show=all", "/statistics", "/dossiers/BK-2026-0412"):
        page.goto(f"{demo_server}{path}")
        assert page.evaluate("document.documentElement.scrollWidth") <= 360, path
    page.goto(f"{demo_server}/messages")
    expect(page.get_by_role("heading", level=1)).to_have_text("E-mails en échec")
    expect(page.locator("footer")).to_contain_text("Europe/Paris")
    screenshot(page, "log-fr-narrow")


def test_another_tenants_message_is_not_found(page: Page, demo_server: str) -> None:
    sign_in(page, demo_server)
    page.get_by_role("row").filter(has_text=INVOICE).get_by_role("link", name="View").click()
    theirs = page.url
    page.get_by_role("button", name="Sign out").click()
    expect(page).to_have_url(f"{demo_server}/sign-in")
    sign_in(page, demo_server, OTHER_TENANT, OTHER_EMAIL)
    answer = page.goto(theirs)
    assert answer is not None and answer.status == 404
    expect(page.locator("main")).to_contain_text("There is no such e-mail.")
    expect(page.locator("main")).not_to_contain_text("Lisbon")
    dossier = page.goto(f"{demo_server}/dossiers/BK-2026-0412")
    assert dossier is not None and dossier.status == 404


def test_a_form_without_its_token_or_from_another_site_is_refused(
    page: Page, demo_server: str
) -> None:
    sign_in(page, demo_server)
    page.evaluate(
        "document.querySelector('form[action=\"/sign-out\"] input[name=csrf]').value = 'forged'"
    )
    with page.expect_navigation():
        page.get_by_role("button", name="Sign out").click()
    expect(page.locator("main")).to_contain_text("This form has expired")
    # Still signed in: the forged sign-out did nothing.
    page.goto(f"{demo_server}/messages")
    expect(page.get_by_role("heading", level=1)).to_have_text("Failed e-mails")
    # A page of another origin (localhost is not 127.0.0.1) posting to the console.
    other = demo_server.replace("127.0.0.1", "localhost")
    page.goto(f"{other}/v1/health")  # a page of that origin without the console's policy
    page.set_content(
        f'<form method="post" action="{demo_server}/language">'
        '<input name="language" value="fr"><input name="csrf" value="x">'
        "<button>go</button></form>"
    )
    with page.expect_navigation():
        page.get_by_role("button", name="go").click()
    expect(page.locator("main")).to_contain_text("sent from another site")


def test_the_keyboard_reaches_the_content_with_a_visible_focus(
    page: Page, demo_server: str
) -> None:
    sign_in(page, demo_server)
    page.goto(f"{demo_server}/messages")  # a page loaded afresh, focus at its start
    page.keyboard.press("Tab")
    skip = page.get_by_role("link", name="Skip to content")
    expect(skip).to_be_focused()
    outline = page.evaluate("getComputedStyle(document.activeElement).outlineStyle")
    assert outline == "solid"
    page.keyboard.press("Enter")
    assert page.evaluate("document.activeElement.id") == "main"


def test_the_other_pages_open_and_say_what_an_empty_list_means(
    page: Page, demo_server: str, screenshot: Screenshot
) -> None:
    sign_in(page, demo_server)
    page.goto(f"{demo_server}/dossiers/BK-2026-0412")
    expect(page.get_by_role("heading", level=1)).to_contain_text("BK-2026-0412")
    screenshot(page, "dossier")
    page.goto(f"{demo_server}/statistics")
    expect(page.locator("svg[role=img]")).to_be_visible()
    screenshot(page, "statistics")
    page.goto(f"{demo_server}/suppressions")
    expect(page.locator("main")).to_contain_text(BOUNCED)
    screenshot(page, "suppressions")
    page.goto(f"{demo_server}/users")
    expect(page.locator("main")).to_contain_text(ADMIN_EMAIL)
    screenshot(page, "people")
    page.goto(f"{demo_server}/messages?dossier=NONE")
    expect(page.locator(".empty")).to_contain_text("No e-mail matches these filters.")
