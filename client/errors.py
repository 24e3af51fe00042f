"""What the client raises."""


class ApiError(Exception):
    """The API answered with an error body `{"error": {"code", "message"}}`."""

    def __init__(self, status_code: int, code: str, message: str) -> None:
        super().__init__(f"{status_code} {code}: {message}")
        self.status_code = status_code
        self.code = code
        self.message = message


class JobTimeout(Exception):
    """The job did not finish within the time the caller was willing to wait."""


class ArtifactMismatch(Exception):
    """A downloaded file's SHA-256 differs from the one the job reported."""
