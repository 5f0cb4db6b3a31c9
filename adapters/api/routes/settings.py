"""The tenant's settings: its contact URL template (docs/api.md, contact links)."""

from __future__ import annotations

from fastapi import APIRouter
from pydantic import BaseModel, ConfigDict, Field

from adapters.api.auth import SettingsManager
from adapters.api.context import Context
from adapters.api.errors import ApiError, documented
from adapters.api.models import ContactLinkOut
from domain.contact_links import MAX_TEMPLATE_LENGTH, InvalidContactTemplateError

router = APIRouter(prefix="/v1", tags=["settings"])


class ContactLinkBody(BaseModel):
    """A contact URL template: http(s), with {contact_ref} and {address} as placeholders."""

    model_config = ConfigDict(extra="forbid")
    template: str = Field(
        description=f"At most {MAX_TEMPLATE_LENGTH} characters; a longer one is a 400.",
        examples=["https://crm.example/contacts/{contact_ref}"],
    )


@router.get(
    "/settings/contact-link",
    response_model=ContactLinkOut,
    responses=documented(401, 403, 503),
    summary="The tenant's contact URL template",
)
def show_contact_link(key: SettingsManager, context: Context) -> ContactLinkOut:
    """``template`` null: recipients have no contact link."""
    return ContactLinkOut.model_validate(context.contact_links.get(key.tenant).to_json())


@router.put(
    "/settings/contact-link",
    response_model=ContactLinkOut,
    responses=documented(400, 401, 403, 503),
    summary="Set the tenant's contact URL template",
)
def set_contact_link(
    body: ContactLinkBody, key: SettingsManager, context: Context
) -> ContactLinkOut:
    """Placeholders ``{contact_ref}`` and ``{address}`` only, filled URL-quoted; http(s) only,
    its host its own; at most 2000 characters."""
    try:
        saved = context.contact_links.set(key.tenant, body.template, by=f"key {key.key_id}")
    except InvalidContactTemplateError as error:
        raise ApiError(400, str(error), where="body.template") from None
    return ContactLinkOut.model_validate(saved.to_json())


@router.delete(
    "/settings/contact-link",
    response_model=ContactLinkOut,
    responses=documented(401, 403, 503),
    summary="Forget the tenant's contact URL template",
)
def reset_contact_link(key: SettingsManager, context: Context) -> ContactLinkOut:
    return ContactLinkOut.model_validate(context.contact_links.reset(key.tenant).to_json())
