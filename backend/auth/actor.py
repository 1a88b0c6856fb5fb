"""Who acts: a plain value, with no web framework in sight, so that the rules of who may read
or do what (placements/reading/access.py, present.py) take it without importing FastAPI.
`backend.auth.deps` builds it from a request and re-exports it."""

import uuid
from dataclasses import dataclass

from backend.auth.models import ApiToken, User
from backend.organisations.models import OrganisationKind


@dataclass(frozen=True)
class Actor:
    """The signed-in user, or an API token, acting for one organisation. With a token, `user`
    is the token's creator, so that everything keyed on a user keeps working."""

    user: User
    organisation_id: uuid.UUID
    role: OrganisationKind
    api_token: ApiToken | None = None

    @property
    def is_admin(self) -> bool:
        return self.role == OrganisationKind.admin
