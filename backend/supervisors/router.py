import uuid
from typing import Annotated

from fastapi import APIRouter, Query, Response, status

from backend.auth.deps import SchoolActor
from backend.db import SessionDep
from backend.errors import NotFound, problems
from backend.schemas import Page, PageParams, SingleLine
from backend.supervisors import service
from backend.supervisors.schemas import SupervisorCreate, SupervisorRead, SupervisorUpdate

router = APIRouter(prefix="/supervisors", tags=["supervisors"])


@router.get("", summary="The school's supervisors")
async def list_supervisors(
    actor: SchoolActor,
    db: SessionDep,
    params: Annotated[PageParams, Query()],
    q: Annotated[SingleLine | None, Query(max_length=100)] = None,
) -> Page[SupervisorRead]:
    return await service.list_(db, actor, params, q)


@router.post("", status_code=status.HTTP_201_CREATED, summary="Add a supervisor")
async def create_supervisor(
    body: SupervisorCreate, actor: SchoolActor, db: SessionDep
) -> SupervisorRead:
    return await service.create(db, actor, body)


@router.get("/{supervisor_id}", summary="One supervisor", responses=problems(NotFound))
async def get_supervisor(
    supervisor_id: uuid.UUID, actor: SchoolActor, db: SessionDep
) -> SupervisorRead:
    return await service.get(db, actor, supervisor_id)


@router.patch("/{supervisor_id}", summary="Edit a supervisor", responses=problems(NotFound))
async def update_supervisor(
    supervisor_id: uuid.UUID, body: SupervisorUpdate, actor: SchoolActor, db: SessionDep
) -> SupervisorRead:
    return await service.update(db, actor, supervisor_id, body)


@router.delete(
    "/{supervisor_id}",
    status_code=status.HTTP_204_NO_CONTENT,
    summary="Delete a supervisor no request refers to",
    responses=problems(NotFound, service.SupervisorInUse),
)
async def delete_supervisor(
    supervisor_id: uuid.UUID, actor: SchoolActor, db: SessionDep
) -> Response:
    await service.delete(db, actor, supervisor_id)
    return Response(status_code=status.HTTP_204_NO_CONTENT)
