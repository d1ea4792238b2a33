"""The errors millcheck raises to its users: each message says what went wrong and what to do."""

from __future__ import annotations


class InputError(ValueError):
    """Input that is no scorable article; `code` is short and machine-readable, for output records."""

    def __init__(self, code: str, message: str):
        super().__init__(message)
        self.code = code
        self.message = message

    def to_dict(self) -> dict[str, str]:
        return {"code": self.code, "message": self.message}


class ModelFilesError(RuntimeError):
    """Model files are missing or unreadable; the message says how to fix it."""
