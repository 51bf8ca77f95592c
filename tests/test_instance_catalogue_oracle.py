"""The instance catalogue against AWS's machine-readable models: botocore and cfn-lint."""

import json

import botocore.session
import pytest
from cfnlint.api import lint
from cfnlint.helpers import REGIONS
from cfnlint.schema import PROVIDER_SCHEMA_MANAGER
from cfnlint.schema.manager import ResourceNotFoundError

from mme_scaling_constructs import INSTANCE_TYPES

#: cfn-lint's rule for a value outside a schema enum.
ENUM_RULE = "E3030"
#: CloudFormation allows at most this many production variants in one endpoint config.
VARIANTS_PER_CONFIG = 10


@pytest.fixture(scope="module")
def hosting_types() -> list[str]:
    """The instance types CreateEndpointConfig accepts (botocore's SageMaker model)."""
    model = botocore.session.get_session().get_service_model("sagemaker")
    return list(model.shape_for("ProductionVariantInstanceType").enum)


def test_every_catalogued_type_is_a_hosting_type(hosting_types):
    not_hosting_types = sorted(set(INSTANCE_TYPES) - set(hosting_types))
    assert not_hosting_types == [], f"catalogued, but not in ProductionVariantInstanceType: {not_hosting_types}"


def test_known_gaps_are_printed(hosting_types):
    """Hosting types without a catalogue entry are usable through an InstanceSpec; listed, not failed."""
    gaps = [name for name in hosting_types if name not in INSTANCE_TYPES]
    print(f"known gaps, hosting types not catalogued ({len(gaps)}): {', '.join(gaps) or 'none'}")


def endpoint_config_instance_types(region: str) -> set[str] | None:
    """The ``ProductionVariant.InstanceType`` enum of cfn-lint's EndpointConfig schema in ``region``."""
    try:
        schema = PROVIDER_SCHEMA_MANAGER.get_resource_schema(region, "AWS::SageMaker::EndpointConfig").schema
    except ResourceNotFoundError:
        return None
    return set(schema["definitions"]["ProductionVariant"]["properties"]["InstanceType"]["enum"])


def test_cfn_lint_schema_allows_every_catalogued_type_in_every_region():
    rejected = {}
    for region in REGIONS:
        allowed = endpoint_config_instance_types(region)
        if allowed is not None and not set(INSTANCE_TYPES) <= allowed:
            rejected[region] = sorted(set(INSTANCE_TYPES) - allowed)
    assert rejected == {}


def test_cfn_lint_schema_and_botocore_agree(hosting_types):
    assert endpoint_config_instance_types("us-east-1") == set(hosting_types)


def endpoint_configs(instance_types: list[str]) -> dict[str, object]:
    """A template of endpoint configs whose variants use ``instance_types``, ten to a config."""
    resources = {}
    for start in range(0, len(instance_types), VARIANTS_PER_CONFIG):
        variants = [
            {"VariantName": f"Variant{index}", "ModelName": "model", "InitialInstanceCount": 1, "InstanceType": name}
            for index, name in enumerate(instance_types[start : start + VARIANTS_PER_CONFIG])
        ]
        resources[f"Config{start}"] = {
            "Type": "AWS::SageMaker::EndpointConfig",
            "Properties": {"ProductionVariants": variants},
        }
    return {"AWSTemplateFormatVersion": "2010-09-09", "Resources": resources}


def enum_findings(instance_types: list[str]) -> list[str]:
    """The instance types cfn-lint reports as outside the EndpointConfig enum (E3030)."""
    matches = lint(json.dumps(endpoint_configs(instance_types)), regions=["us-east-1"])
    return sorted(str(match.message).split("'")[1] for match in matches if match.rule.id == ENUM_RULE)


def test_cfn_lint_accepts_every_catalogued_type():
    assert enum_findings(list(INSTANCE_TYPES)) == []


def test_cfn_lint_rejects_what_hosting_rejects():
    rejected = ["ml.m7g.large", "ml.r7g.large", "ml.c6g.medium", "ml.t3.medium"]
    assert enum_findings(["ml.c5.large", *rejected]) == sorted(rejected)
