"""Count the calls Python makes into the jsii kernel: the cost unit of a CDK app in Python.

Each call crosses into the Node process, so their number (deterministic for the same code)
measures a construct's synthesis cost better than a timer does.
"""

from __future__ import annotations

from typing import Any, Final

from jsii._kernel.providers.process import ProcessProvider

#: Requests to the kernel that code causes: object creation, property reads and writes, method
#: calls and callback answers. Deletions are left out: the garbage collector decides them.
COUNTED_REQUESTS: Final = (
    "create",
    "get",
    "set",
    "sget",
    "sset",
    "invoke",
    "sinvoke",
    "begin",
    "sbegin",
    "complete",
    "sync_complete",
)


class JsiiCalls:
    """A context manager that counts jsii kernel requests made inside it.

    Example::

        with JsiiCalls() as calls:
            MultiModelEndpoint(stack, "Mme", ...)
        print(calls.count)
    """

    def __init__(self) -> None:
        #: Requests counted so far.
        self.count = 0
        self._originals: dict[str, Any] = {}

    def __enter__(self) -> JsiiCalls:
        for name in COUNTED_REQUESTS:
            original = getattr(ProcessProvider, name)
            self._originals[name] = original
            setattr(ProcessProvider, name, self._counting(original))
        return self

    def __exit__(self, *exc: object) -> None:
        for name, original in self._originals.items():
            setattr(ProcessProvider, name, original)
        self._originals.clear()

    def _counting(self, original: Any) -> Any:
        def counted(provider: ProcessProvider, *args: Any, **kwargs: Any) -> Any:
            self.count += 1
            return original(provider, *args, **kwargs)

        return counted
