"""Every table, imported in one place for Alembic and the tests."""

from backend.audit.models import AuditEntry
from backend.auth.models import ActionToken, ApiToken, RefreshToken, User
from backend.campaigns.models import Campaign, ReminderSent
from backend.db import Base
from backend.events.models import ChangeEvent
from backend.idempotency.models import IdempotencyKey
from backend.mail.models import OutboxAttempt, OutboxMail
from backend.organisations.models import Organisation, ServiceCapacity
from backend.placements.models import (
    Acceptance,
    Invitation,
    KeyCheck,
    PlacementRequest,
    RequestEvent,
)
from backend.supervisors.models import Supervisor
from backend.texts.models import SiteText
from backend.webhooks.models import WebhookDelivery, WebhookEndpoint

__all__ = [
    "Acceptance",
    "ActionToken",
    "ApiToken",
    "AuditEntry",
    "Base",
    "Campaign",
    "ChangeEvent",
    "IdempotencyKey",
    "Invitation",
    "KeyCheck",
    "Organisation",
    "OutboxAttempt",
    "OutboxMail",
    "PlacementRequest",
    "RefreshToken",
    "ReminderSent",
    "RequestEvent",
    "ServiceCapacity",
    "SiteText",
    "Supervisor",
    "User",
    "WebhookDelivery",
    "WebhookEndpoint",
]
