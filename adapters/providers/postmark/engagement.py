"""Open and Click records: what the recipient did with the e-mail."""

from __future__ import annotations

from adapters.providers.postmark.observation import Reading, observe
from adapters.providers.postmark.payload import Record
from domain.kinds import EventKind


def opened(index: int, event: Record) -> Reading:
    """Opened by the Recipient, with the client, platform and place it was opened from."""
    client, os, geo = event.get("Client"), event.get("OS"), event.get("Geo")
    return observe(
        index,
        event,
        EventKind.OPENED,
        "Recipient",
        event.get("Recipient"),
        "ReceivedAt",
        event.get("ReceivedAt"),
        None,
        {
            "user_agent": event.get("UserAgent"),
            "ip": None if geo is None else geo.get("IP"),
            "tags": [event.get("Tag")] if event.get("Tag") else None,
            "first_open": event.get("FirstOpen"),
            "read_seconds": event.get("ReadSeconds"),
            "platform": event.get("Platform"),
            "client": None if client is None else client.get("Name"),
            "os": None if os is None else os.get("Name"),
            "message_stream": event.get("MessageStream"),
        },
    )


def clicked(index: int, event: Record) -> Reading:
    """Clicked by the Recipient, with the link and the client it was clicked from."""
    client, os, geo = event.get("Client"), event.get("OS"), event.get("Geo")
    return observe(
        index,
        event,
        EventKind.CLICKED,
        "Recipient",
        event.get("Recipient"),
        "ReceivedAt",
        event.get("ReceivedAt"),
        None,
        {
            "url": event.get("OriginalLink"),
            "user_agent": event.get("UserAgent"),
            "ip": None if geo is None else geo.get("IP"),
            "tags": [event.get("Tag")] if event.get("Tag") else None,
            "click_location": event.get("ClickLocation"),
            "platform": event.get("Platform"),
            "client": None if client is None else client.get("Name"),
            "os": None if os is None else os.get("Name"),
            "message_stream": event.get("MessageStream"),
        },
    )
