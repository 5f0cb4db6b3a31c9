"""The People page: an administrator creates accounts, changes roles, disables, enables and
sets passwords, within their own organisation only; refusals in the reader's language, every
form refused without the session's CSRF token."""

from __future__ import annotations

import pytest

from adapters.access.roles import Role
from adapters.access.users import MIN_PASSWORD, REASONS, UserNotFoundError
from adapters.console.pages.users import PASSWORDS_DIFFER, PROBLEMS
from domain.values import utc_now
from tests.integration.console.conftest import OTHER_TENANT, TENANT, SignedInConsole, text_of
from tests.integration.console_support import PASSWORD

NEW = "nadia@acme.example"
NEW_PASSWORD = "a brand new passphrase"
VIEWER = f"viewer@{TENANT}.example"
ADMIN = f"admin@{TENANT}.example"
FRENCH = {"Accept-Language": "fr-FR,fr;q=0.9"}


def _signed_in(console: SignedInConsole, who: str) -> bool:
    """Whether ``who``'s session still opens the log (rather than sending to sign-in)."""
    return console.get("/messages", who=who).status_code == 200


def _create(**fields: str) -> dict[str, str]:
    return {
        "email": NEW,
        "name": "Nadia Haddad",
        "role": "viewer",
        "password": NEW_PASSWORD,
        "password_again": NEW_PASSWORD,
        **fields,
    }


def test_an_admin_creates_a_person_who_can_then_sign_in(console: SignedInConsole) -> None:
    response = console.post("/users", _create())

    assert response.status_code == 303
    assert response.headers["location"] == "/users?done=created"
    page = text_of(console.get("/users?done=created"))
    assert "The account was created." in page
    assert NEW in page and "Nadia Haddad" in page
    signed = console.context.users.sign_in(TENANT, NEW, NEW_PASSWORD, utc_now())
    assert signed.signed_in and signed.user is not None
    assert signed.user.role is Role.VIEWER
    # The other organisation neither sees the account nor can sign in with it.
    assert NEW not in text_of(console.get("/users", who="other_admin"))
    assert not console.context.users.sign_in(OTHER_TENANT, NEW, NEW_PASSWORD, utc_now()).signed_in


@pytest.mark.parametrize(
    ("fields", "english", "french"),
    [
        (
            {"password": "short", "password_again": "short"},
            f"The password is too short: at least {MIN_PASSWORD} characters.",
            f"Le mot de passe est trop court : {MIN_PASSWORD} caractères au minimum.",
        ),
        (
            {"password_again": "another passphrase"},
            "The two passwords differ: type the same one twice.",
            "Les deux mots de passe diffèrent : saisissez deux fois le même.",
        ),
        (
            {"email": ADMIN},
            "Your organisation has an account with this e-mail address already.",
            "Votre organisation a déjà un compte avec cette adresse e-mail.",
        ),
        (
            {"email": "not an address"},
            "This is not an e-mail address (name@domain, at most 254 characters).",
            "Ce n'est pas une adresse e-mail (nom@domaine, 254 caractères au maximum).",
        ),
        (
            {"role": "sender"},
            "Choose one of the roles offered.",
            "Choisissez l'un des rôles proposés.",
        ),
    ],
)
def test_a_refused_account_is_explained_in_the_readers_language(
    console: SignedInConsole, fields: dict[str, str], english: str, french: str
) -> None:
    before = console.context.users.list(TENANT)

    in_english = console.post("/users", _create(**fields))
    in_french = console.post("/users", _create(**fields), headers=FRENCH)

    assert in_english.status_code == in_french.status_code == 400
    assert english in text_of(in_english)
    assert french in text_of(in_french)  # text_of makes no-break spaces plain
    # The form keeps what was typed, except the passwords.
    assert 'value="Nadia Haddad"' in in_english.text
    assert NEW_PASSWORD not in in_english.text
    assert console.context.users.list(TENANT) == before


def test_every_reason_a_store_gives_has_words_on_the_page() -> None:
    assert set(PROBLEMS) == REASONS | {PASSWORDS_DIFFER}


def test_disabling_ends_the_sessions_and_enabling_lets_the_person_back(
    console: SignedInConsole,
) -> None:
    assert _signed_in(console, "viewer")

    disabled = console.post("/users/disable", {"email": VIEWER})

    assert disabled.headers["location"] == "/users?done=disabled"
    assert not _signed_in(console, "viewer")
    assert not console.context.users.find(TENANT, VIEWER).active
    assert not console.context.users.sign_in(TENANT, VIEWER, PASSWORD, utc_now()).signed_in

    enabled = console.post("/users/enable", {"email": VIEWER})

    assert enabled.headers["location"] == "/users?done=enabled"
    assert console.context.users.find(TENANT, VIEWER).active
    assert console.context.users.sign_in(TENANT, VIEWER, PASSWORD, utc_now()).signed_in


def test_a_new_role_applies_at_once(console: SignedInConsole) -> None:
    granted = console.post("/users/grant", {"email": VIEWER, "role": "auditor"})

    assert granted.headers["location"] == "/users?done=granted"
    assert console.context.users.find(TENANT, VIEWER).role is Role.AUDITOR
    assert not _signed_in(console, "viewer")  # its session had the old role


def test_a_new_password_ends_the_sessions_and_the_old_one_opens_nothing(
    console: SignedInConsole,
) -> None:
    changed = console.post(
        "/users/password",
        {"email": VIEWER, "password": NEW_PASSWORD, "password_again": NEW_PASSWORD},
    )

    assert changed.headers["location"] == "/users?done=password"
    assert not _signed_in(console, "viewer")
    users = console.context.users
    assert not users.sign_in(TENANT, VIEWER, PASSWORD, utc_now()).signed_in
    assert users.sign_in(TENANT, VIEWER, NEW_PASSWORD, utc_now()).signed_in


def test_an_admin_cannot_disable_or_demote_themself(console: SignedInConsole) -> None:
    for path, fields in (
        ("/users/disable", {"email": ADMIN}),
        ("/users/grant", {"email": ADMIN.upper(), "role": "viewer"}),
    ):
        response = console.post(path, fields)
        assert response.status_code == 400
        assert "ask another administrator" in text_of(response)
    admin = console.context.users.find(TENANT, ADMIN)
    assert admin.active and admin.role is Role.ADMIN


@pytest.mark.parametrize(
    ("path", "fields"),
    [
        ("/users/disable", {"email": VIEWER}),
        ("/users/enable", {"email": VIEWER}),
        ("/users/grant", {"email": VIEWER, "role": "admin"}),
        (
            "/users/password",
            {"email": VIEWER, "password": NEW_PASSWORD, "password_again": NEW_PASSWORD},
        ),
    ],
)
def test_another_organisations_person_is_no_such_person(
    console: SignedInConsole, path: str, fields: dict[str, str]
) -> None:
    response = console.post(path, fields, who="other_admin")

    assert response.status_code == 404
    page = text_of(response)
    assert "There is no such person in your organisation." in page
    assert TENANT not in page
    viewer = console.context.users.find(TENANT, VIEWER)
    assert viewer.active and viewer.role is Role.VIEWER
    assert _signed_in(console, "viewer")
    assert console.context.users.sign_in(TENANT, VIEWER, PASSWORD, utc_now()).signed_in
    with pytest.raises(UserNotFoundError):
        console.context.users.find(OTHER_TENANT, VIEWER)


@pytest.mark.parametrize(
    ("path", "fields"),
    [
        ("/users", {"email": NEW, "role": "viewer", "password": NEW_PASSWORD}),
        ("/users/disable", {"email": VIEWER}),
        ("/users/enable", {"email": VIEWER}),
        ("/users/grant", {"email": VIEWER, "role": "admin"}),
        ("/users/password", {"email": VIEWER, "password": NEW_PASSWORD}),
    ],
)
def test_only_an_admin_with_the_pages_token_changes_anyone(
    console: SignedInConsole, path: str, fields: dict[str, str]
) -> None:
    if "password" in fields:
        fields = {**fields, "password_again": fields["password"]}
    before = console.context.users.list(TENANT)

    without_token = console.post(path, fields, csrf=None)
    with_a_forged_token = console.post(path, fields, csrf="forged")
    by_a_viewer = console.post(path, fields, who="viewer")

    assert without_token.status_code == with_a_forged_token.status_code == 403
    assert "This form has expired" in text_of(without_token)
    assert by_a_viewer.status_code == 403
    assert console.context.users.list(TENANT) == before
    assert console.context.users.sign_in(TENANT, VIEWER, PASSWORD, utc_now()).signed_in
