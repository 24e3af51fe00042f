"""Uploaded videos on the storage directory the API and the workers share (a volume): too big
for Redis, which keeps only the job record and the file's name."""

import os
import tempfile
from pathlib import Path


class VideoStorage:
    def __init__(self, directory: Path) -> None:
        self.directory = directory

    def path(self, name: str) -> Path:
        """The stored file `name` (a bare file name, never a path)."""
        if Path(name).name != name or name.startswith("."):
            raise ValueError(f"not a stored video name: {name!r}")
        return self.directory / name

    def save(self, job_id: str, suffix: str, data: bytes) -> str:
        """Write the video whole (a temporary file renamed into place); its stored name."""
        self.directory.mkdir(parents=True, exist_ok=True)
        name = f"{job_id}{suffix}"
        with tempfile.NamedTemporaryFile(dir=self.directory, prefix=".", delete=False) as file:
            file.write(data)
            file.flush()
            os.fsync(file.fileno())
        os.replace(file.name, self.path(name))
        return name

    def delete_job(self, job_id: str) -> None:
        """Delete the job's stored video, whatever its suffix (none: nothing happens)."""
        for path in self.directory.glob(f"{job_id}.*"):
            path.unlink(missing_ok=True)
