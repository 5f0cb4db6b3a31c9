"""Who is calling: the API key from ``Authorization``, and whether its role may do this.

Every /v1 route but the health check takes ``Authorization: Bearer <token>``. Webhook routes
also take HTTP Basic with the token as the password, since many providers can only put
credentials into the webhook's URL. A missing, unknown or revoked key is 401; a key whose
role lacks the route's permission is 403.
"""

from __future__ import annotations

import base64
import binascii
from collections.abc import Awaitable, Callable
from typing import Annotated

import structlog
from fastapi import Depends, Request, Security
from fastapi.concurrency import run_in_threadpool
from fastapi.security import HTTPAuthorizationCredentials, HTTPBasic, HTTPBearer
from starlette.requests import HTTPConnection

from adapters.access.keys import ApiKey
from adapters.access.roles import PERMISSIONS, Permission, allows
from adapters.api.context import Context
from adapters.api.errors import BEARER_CHALLENGE, ApiError

BASIC_CHALLENGE = 'Basic realm="mailledger webhooks"'

_BEARER = HTTPBearer(
    auto_error=False,
    scheme_name="ApiKey",
    bearerFormat="mlk_<key id>_<secret>",
    description="An API key: `mailledger keys create --tenant T --role R` prints one.",
)


class _BasicForWebhooks(HTTPBasic):
    """Documents Basic for webhooks in OpenAPI; the header is read by ``_token_of``."""

    async def __call__(self, request: HTTPConnection) -> None:
        return None


_BASIC = _BasicForWebhooks(
    auto_error=False,
    scheme_name="WebhookBasic",
    description="Webhooks only: any user name, the API key's token as the password.",
)


def _token_of(header: str | None, *, basic: bool) -> str | None:
    """The token a Bearer header carries, or (with ``basic``) a Basic header's password."""
    if not header:
        return None
    scheme, _, value = header.strip().partition(" ")
    value = value.strip()
    if scheme.lower() == "bearer" and value:
        return value
    if basic and scheme.lower() == "basic" and value:
        try:
            decoded = base64.b64decode(value, validate=True).decode("utf-8")
        except (binascii.Error, ValueError):
            return None
        _, colon, password = decoded.partition(":")
        return password if colon and password else None
    return None


def _refused(message: str, *, basic: bool) -> ApiError:
    challenge = f"{BEARER_CHALLENGE}, {BASIC_CHALLENGE}" if basic else BEARER_CHALLENGE
    return ApiError(401, message, headers={"WWW-Authenticate": challenge})


async def _authenticate(request: Request, context: Context, *, basic: bool) -> ApiKey:
    token = _token_of(request.headers.get("Authorization"), basic=basic)
    if token is None:
        accepted = (
            "Bearer <token> (or Basic with the token as password)" if basic else ("Bearer <token>")
        )
        raise _refused(
            f"this request needs an API key: send Authorization: {accepted}", basic=basic
        )
    key = context.recent_keys.get(token)
    if key is None:
        key = await run_in_threadpool(context.keys.authenticate, token)
        if key is None:
            raise _refused("the API key is unknown or revoked", basic=basic)
        context.recent_keys.remember(token, key)
    # Kept in the request's state for its access log line, and bound for every other line.
    request.state.tenant = key.tenant
    request.state.key_id = key.key_id
    structlog.contextvars.bind_contextvars(tenant=key.tenant, key_id=key.key_id)
    return key


def _holders(permission: Permission) -> str:
    return ", ".join(role.value for role, granted in PERMISSIONS.items() if permission in granted)


def requires(permission: Permission, *, basic: bool = False) -> Callable[..., Awaitable[ApiKey]]:
    """A dependency giving the caller's key once it is known to hold ``permission``."""

    async def bearer_key(
        request: Request,
        context: Context,
        _bearer: Annotated[HTTPAuthorizationCredentials | None, Security(_BEARER)],
    ) -> ApiKey:
        return _checked(await _authenticate(request, context, basic=False), permission)

    async def bearer_or_basic_key(
        request: Request,
        context: Context,
        _bearer: Annotated[HTTPAuthorizationCredentials | None, Security(_BEARER)],
        _basic: Annotated[None, Security(_BASIC)],
    ) -> ApiKey:
        return _checked(await _authenticate(request, context, basic=True), permission)

    return bearer_or_basic_key if basic else bearer_key


def _checked(key: ApiKey, permission: Permission) -> ApiKey:
    if not allows(key.role, permission):
        raise ApiError(
            403,
            f"a key of role {key.role.value} may not do this: it needs the "
            f"{permission.value} permission, which {_holders(permission)} keys have",
        )
    return key


MessagesReader = Annotated[ApiKey, Depends(requires(Permission.READ_MESSAGES))]
"""The caller's key, allowed the sent-mail list, message details and daily statistics."""
HistoryReader = Annotated[ApiKey, Depends(requires(Permission.READ_HISTORY))]
"""The caller's key, allowed audit histories of messages and dossiers."""
Ingester = Annotated[ApiKey, Depends(requires(Permission.INGEST))]
"""The caller's key, allowed registrations of sends."""
WebhookIngester = Annotated[ApiKey, Depends(requires(Permission.INGEST, basic=True))]
"""The caller's key, Bearer or Basic, allowed provider webhooks."""
KeyManager = Annotated[ApiKey, Depends(requires(Permission.MANAGE_KEYS))]
"""The caller's key, allowed to list, issue and revoke its tenant's keys."""
QuarantineManager = Annotated[ApiKey, Depends(requires(Permission.MANAGE_QUARANTINE))]
"""The caller's key, allowed to see and replay its tenant's quarantined events."""
SubscriptionManager = Annotated[ApiKey, Depends(requires(Permission.MANAGE_SUBSCRIPTIONS))]
"""The caller's key, allowed to manage its tenant's webhook subscriptions."""
AddressReader = Annotated[ApiKey, Depends(requires(Permission.READ_ADDRESSES))]
"""The caller's key, allowed addresses' statuses and the suppression list."""
AddressChecker = Annotated[ApiKey, Depends(requires(Permission.CHECK_ADDRESSES))]
"""The caller's key, allowed to ask whether addresses may be sent to."""
PreferenceSetter = Annotated[ApiKey, Depends(requires(Permission.SET_PREFERENCES))]
"""The caller's key, allowed to record recipients' preferences."""
PolicyManager = Annotated[ApiKey, Depends(requires(Permission.MANAGE_POLICIES))]
"""The caller's key, allowed to lift suppressions and set the tenant's rules."""
ContentReader = Annotated[ApiKey, Depends(requires(Permission.READ_CONTENT))]
"""The caller's key, allowed the copies of its tenant's sent e-mails."""
SettingsManager = Annotated[ApiKey, Depends(requires(Permission.MANAGE_SETTINGS))]
"""The caller's key, allowed its tenant's settings (the contact URL template)."""
