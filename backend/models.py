"""Every table, imported in one place for Alembic and the tests."""

from backend.auth.models import ActionToken, RefreshToken, User
from backend.db import Base
from backend.mail.models import OutboxMail
from backend.organisations.models import Organisation

__all__ = ["ActionToken", "Base", "Organisation", "OutboxMail", "RefreshToken", "User"]
