"""Domain errors raised by services and models, independent of HTTP."""

from __future__ import annotations

from collections.abc import Mapping


class DomainError(Exception):
    """Base of the errors a service raises; the handlers map them to HTTP answers."""

    status = 400
    title = "Bad request"

    def __init__(self, detail: str | None = None):
        self.detail = detail or self.title
        super().__init__(self.detail)


class NotFound(DomainError):
    """The record does not exist (or is in the trash and the caller did not ask for it)."""

    status = 404
    title = "Not found"


class Forbidden(DomainError):
    """The caller's role does not allow this."""

    status = 403
    title = "Forbidden"


class Conflict(DomainError):
    """The change clashes with the current state (a duplicate key, a stale version).

    ``field`` names the input that clashes, when there is one (e.g. a taken LOG).
    """

    status = 409
    title = "Conflict"

    def __init__(self, detail: str | None = None, *, field: str | None = None):
        self.field = field
        super().__init__(detail)


class StaleVersion(Conflict):
    """Someone else saved the record after the caller read it."""

    title = "Edit conflict"


class PreconditionFailed(DomainError):
    """An If-Match precondition did not hold."""

    status = 412
    title = "Precondition failed"


class PreconditionRequired(DomainError):
    """A write needs If-Match or a version to guard against lost updates."""

    status = 428
    title = "Precondition required"


class ValidationError(DomainError):
    """Input broke one or more rules; ``errors`` maps field names to messages."""

    status = 422
    title = "Validation failed"

    def __init__(self, errors: Mapping[str, list[str]], detail: str | None = None):
        self.errors: dict[str, list[str]] = {k: list(v) for k, v in errors.items()}
        fields = ", ".join(self.errors)
        super().__init__(detail or f"Please correct: {fields}.")

    def merged(self, other: ValidationError) -> ValidationError:
        """Return a new error with the messages of both."""
        combined = {k: list(v) for k, v in self.errors.items()}
        for k, v in other.errors.items():
            combined.setdefault(k, []).extend(v)
        return ValidationError(combined)
