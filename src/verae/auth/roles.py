"""Who may use the staff routes (admin API): `support` helps people without seeing their lab values or
documents, `admin` also changes settings and requeues. `verae users grant` gives a role.

To anyone else a staff route does not exist — 404, the body of an unknown path, so its existence is not
revealed — while a request without a valid token still gets 401 like every authenticated route."""

from __future__ import annotations

from collections.abc import Callable
from enum import StrEnum
from typing import Annotated

from fastapi import Depends

from verae.auth.dependencies import Principal, PrincipalDep
from verae.kit.errors import PathNotFound


class Role(StrEnum):
    USER = "user"
    SUPPORT = "support"
    ADMIN = "admin"


def require_role(*roles: Role) -> Callable[[Principal], Principal]:
    allowed = frozenset(roles)

    def principal_with_role(principal: PrincipalDep) -> Principal:
        if principal.user.role not in allowed:
            raise PathNotFound()
        return principal

    return principal_with_role


StaffPrincipal = Annotated[Principal, Depends(require_role(Role.SUPPORT, Role.ADMIN))]
AdminPrincipal = Annotated[Principal, Depends(require_role(Role.ADMIN))]
