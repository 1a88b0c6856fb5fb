"""The audit log: append-only entries of who did what, when, from where."""

from typing import TYPE_CHECKING, Any

from sqlalchemy.ext.asyncio import AsyncSession

from backend import clock
from backend.audit.models import AuditEntry

if TYPE_CHECKING:
    # Not at run time: the sign-in code these come from records through this module.
    from backend.auth.deps import Actor
    from backend.auth.models import User


def record(
    session: AsyncSession,
    action: str,
    *,
    actor: "Actor | None" = None,
    user: "User | None" = None,
    object_type: str | None = None,
    object_id: Any = None,
    client_address: str | None = None,
    **details: Any,
) -> AuditEntry:
    """Adds an entry in the caller's transaction, by `actor` (an Actor) or `user` (a User not
    signed in yet), or by nobody known."""
    user = user or getattr(actor, "user", None)
    entry = AuditEntry(
        at=clock.now(),
        action=action,
        actor_user_id=getattr(user, "id", None),
        actor_organisation_id=getattr(actor, "organisation_id", None)
        or getattr(user, "organisation_id", None),
        object_type=object_type,
        object_id=str(object_id) if object_id is not None else None,
        client_address=client_address,
        details=details,
    )
    session.add(entry)
    return entry
