from typing import Annotated

from fastapi import APIRouter, Depends, Query

from backend.auth.deps import AdminActor, SettingsDep, client_address
from backend.db import SessionDep
from backend.errors import problems
from backend.texts import service
from backend.texts.schemas import (
    Language,
    PublicTextName,
    TextName,
    TextRead,
    TextSource,
    TextUpdate,
)

# Public: the footer links to these texts on every page, signed in or not.
public = APIRouter(prefix="/texts", tags=["texts"])
router = APIRouter(prefix="/admin/texts", tags=["admin"])
ClientAddress = Annotated[str, Depends(client_address)]
Lang = Annotated[Language, Query(description="`nl` or `en`")]


@public.get("/{name}", summary="A public text (privacy, accessibility), parsed into blocks")
async def read_text(
    name: PublicTextName, db: SessionDep, settings: SettingsDep, lang: Lang = "nl"
) -> TextRead:
    return await service.read(db, settings, name, lang)


@router.get("/{name}", summary="A public text's source, as the admin edits it")
async def text_source(
    name: TextName, _: AdminActor, db: SessionDep, lang: Lang = "nl"
) -> TextSource:
    return await service.source(db, name, lang)


@router.put(
    "/{name}",
    summary="Replace a public text in one language (audited)",
    responses=problems(service.TextTooLong, service.UnknownPlaceholder),
)
async def replace_text(
    name: TextName,
    body: TextUpdate,
    actor: AdminActor,
    db: SessionDep,
    client: ClientAddress,
    lang: Lang = "nl",
) -> TextSource:
    """Placeholders of the public texts: {support_email}, {support_phone}, {support_hours},
    {retention_months}, {public_url}; of `agreement` the pupil's, the school's, the service's
    and the placement's values (`placeholders` of the GET lists them); an unknown one is a
    422. Markup: `## ` headings, `### ` subheadings, `- ` list items, blank lines between
    paragraphs, `[label](https://…|mailto:…|tel:…|/path)` links; nothing else."""
    return await service.replace(db, actor, name, lang, body.body, client)


@router.delete("/{name}", summary="Go back to the default text in one language (audited)")
async def reset_text(
    name: TextName, actor: AdminActor, db: SessionDep, client: ClientAddress, lang: Lang = "nl"
) -> TextSource:
    return await service.reset(db, actor, name, lang, client)
