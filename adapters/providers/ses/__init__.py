"""Amazon SES events, as Amazon SNS posts them to an HTTP(S) subscription.

A body is one SNS message: a JSON envelope whose ``Type`` is ``Notification``,
``SubscriptionConfirmation`` or ``UnsubscribeConfirmation``. A notification's ``Message`` is
a JSON *string* holding one SES record, in either of SES's two formats, both read here:

- event publishing through a configuration set: ``eventType`` is one of Send, Reject,
  Bounce, Complaint, Delivery, Open, Click, Rendering Failure, DeliveryDelay, Subscription;
- the older feedback notifications of an identity: ``notificationType`` is Bounce,
  Complaint or Delivery (or AmazonSnsSubscriptionSucceeded once the topic is set up).

One record may name several recipients; each gets its own observation. The message id is
``mail.messageId``; the event id is the SNS envelope's ``MessageId``, which SNS keeps when
it retries, so a retried notification is a duplicate (per recipient, as the domain counts).
"""

from __future__ import annotations

from adapters.providers.ses.envelope import parse
from adapters.providers.ses.mapping import MAPPING, NAME, TOPIC_VALIDATED

__all__ = ["MAPPING", "NAME", "TOPIC_VALIDATED", "parse"]
