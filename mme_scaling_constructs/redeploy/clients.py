"""boto3 clients of one AWS session, made on first use, whose errors become :class:`AwsCallError`.

boto3 is imported when a :class:`Clients` is made, never when this module is imported: the
rest of the package needs no AWS SDK.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Callable
from typing import Any, Final

from mme_scaling_constructs.redeploy.errors import AwsCallError, MissingDependency, RedeployError

#: What to install when boto3 is missing.
BOTO3_MISSING: Final = "needs boto3: pip install 'mme-scaling-constructs[aws]'"
#: Seconds to wait for a connection and for an answer; attempts per call (standard retry mode).
CONNECT_TIMEOUT_SECONDS: Final = 10
READ_TIMEOUT_SECONDS: Final = 60
MAX_ATTEMPTS: Final = 3
#: An AWS Region name: the Region patterns of botocore's partitions (data/partitions.json
#: ``regionRegex``, e.g. ``^us\-gov\-\w+\-\d+$``) in lowercase, at most 63 characters (a DNS label).
REGION_PATTERN: Final = re.compile(r"(?=.{1,63}\Z)[a-z]+(?:-[a-z0-9]+)+-[0-9]+")
REGION_RULE: Final = "an AWS Region name (lowercase letters, digits and hyphens), e.g. us-east-1"


class Clients:
    """boto3 clients of one session, by service name (``clients["cloudformation"]``).

    Args:
        region: the AWS Region; defaults to ``None`` (the profile's or the environment's).
        profile: the named profile; defaults to ``None`` (the default credential chain).
        endpoint_url: one endpoint for every service, e.g. a local emulator; defaults to ``None``
            (AWS's, or ``AWS_ENDPOINT_URL`` from the environment).
        credentials: an access key id and secret access key; defaults to ``None`` (the
            profile's or the credential chain's).

    Raises:
        MissingDependency: boto3 is not installed (:data:`BOTO3_MISSING`).
        RedeployError: the profile does not exist, or the Region (given, from AWS_DEFAULT_REGION or
            from the profile) is not a Region name (:data:`REGION_PATTERN`).
    """

    def __init__(
        self,
        *,
        region: str | None = None,
        profile: str | None = None,
        endpoint_url: str | None = None,
        credentials: tuple[str, str] | None = None,
    ) -> None:
        try:
            import boto3  # type: ignore[import-untyped]
            import botocore.session  # type: ignore[import-untyped]
            from botocore import xform_name
            from botocore.config import Config  # type: ignore[import-untyped]
            from botocore.exceptions import BotoCoreError, ClientError  # type: ignore[import-untyped]
        except ImportError:
            raise MissingDependency(BOTO3_MISSING) from None
        self._errors: tuple[type[Exception], ...] = (BotoCoreError, ClientError)
        self._client_error: type[Exception] = ClientError
        self._method_name: Callable[[str], str] = xform_name
        access_key, secret_key = credentials if credentials is not None else (None, None)
        try:
            core = botocore.session.Session(profile=profile)
            core.register_component("data_loader", _data_loader(core.get_config_variable("data_path")))
            session = boto3.session.Session(
                botocore_session=core,
                profile_name=profile,
                region_name=region,
                aws_access_key_id=access_key,
                aws_secret_access_key=secret_key,
            )
        except BotoCoreError as error:
            raise RedeployError(f"cannot open the AWS session: {error}") from None
        if session.region_name is not None and not REGION_PATTERN.fullmatch(session.region_name):
            source = "--region" if region is not None else "the AWS Region (from AWS_DEFAULT_REGION or the profile)"
            raise RedeployError(f"{source}: got {session.region_name!r}; allowed: {REGION_RULE}")
        config = Config(
            connect_timeout=CONNECT_TIMEOUT_SECONDS,
            read_timeout=READ_TIMEOUT_SECONDS,
            retries={"max_attempts": MAX_ATTEMPTS, "mode": "standard"},
        )
        self.region: str | None = session.region_name
        self._make: Callable[[str], Any] = lambda service: session.client(
            service, endpoint_url=endpoint_url, config=config
        )
        self._clients: dict[str, Any] = {}

    def __getitem__(self, service: str) -> Any:
        """The client of ``service``, made on first use.

        Raises:
            RedeployError: the client cannot be made (e.g. no Region is configured).
        """
        if service not in self._clients:
            try:
                self._clients[service] = self._make(service)
            except (*self._errors, ValueError) as error:  # type: ignore[misc]  # ValueError: "Invalid endpoint"
                raise RedeployError(f"cannot make the {service} client: {error}") from None
        return self._clients[service]

    def call(self, service: str, operation: str, **params: Any) -> dict[str, Any]:
        """Call ``operation`` (e.g. ``"DescribeStacks"``) of ``service`` with ``params``; return the response.

        Raises:
            AwsCallError: the call failed, with AWS's error code when AWS answered.
        """
        client = self[service]
        try:
            response: dict[str, Any] = getattr(client, self._method_name(operation))(**params)
        except self._errors as error:
            code = ""
            if isinstance(error, self._client_error):
                code = str(getattr(error, "response", {}).get("Error", {}).get("Code", ""))
            raise AwsCallError(service, operation, str(error), code) from None
        return response


@functools.cache
def _data_loader(data_path: str | None) -> Any:
    """The reader of botocore's service models for ``data_path`` (``AWS_DATA_PATH``), shared by every session.

    Each session otherwise reads and parses each service model again; sharing the reader reads
    it once per process, however many :class:`Clients` are made.
    """
    from botocore.loaders import create_loader  # type: ignore[import-untyped]

    return create_loader(data_path)
