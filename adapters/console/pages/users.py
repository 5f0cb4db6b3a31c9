"""The organisation's people: administrators create accounts, give roles, disable and enable
them, and set a new password for someone who lost theirs."""

from __future__ import annotations

from collections.abc import Callable

from fastapi import APIRouter
from fastapi.concurrency import run_in_threadpool
from starlette.responses import RedirectResponse, Response

from adapters.access.roles import Permission
from adapters.access.users import PERSON_ROLES, UserInputError, UserNotFoundError
from adapters.console.errors import PageError
from adapters.console.forms import Form, check_origin, check_token, read_form
from adapters.console.i18n import N_
from adapters.console.pages.support import Console, SignedIn
from adapters.console.rendering import url

router = APIRouter()

DONE = {
    "created": N_("The account was created. Give the person their password by a safe way."),
    "disabled": N_("The account was disabled; its sessions have ended."),
    "enabled": N_("The account was enabled."),
    "granted": N_("The role was changed."),
    "password": N_("The password was changed; the person's sessions have ended."),
}
"""What the page says after each change (msgids, by the ``done`` query value)."""

PASSWORDS_DIFFER = "passwords_differ"

PROBLEMS = {
    "tenant": N_("Your organisation's name cannot have accounts; ask your operator."),
    "email": N_("This is not an e-mail address (name@domain, at most {limit} characters)."),
    "role": N_("Choose one of the roles offered."),
    "password_short": N_("The password is too short: at least {limit} characters."),
    "password_long": N_("The password is too long: at most {limit} characters."),
    "name_long": N_("The name is too long: at most {limit} characters."),
    "name_characters": N_("The name cannot have a line break or a control character."),
    "language": N_("Choose one of the languages offered."),
    "exists": N_("Your organisation has an account with this e-mail address already."),
    PASSWORDS_DIFFER: N_("The two passwords differ: type the same one twice."),
}
"""What the page says of each reason a store refuses an account's input (msgids)."""


def _show(console: Console, *, problem: str | None = None, form: Form | None = None) -> Response:
    console.require(Permission.MANAGE_USERS)
    viewer = console.viewer
    people = console.context.users.list(viewer.tenant)
    done = DONE.get(console.request.query_params.get("done", ""))
    _ = console.pages.gettext(viewer.language)
    return console.pages.render(
        console.request,
        "users.html",
        language=viewer.language,
        viewer=viewer,
        status=400 if problem else 200,
        people=people,
        roles=[role.value for role in PERSON_ROLES],
        done=_(done) if done else None,
        problem=problem,
        form=form or {},
    )


@router.get("/users")
def people_page(console: SignedIn) -> Response:
    return _show(console)


async def _change(console: Console, act: Callable[[Form], object], done: str) -> Response:
    console.require(Permission.MANAGE_USERS)
    check_origin(console.request)
    form = await read_form(console.request)
    check_token(form, console.viewer.csrf_token)
    try:
        # The store serialises its own statements: no need for the ledger's write lock.
        await run_in_threadpool(act, form)
    except UserNotFoundError:
        raise PageError(404, N_("There is no such person in your organisation.")) from None
    except UserInputError as error:
        _ = console.pages.gettext(console.viewer.language)
        said = PROBLEMS.get(error.reason)
        problem = _(said).format(limit=error.limit) if said else str(error)
        return await run_in_threadpool(lambda: _show(console, problem=problem, form=form))
    return RedirectResponse(url("/users", done=done), status_code=303)


def _own(console: Console, form: Form) -> None:
    if form.get("email", "").strip().lower() == console.viewer.email.lower():
        raise PageError(
            400,
            N_(
                "You cannot disable your own account or change your own role; ask another "
                "administrator."
            ),
        )


@router.post("/users")
async def create_person(console: SignedIn) -> Response:
    users = console.context.users

    def create(form: Form) -> None:
        if form.get("password", "") != form.get("password_again", ""):
            raise UserInputError("the two passwords differ", reason=PASSWORDS_DIFFER)
        users.create(
            console.viewer.tenant,
            form.get("email", ""),
            form.get("role", ""),
            form.get("password", ""),
            name=form.get("name") or None,
        )

    return await _change(console, create, "created")


@router.post("/users/disable")
async def disable_person(console: SignedIn) -> Response:
    def disable(form: Form) -> None:
        _own(console, form)
        user = console.context.users.disable(console.viewer.tenant, form.get("email", ""))
        console.context.sessions.close_all(user.tenant, user.user_id)

    return await _change(console, disable, "disabled")


@router.post("/users/enable")
async def enable_person(console: SignedIn) -> Response:
    def enable(form: Form) -> None:
        console.context.users.enable(console.viewer.tenant, form.get("email", ""))

    return await _change(console, enable, "enabled")


@router.post("/users/grant")
async def grant_role(console: SignedIn) -> Response:
    def grant(form: Form) -> None:
        _own(console, form)
        console.context.users.grant(
            console.viewer.tenant, form.get("email", ""), form.get("role", "")
        )

    return await _change(console, grant, "granted")


@router.post("/users/password")
async def set_password(console: SignedIn) -> Response:
    def change(form: Form) -> None:
        if form.get("password", "") != form.get("password_again", ""):
            raise UserInputError("the two passwords differ", reason=PASSWORDS_DIFFER)
        user = console.context.users.set_password(
            console.viewer.tenant, form.get("email", ""), form.get("password", "")
        )
        console.context.sessions.close_all(user.tenant, user.user_id)

    return await _change(console, change, "password")
