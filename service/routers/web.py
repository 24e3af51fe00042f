"""The moderator page at `/`: plain HTML + JS from service/static, no build step."""

from pathlib import Path

from fastapi import APIRouter
from fastapi.responses import FileResponse
from fastapi.staticfiles import StaticFiles

STATIC_DIR = Path(__file__).resolve().parents[1] / "static"
STATIC_PATH = "/static"

router = APIRouter(tags=["web"])


@router.get("/", include_in_schema=False)
def moderator_page() -> FileResponse:
    return FileResponse(STATIC_DIR / "index.html", headers={"Cache-Control": "no-cache"})


def static_files() -> StaticFiles:
    """The page's script and style, mounted at STATIC_PATH."""
    return StaticFiles(directory=STATIC_DIR)
