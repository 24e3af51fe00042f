"""FastAPI dependencies: the per-process state, typed with Annotated."""

from typing import Annotated

from fastapi import Depends, Request

from service.state import ServiceState


def get_state(request: Request) -> ServiceState:
    return request.app.state.service


State = Annotated[ServiceState, Depends(get_state)]
