"""The keys of the national numbers against the stored data: the check /readyz reports, and
the two jobs that move stored data to new keys while the API serves (docs/OPERATIONS.md,
"Keys"): `rotate-keys` re-encrypts under DATA_KEY's first key, `reindex` rehashes under
BLIND_INDEX_KEY. Both work in short batches of conditional single-row updates (no table
lock, a concurrent edit wins), skip what is done already, and so can be stopped and rerun;
each records its key in the check only after a full pass found nothing left to do."""

import logging
import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field

from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from sqlalchemy.orm import InstrumentedAttribute

from backend import crypto
from backend.auth.models import User
from backend.db import rowcount
from backend.mail.models import OutboxMail
from backend.placements.models import KeyCheck, PlacementRequest, RequestState
from backend.webhooks.models import WebhookEndpoint

log = logging.getLogger(__name__)

CHECK_ID = 1
ERASED = ""  # a number erased by the retention purge (admin.retention)
DEFAULT_BATCH_SIZE = 500

OK = "ok"
CANNOT_DECRYPT = "cannot_decrypt"  # a key of DATA_KEY is wrong, or removed too early
REINDEX_NEEDED = "reindex_needed"  # the stored hashes are under neither blind index key

_stored = PlacementRequest.national_number_encrypted != ERASED
# Withdrawn rows carry a hash no number has (service.withdrawn_hash): nothing to rehash.
_hashed = _stored & (PlacementRequest.state != RequestState.withdrawn)


async def _find_blind_fingerprint(session: AsyncSession) -> tuple[bool, str | None]:
    """(whether a sample number decrypts, the fingerprint of the key its stored hash is under)."""
    sample = (
        await session.execute(
            select(
                PlacementRequest.national_number_encrypted, PlacementRequest.national_number_hash
            )
            .where(_hashed)
            .limit(1)
        )
    ).first()
    if sample is None:
        return True, crypto.blind_key_fingerprint()
    number = crypto.open_token(sample.national_number_encrypted)
    if number is None:
        return False, None
    return True, crypto.fingerprint_of_hash(number, sample.national_number_hash)


async def _record(session: AsyncSession) -> KeyCheck | None:
    """The check of a database that has none yet (new, or upgraded): from a sample of the
    stored numbers; None when the configured keys open none of them."""
    sample = await session.scalar(
        select(PlacementRequest.national_number_encrypted).where(_stored).limit(1)
    )
    if sample is not None and crypto.open_token(sample) is None:
        return None
    decrypts, fingerprint = await _find_blind_fingerprint(session)
    if not decrypts:
        return None
    # Under the oldest key: stored numbers may be under any key of DATA_KEY.
    check = KeyCheck(
        id=CHECK_ID,
        data_key_token=crypto.check_token(oldest=True),
        blind_index_fingerprint=fingerprint,
    )
    try:
        async with session.begin_nested():
            session.add(check)
            await session.flush()
    except IntegrityError:
        # Another process recorded it first.
        return await session.get(KeyCheck, CHECK_ID, populate_existing=True)
    return check


async def key_checks(session: AsyncSession) -> dict[str, str]:
    """`data_key` and `blind_index_key`: "ok", or why the configured keys do not fit the
    stored data. Records the check when there is none (flush)."""
    check = await session.get(KeyCheck, CHECK_ID)
    if (
        check is not None
        and not crypto.opens_check_token(check.data_key_token)
        and await session.scalar(select(PlacementRequest.id).where(_stored).limit(1)) is None
    ):
        # No number stored yet: nothing is lost by starting over with the keys given now.
        await session.delete(check)
        await session.flush()
        check = None
    if check is None:
        check = await _record(session)
        if check is None:
            return {"data_key": CANNOT_DECRYPT}
    data = OK if crypto.opens_check_token(check.data_key_token) else CANNOT_DECRYPT
    known = check.blind_index_fingerprint in crypto.known_blind_key_fingerprints()
    return {"data_key": data, "blind_index_key": OK if known else REINDEX_NEEDED}


# --- the jobs -------------------------------------------------------------------------------


@dataclass
class JobReport:
    examined: int = 0
    changed: int = 0
    # Rows no configured key decrypts, and (reindex) rows whose new hash another request of
    # the same pupil already has: left as they were, listed by id for the operator.
    undecryptable: list[uuid.UUID] = field(default_factory=list)
    duplicates: list[uuid.UUID] = field(default_factory=list)

    @property
    def complete(self) -> bool:
        return not self.undecryptable and not self.duplicates

    def add(self, other: "JobReport") -> None:
        self.examined += other.examined
        self.changed += other.changed
        self.undecryptable += other.undecryptable
        self.duplicates += other.duplicates


async def rotate_batch(
    session: AsyncSession, after: uuid.UUID | None, size: int
) -> tuple[uuid.UUID | None, JobReport]:
    """Re-encrypts the next `size` numbers after id `after` that are not under DATA_KEY's
    first key; the last id seen (None at the end) and what was done (flush)."""
    query = select(PlacementRequest.id, PlacementRequest.national_number_encrypted).where(_stored)
    if after is not None:
        query = query.where(PlacementRequest.id > after)
    rows = (await session.execute(query.order_by(PlacementRequest.id).limit(size))).all()
    report = JobReport(examined=len(rows))
    for row in rows:
        if crypto.is_under_newest_key(row.national_number_encrypted):
            continue
        token = crypto.rotate(row.national_number_encrypted)
        if token is None:
            report.undecryptable.append(row.id)
            continue
        # On the old ciphertext: an edit meanwhile wrote the number under the first key
        # already, and wins. Neither the version nor updated_at change: nothing did.
        result = await session.execute(
            update(PlacementRequest)
            .where(
                PlacementRequest.id == row.id,
                PlacementRequest.national_number_encrypted == row.national_number_encrypted,
            )
            .values(national_number_encrypted=token)
            .execution_options(synchronize_session=False)
        )
        report.changed += rowcount(result)
    return (rows[-1].id if len(rows) == size else None), report


async def _rotate_sealed(session: AsyncSession, column: InstrumentedAttribute[str | None]) -> None:
    """Moves every value of a Fernet-sealed column to DATA_KEY's first key, one conditional
    update per row (on the old ciphertext: a value written meanwhile wins). For the small
    tables of sealed secrets, read in one go."""
    model = column.class_
    rows = await session.execute(select(model.id, column).where(column.is_not(None)))
    for row_id, sealed in rows.all():
        if crypto.is_under_newest_key(sealed) or (token := crypto.rotate(sealed)) is None:
            continue
        await session.execute(
            update(model)
            .where(model.id == row_id, column == sealed)
            .values({column.key: token})
            .execution_options(synchronize_session=False)
        )


# Besides the national numbers, DATA_KEY seals secrets that must outlive the old key: the
# link tokens of mails still waiting (blanked once sent), the users' TOTP secrets and the
# webhooks' signing secrets.
SEALED_SECRETS = (
    OutboxMail.link_token_encrypted,
    User.mfa_secret_encrypted,
    WebhookEndpoint.secret_encrypted,
)


async def finish_rotation(session: AsyncSession) -> None:
    """After a full pass: the data is under the first key alone, and so is the check."""
    for column in SEALED_SECRETS:
        await _rotate_sealed(session, column)
    check = await session.get(KeyCheck, CHECK_ID) or await _record(session)
    if check is None:
        raise RuntimeError("DATA_KEY opens no stored number")
    check.data_key_token = crypto.check_token(oldest=False)
    await session.flush()


async def reindex_batch(
    session: AsyncSession, after: uuid.UUID | None, size: int
) -> tuple[uuid.UUID | None, JobReport]:
    """Rehashes under BLIND_INDEX_KEY the next `size` numbers after id `after` whose hash is
    another key's; the last id seen (None at the end) and what was done (flush)."""
    query = select(
        PlacementRequest.id,
        PlacementRequest.national_number_encrypted,
        PlacementRequest.national_number_hash,
    ).where(_hashed)
    if after is not None:
        query = query.where(PlacementRequest.id > after)
    rows = (await session.execute(query.order_by(PlacementRequest.id).limit(size))).all()
    report = JobReport(examined=len(rows))
    for row in rows:
        number = crypto.open_token(row.national_number_encrypted)
        if number is None:
            report.undecryptable.append(row.id)
            continue
        number_hash = crypto.blind_index(number)
        if number_hash == row.national_number_hash:
            continue
        try:
            async with session.begin_nested():
                # On the old hash and ciphertext: an edit or withdrawal meanwhile wins.
                result = await session.execute(
                    update(PlacementRequest)
                    .where(
                        PlacementRequest.id == row.id,
                        PlacementRequest.national_number_hash == row.national_number_hash,
                        PlacementRequest.national_number_encrypted == row.national_number_encrypted,
                    )
                    .values(national_number_hash=number_hash)
                    .execution_options(synchronize_session=False)
                )
        except IntegrityError:
            # The same pupil twice under two keys (entered while no old key was set).
            report.duplicates.append(row.id)
            continue
        report.changed += rowcount(result)
    return (rows[-1].id if len(rows) == size else None), report


async def finish_reindex(session: AsyncSession) -> None:
    """After a full pass: the stored hashes are under BLIND_INDEX_KEY."""
    check = await session.get(KeyCheck, CHECK_ID) or await _record(session)
    if check is None:
        raise RuntimeError("DATA_KEY opens no stored number")
    check.blind_index_fingerprint = crypto.blind_key_fingerprint()
    await session.flush()


Batch = Callable[
    [AsyncSession, uuid.UUID | None, int], Awaitable[tuple[uuid.UUID | None, JobReport]]
]


async def run_job(
    sessionmaker: async_sessionmaker[AsyncSession],
    batch: Batch,
    finish: Callable[[AsyncSession], Awaitable[None]],
    batch_size: int = DEFAULT_BATCH_SIZE,
    progress: Callable[[JobReport], None] | None = None,
) -> JobReport:
    """Runs `batch` over every request, one short transaction per batch, then `finish` when
    nothing was left undone."""
    total, after = JobReport(), None
    while True:
        async with sessionmaker() as session:
            after, report = await batch(session, after, batch_size)
            await session.commit()
        total.add(report)
        if progress is not None:
            progress(total)
        if after is None:
            break
    if total.complete:
        async with sessionmaker() as session:
            await finish(session)
            await session.commit()
    else:
        log.warning(
            "key job left %d undecryptable and %d duplicate rows",
            len(total.undecryptable),
            len(total.duplicates),
        )
    return total
