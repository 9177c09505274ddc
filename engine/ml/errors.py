"""The ML service's errors: a code as the AWS service names it, and a message.

They travel to the instance in the service's answer and become SQL errors there, each with a
SQLSTATE (engine/instance/ml_functions.py), so a client sees the code AWS would show.
"""

from __future__ import annotations


class MlError(Exception):
    """An error the ML service answers with; ``code`` is the AWS exception name."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message
