"""Errors that mean "the user asked for something we cannot do", shown as one line, exit code 2."""

from __future__ import annotations


class UserError(Exception):
    """A problem with the user's input or environment: reported without a traceback."""

    exit_code = 2


class AnswerError(UserError):
    """An answer is unknown, of the wrong type, or breaks a rule of copier.yml."""

    def __init__(self, key: str, message: str) -> None:
        super().__init__(message)
        self.key = key
        self.message = message

    def __str__(self) -> str:
        # The validators in copier.yml already start with the key; do not say it twice.
        if self.message.startswith(self.key):
            return self.message
        return f"{self.key}: {self.message}"


class DestinationError(UserError):
    """The destination directory cannot receive a project."""
