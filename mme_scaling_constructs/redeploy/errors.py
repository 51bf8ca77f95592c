"""The errors of reading a deployed stack and of changing its scaling around a deploy."""

from __future__ import annotations

from collections.abc import Sequence


class RedeployError(ValueError):
    """A deployed stack, template value or AWS call the command cannot work with.

    Args:
        what: the failed step, e.g. ``"cannot fill the exported scaling calls:"``.
        findings: one line per problem; defaults to none.

    ``str()`` lists ``what`` and each finding on its own line; :attr:`one_line` joins them.
    """

    def __init__(self, what: str, findings: Sequence[str] = ()) -> None:
        self.what = what
        self.findings = tuple(findings)
        super().__init__("\n  ".join([what, *self.findings]))

    @property
    def one_line(self) -> str:
        """``what`` followed by the findings separated by ``"; "``, for a one-line error message."""
        return " ".join([self.what, "; ".join(self.findings)]) if self.findings else self.what


class MissingDependency(RedeployError):
    """A package the step needs is not installed; the message says what to install."""


class AwsCallError(RedeployError):
    """An AWS call failed: the client raised a botocore error.

    Args:
        service: the boto3 service name, e.g. ``"cloudformation"``.
        operation: the API operation, e.g. ``"DescribeStacks"``.
        message: the error's text.
        code: the error code AWS returned (``"ValidationError"``), or ``""`` when the call never
            got an answer (no credentials, no region, a network error); defaults to ``""``.
    """

    def __init__(self, service: str, operation: str, message: str, code: str = "") -> None:
        self.service = service
        self.operation = operation
        self.code = code
        super().__init__(f"{service} {operation} failed:", [message])


class DeployFailed(RedeployError):
    """The deploy command failed; the scaling of the stack's template was registered again.

    Args:
        status: the exit status to return: the deploy command's, 128 + the signal that ended it,
            or 1 when it could not be started.
        what: what happened, in words.
    """

    def __init__(self, status: int, what: str) -> None:
        self.status = status
        super().__init__(what)
