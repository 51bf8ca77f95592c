"""A template as ``GetTemplate`` returns it: JSON, or YAML with CloudFormation's short-form tags.

``cdk deploy`` sends a template that fits inline as YAML, so a stack it deployed may report
YAML. Short forms become the long ones (``!Ref X`` is ``{"Ref": "X"}``, ``!GetAtt A.B`` is
``{"Fn::GetAtt": "A.B"}``, ``!Sub ...`` is ``{"Fn::Sub": ...}``), the tags the CDK CLI reads;
timestamps stay strings, as in JSON. PyYAML is imported only for a YAML body.
"""

from __future__ import annotations

import json
from typing import Any, Final

from mme_scaling_constructs.redeploy.errors import MissingDependency, RedeployError

#: Short-form tags that stand for ``Fn::<name>``; ``!Ref`` and ``!Condition`` keep their names.
FN_SHORT_FORMS: Final = (
    "Base64",
    "Cidr",
    "FindInMap",
    "GetAZs",
    "ImportValue",
    "Join",
    "Sub",
    "Select",
    "Split",
    "Transform",
    "And",
    "Equals",
    "If",
    "Not",
    "Or",
    "GetAtt",
)
PLAIN_SHORT_FORMS: Final = ("Ref", "Condition")
#: What to install when a YAML template needs PyYAML.
PYYAML_MISSING: Final = "needs PyYAML: pip install 'mme-scaling-constructs[aws]'"


def template_from_body(body: Any, what: str) -> dict[str, Any]:
    """The template ``body`` holds: a decoded object (boto3 decodes JSON bodies), JSON text or YAML text.

    Args:
        body: the ``TemplateBody`` of a ``GetTemplate`` response.
        what: how messages name the template, e.g. ``"the deployed template of stack MyStack"``.

    Raises:
        MissingDependency: the body is YAML and PyYAML is not installed.
        RedeployError: the body is neither JSON nor YAML, or has no ``Resources`` object.
    """
    if isinstance(body, str):
        try:
            body = json.loads(body)
        except ValueError:
            body = _yaml(body, what)
    if not isinstance(body, dict) or not isinstance(body.get("Resources"), dict):
        raise RedeployError(f"{what} has no Resources section")
    return dict(body)


def _yaml(text: str, what: str) -> Any:
    try:
        import yaml  # type: ignore[import-untyped]
    except ImportError:
        raise MissingDependency(f"{what} is YAML, which {PYYAML_MISSING}") from None

    class Loader(yaml.SafeLoader):  # type: ignore[misc]
        """YAML 1.1 as CloudFormation reads it, with timestamps kept as strings."""

    Loader.yaml_implicit_resolvers = {
        first: [(tag, pattern) for tag, pattern in resolvers if tag != "tag:yaml.org,2002:timestamp"]
        for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
    }

    def short_form(key: str) -> Any:
        def construct(loader: Any, node: Any) -> dict[str, Any]:
            if isinstance(node, yaml.ScalarNode):
                return {key: loader.construct_scalar(node)}
            if isinstance(node, yaml.SequenceNode):
                return {key: loader.construct_sequence(node, deep=True)}
            return {key: loader.construct_mapping(node, deep=True)}

        return construct

    for name in FN_SHORT_FORMS:
        Loader.add_constructor(f"!{name}", short_form(f"Fn::{name}"))
    for name in PLAIN_SHORT_FORMS:
        Loader.add_constructor(f"!{name}", short_form(name))
    try:
        return yaml.load(text, Loader=Loader)  # a SafeLoader: builds plain values only
    except (yaml.YAMLError, RecursionError) as error:
        problem = str(error).splitlines()[0] if str(error) else type(error).__name__
        raise RedeployError(f"{what} is neither JSON nor YAML ({problem})") from None
