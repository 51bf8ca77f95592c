"""The snapshot kit users test their apps with: stable across noise, failing on real changes."""

import copy
import re
import textwrap

import aws_cdk as cdk
import pytest
from aws_cdk import aws_s3_assets as s3_assets
from aws_cdk.assertions import Template

from mme_scaling_constructs import EndpointScaling, ScalingPreset
from mme_scaling_constructs.testing import TemplateSnapshotExtension, normalize_template, render_template


def scaled_stack(min_capacity=2):
    stack = cdk.Stack(cdk.App(), "App")
    EndpointScaling(
        stack,
        "Scaling",
        endpoint_name="tenant-a",
        instance_type="ml.c5.xlarge",
        preset=ScalingPreset.cpu(min_capacity=min_capacity),
    )
    return stack


def serialized(data, extension=TemplateSnapshotExtension):
    return extension().serialize(data)


def asset_stack(code_dir):
    """A stack whose template names a file asset by its content hash, as a function's code does."""
    stack = cdk.Stack(cdk.App(), "App")
    asset = s3_assets.Asset(stack, "Code", path=str(code_dir))
    cdk.CfnResource(
        stack,
        "CodeLocation",
        type="AWS::SSM::Parameter",
        properties={"Type": "String", "Value": f"s3://{asset.s3_bucket_name}/{asset.s3_object_key}"},
    )
    return stack


def test_a_snapshot_survives_an_asset_content_change(tmp_path):
    (tmp_path / "index.py").write_text("def handler(event, context):\n    return 1\n")
    before = Template.from_stack(asset_stack(tmp_path)).to_json()
    (tmp_path / "index.py").write_text("def handler(event, context):\n    return 2\n")
    after = Template.from_stack(asset_stack(tmp_path)).to_json()
    assert before != after  # the asset hash changed
    assert serialized(before) == serialized(after)
    assert "<asset hash>.zip" in serialized(after)


def test_a_snapshot_survives_a_cdk_upgrade_of_its_metadata():
    template = Template.from_stack(scaled_stack()).to_json()
    upgraded = copy.deepcopy(template)
    upgraded["Parameters"]["BootstrapVersion"]["Default"] = "/cdk-bootstrap/hnb659fds/version-2"
    upgraded["Rules"]["CheckBootstrapVersion"]["Assertions"][0]["AssertDescription"] = "Upgrade the bootstrap."
    upgraded["Resources"]["CDKMetadata"] = {
        "Type": "AWS::CDK::Metadata",
        "Properties": {"Analytics": "v2:deflate64:H4sIAAAAAAAA/new"},
        "Condition": "CDKMetadataAvailable",
        "Metadata": {"aws:cdk:path": "App/CDKMetadata/Default"},
    }
    upgraded["Conditions"] = {"CDKMetadataAvailable": {"Fn::Or": []}}
    for resource in upgraded["Resources"].values():
        resource.setdefault("Metadata", {})["aws:asset:property"] = "Code"
    assert serialized(template) == serialized(upgraded)
    assert "BootstrapVersion" not in serialized(template)


def test_a_snapshot_fails_on_a_real_property_change():
    before, after = serialized(scaled_stack(min_capacity=2)), serialized(scaled_stack(min_capacity=3))
    assert before != after
    changed = [line for line in after.splitlines() if line not in before.splitlines()]
    assert changed == ['    "MinCapacity": 3,']


def headers(text):
    """Each resource block's header, with the logical id's hash suffix masked."""
    return [re.sub(r"[0-9A-F]{8} ", "* ", line) for line in text.splitlines() if line.startswith("## ")]


def test_resources_are_blocks_headed_by_id_type_and_path():
    assert headers(serialized(scaled_stack())) == [
        "## ScalingCPUUtilization* (AWS::ApplicationAutoScaling::ScalingPolicy) App/Scaling/CPUUtilization",
        "## ScalingInvocationsPerInstance* (AWS::ApplicationAutoScaling::ScalingPolicy) "
        "App/Scaling/InvocationsPerInstance",
        "## ScalingTarget* (AWS::ApplicationAutoScaling::ScalableTarget) App/Scaling/Target/Resource",
    ]


def test_resources_can_be_picked_by_type_or_construct_path():
    stack = scaled_stack()
    by_type = TemplateSnapshotExtension.keeping(resource_types=["AWS::ApplicationAutoScaling::ScalableTarget"])
    assert headers(serialized(stack, by_type)) == [
        "## ScalingTarget* (AWS::ApplicationAutoScaling::ScalableTarget) App/Scaling/Target/Resource"
    ]
    by_path = TemplateSnapshotExtension.keeping(construct_paths=["App/Scaling/CPU*"])
    assert headers(serialized(stack, by_path)) == [
        "## ScalingCPUUtilization* (AWS::ApplicationAutoScaling::ScalingPolicy) App/Scaling/CPUUtilization"
    ]


def test_stack_template_and_dict_give_the_same_snapshot():
    stack = scaled_stack()
    template = Template.from_stack(stack)
    assert serialized(template) == serialized(template.to_json())
    assert normalize_template(template.to_json()) == normalize_template(Template.from_stack(stack).to_json())
    assert render_template(template.to_json()).startswith("## Scaling")


def test_anything_else_is_refused_with_what_is_accepted():
    with pytest.raises(
        TypeError, match=r"snapshots a Stack, an aws_cdk\.assertions\.Template or a template dict, not int"
    ):
        serialized(3)


USER_TEST = textwrap.dedent(
    """
    import aws_cdk as cdk
    from mme_scaling_constructs import EndpointScaling, ScalingPreset

    MIN_CAPACITY = {min_capacity}

    def test_scaling(template_snapshot):
        stack = cdk.Stack(cdk.App(), "Serving")
        EndpointScaling(stack, "Scaling", endpoint_name="tenant-a", instance_type="ml.c5.xlarge",
                        preset=ScalingPreset.cpu(min_capacity=MIN_CAPACITY))
        assert stack == template_snapshot
    """
)


def test_the_fixture_records_then_catches_a_preset_change(pytester):
    """The plugin's fixture, in a user's own test session: record, pass, then fail on a change."""
    pytester.makepyfile(test_user=USER_TEST.format(min_capacity=2))
    pytester.runpytest("-p", "no:cacheprovider", "--snapshot-update").assert_outcomes(passed=1)
    assert (pytester.path / "__snapshots__" / "test_user" / "test_scaling.template").exists()
    pytester.runpytest("-p", "no:cacheprovider").assert_outcomes(passed=1)
    pytester.makepyfile(test_user=USER_TEST.format(min_capacity=3))
    result = pytester.runpytest("-p", "no:cacheprovider")
    result.assert_outcomes(failed=1)
    result.stdout.fnmatch_lines(['*-     "MinCapacity": 2,', '*+     "MinCapacity": 3,'])


def test_a_diff_heads_each_change_with_its_resource():
    extension = TemplateSnapshotExtension()
    before, after = serialized(scaled_stack(min_capacity=2)), serialized(scaled_stack(min_capacity=3))
    lines = [re.sub(r"[0-9A-F]{8} ", "* ", line) for line in extension.diff_lines(after, before)]
    assert lines == [
        "  ## ScalingTarget* (AWS::ApplicationAutoScaling::ScalableTarget) App/Scaling/Target/Resource",
        '      "MaxCapacity": 4,',
        '-     "MinCapacity": 2,',
        '+     "MinCapacity": 3,',
        '      "ResourceId": "endpoint/tenant-a/variant/AllTraffic",',
    ]
