"""The kept events: `record` writes a change's event in the change's own transaction and
publishes it, numbered, once that commits; `replay` reads back what a reconnecting stream
missed after the `Last-Event-ID` it names (within EVENT_RETENTION_HOURS); `purge` forgets
the old ones (the worker)."""

from collections.abc import Iterable
from datetime import timedelta
from typing import Any

from sqlalchemy import and_, delete, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from backend import clock
from backend.db import after_commit, rowcount
from backend.events.broker import broker
from backend.events.models import ChangeEvent
from backend.mail.outbox import wake

# A replay sends at most this many events; a stream further behind is told to reload.
REPLAY_MAX = 1000
# Ids are handed out when a change writes its event, not when it commits: a change that
# committed late can carry a smaller id than one its stream already saw. A replay therefore
# sends again the events of this many seconds before the last one seen (events are hints to
# refresh: one heard twice costs a read, one missed costs a stale screen).
REPLAY_OVERLAP_SECONDS = 15


def record(session: AsyncSession, channels: Iterable[str | Any], event: dict[str, Any]) -> None:
    """Keeps `event` (in the session's transaction) for the stream's replay and the
    webhooks; once committed, publishes it with its `id` to `channels` and wakes the worker
    that fans it out to the webhooks."""
    targets = sorted({str(c) for c in channels})
    row = ChangeEvent(
        created_at=clock.now(), kind=str(event["kind"]), channels=targets, payload=event
    )
    session.add(row)
    after_commit(session, lambda: broker().publish(targets, {**event, "id": row.id}))
    after_commit(session, wake)


async def replay(
    session: AsyncSession, channels: set[str], last_id: int, retention: timedelta
) -> list[dict[str, Any]] | None:
    """The events for `channels` after event `last_id` (and a few seconds before it, see
    REPLAY_OVERLAP_SECONDS), oldest first, each with its `id`; None when `last_id` is not
    a kept event (too old, purged, or made up) or too many were missed: reload everything."""
    seen_at = await session.scalar(
        select(ChangeEvent.created_at).where(
            ChangeEvent.id == last_id, ChangeEvent.created_at >= clock.now() - retention
        )
    )
    if seen_at is None:
        return None
    overlap = seen_at - timedelta(seconds=REPLAY_OVERLAP_SECONDS)
    rows = (
        await session.execute(
            select(ChangeEvent.id, ChangeEvent.channels, ChangeEvent.payload)
            .where(
                or_(
                    ChangeEvent.id > last_id,
                    and_(ChangeEvent.id < last_id, ChangeEvent.created_at >= overlap),
                )
            )
            .order_by(ChangeEvent.id)
            .limit(REPLAY_MAX * 10 + 1)
        )
    ).all()
    if len(rows) > REPLAY_MAX * 10:
        return None
    events = [{**row.payload, "id": row.id} for row in rows if channels & set(row.channels)]
    return events if len(events) <= REPLAY_MAX else None


async def purge(session: AsyncSession, retention: timedelta) -> int:
    """Forgets the events older than `retention` that the fan-out has taken."""
    result = await session.execute(
        delete(ChangeEvent)
        .where(
            ChangeEvent.created_at < clock.now() - retention,
            ChangeEvent.fanned_out_at.is_not(None),
        )
        .execution_options(synchronize_session=False)
    )
    return rowcount(result)
