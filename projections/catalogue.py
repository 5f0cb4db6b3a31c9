"""Every read model of the ledger, by the name the commands use."""

from __future__ import annotations

from projections.addresses import AddressStatus
from projections.daily_counts import DailyCounts
from projections.dossier_history import DossierHistory
from projections.read_model import ReadModel
from projections.recipient_status import RecipientStatus
from projections.sent_mail import SentMailList
from projections.signals import SignalDecisions

READ_MODELS: dict[str, type[ReadModel]] = {
    model.name: model
    for model in (
        SentMailList,
        RecipientStatus,
        DossierHistory,
        DailyCounts,
        AddressStatus,
        SignalDecisions,
    )
}
"""sent_mail, recipient_status, dossier_history, daily_counts, addresses, signals."""
