"""The snapshot kit users test their apps with: stable across noise, failing on real changes."""

import contextlib
import copy
import re
import textwrap

import aws_cdk as cdk
import pytest
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_s3_assets as s3_assets
from aws_cdk.assertions import Template
from hypothesis import given, settings
from hypothesis import strategies as st

from mme_scaling_constructs import ConfigurationError, EndpointScaling, ScalingPreset
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
    with pytest.raises(ConfigurationError) as raised:
        serialized(3)
    assert str(raised.value) == (
        "Invalid TemplateSnapshotExtension configuration (1 problem):\n"
        "  - asserted value: got 3; allowed: a Stack, an aws_cdk.assertions.Template or a template dict"
    )


TEMPLATE_RULE = (
    "a CloudFormation template as JSON data: objects with string keys, lists, strings, numbers, booleans and "
    "null, at most 100 levels deep"
)


def nested(depth):
    value = {}
    for _ in range(depth):
        value = {"a": value}
    return value


def cyclic():
    value = {"Resources": {}}
    value["Resources"]["Loop"] = value
    return value


@pytest.mark.parametrize(
    ("template", "message"),
    [
        (None, f"template: got None; allowed: {TEMPLATE_RULE}"),
        ([], f"template: got []; allowed: {TEMPLATE_RULE}"),
        ({1: 2}, f"template: got 1; allowed: {TEMPLATE_RULE}"),
        ({"Resources": {"A": {"Metadata": {1: "x"}}}}, "template['Resources']['A']['Metadata']: got 1; allowed: "),
        ({"Outputs": {"A": {1, 2}}}, "template['Outputs']['A']: got {1, 2}; allowed: "),
        ({"Outputs": {"A": [b"x"]}}, "template['Outputs']['A'][0]: got b'x'; allowed: "),
        (nested(150), "got '<nested too deep>'; allowed: "),
        (cyclic(), "got '<nested too deep>'; allowed: "),
    ],
)
def test_a_template_that_is_not_json_data_is_refused_naming_where(template, message):
    for function in (normalize_template, render_template):
        with pytest.raises(ConfigurationError) as raised:
            function(template)
        assert message in str(raised.value)
        assert str(raised.value).startswith(f"Invalid {function.__name__} configuration (1 problem):")


@pytest.mark.parametrize(
    ("selection", "message"),
    [
        (
            {"resource_types": "AWS::IAM::Role"},
            "resource_types: got 'AWS::IAM::Role'; allowed: None or a non-empty list of CloudFormation resource "
            "types, e.g. ['AWS::IAM::Role']",
        ),
        ({"resource_types": []}, "resource_types: got []; allowed: "),
        ({"resource_types": [None]}, "resource_types: got [None]; allowed: "),
        ({"resource_types": [["AWS::IAM::Role"]]}, "resource_types: got [['AWS::IAM::Role']]; allowed: "),
        ({"resource_types": 3}, "resource_types: got 3; allowed: "),
        (
            {"construct_paths": "App/*"},
            "construct_paths: got 'App/*'; allowed: None or a non-empty list of fnmatch patterns of construct "
            "paths, e.g. ['MyStack/Mme/*']",
        ),
        ({"construct_paths": [""]}, "construct_paths: got ['']; allowed: "),
        ({"construct_paths": {"App": 1}}, "construct_paths: got {'App': 1}; allowed: "),
    ],
)
def test_a_selection_of_the_wrong_shape_is_refused_when_made(selection, message):
    with pytest.raises(ConfigurationError) as raised:
        TemplateSnapshotExtension.keeping(**selection)
    assert message in str(raised.value)
    with pytest.raises(ConfigurationError, match=re.escape(message)):
        render_template({}, **selection)


def test_a_selection_that_keeps_nothing_fails_naming_what_the_template_has():
    stack = scaled_stack()
    lowercase = TemplateSnapshotExtension.keeping(resource_types=["aws::iam::role"])
    with pytest.raises(ConfigurationError) as raised:
        serialized(stack, lowercase)
    assert str(raised.value) == (
        "Invalid TemplateSnapshotExtension configuration (1 problem):\n"
        "  - resource_types: got frozenset({'aws::iam::role'}); allowed: types of the template's resources: "
        "AWS::ApplicationAutoScaling::ScalableTarget, AWS::ApplicationAutoScaling::ScalingPolicy"
    )
    elsewhere = TemplateSnapshotExtension.keeping(construct_paths=["Other/*"])
    with pytest.raises(ConfigurationError, match=r"construct_paths: got \('Other/\*',\); allowed: patterns matching "):
        serialized(stack, elsewhere)


def test_construct_paths_need_a_template_that_has_them():
    template = Template.from_stack(scaled_stack()).to_json()
    with pytest.raises(ConfigurationError, match="allowed: None for a template without construct paths"):
        serialized(template, TemplateSnapshotExtension.keeping(construct_paths=["App/*"]))


def test_a_path_without_wildcard_keeps_everything_under_it_and_selections_chain():
    stack = scaled_stack()
    under_scaling = TemplateSnapshotExtension.keeping(construct_paths=["App/Scaling"])
    assert len(headers(serialized(stack, under_scaling))) == 3
    policies_under_scaling = under_scaling.keeping(resource_types=["AWS::ApplicationAutoScaling::ScalingPolicy"])
    assert headers(serialized(stack, policies_under_scaling)) == [
        "## ScalingCPUUtilization* (AWS::ApplicationAutoScaling::ScalingPolicy) App/Scaling/CPUUtilization",
        "## ScalingInvocationsPerInstance* (AWS::ApplicationAutoScaling::ScalingPolicy) "
        "App/Scaling/InvocationsPerInstance",
    ]


def test_an_overridden_logical_id_keeps_its_construct_path():
    stack = scaled_stack()
    target = stack.node.find_child("Scaling").scalable_target.node.default_child
    target.override_logical_id("PinnedTarget")
    assert "## PinnedTarget (AWS::ApplicationAutoScaling::ScalableTarget) App/Scaling/Target/Resource" in headers(
        serialized(stack)
    )
    kept = TemplateSnapshotExtension.keeping(construct_paths=["App/Scaling/Target"])
    assert headers(serialized(stack, kept)) == [
        "## PinnedTarget (AWS::ApplicationAutoScaling::ScalableTarget) App/Scaling/Target/Resource"
    ]


def test_a_nested_stack_resource_is_not_given_a_path_in_its_parent():
    stack = scaled_stack()
    nested_stack = cdk.NestedStack(stack, "Nested")
    cdk.CfnResource(nested_stack, "ScalingTarget", type="AWS::SSM::Parameter", properties={"Type": "String"})
    parent, child = serialized(stack), serialized(nested_stack)
    assert "App/Nested/ScalingTarget" not in parent
    assert "## ScalingTarget (AWS::SSM::Parameter) App/Nested/ScalingTarget" in child


def python_function(stack, code_dir, body):
    """The function ``Fn`` of ``stack``, its code ``body`` written to ``code_dir``."""
    (code_dir / "index.py").write_text(body)
    return lambda_.Function(
        stack,
        "Fn",
        runtime=lambda_.Runtime.PYTHON_3_12,
        handler="index.handler",
        code=lambda_.Code.from_asset(str(code_dir)),
    )


def lambda_stack(code_dir, body):
    """A stack with a function whose ``current_version`` an alias points to, its code being ``body``."""
    stack = cdk.Stack(cdk.App(), "App")
    function = python_function(stack, code_dir, body)
    lambda_.Alias(stack, "Live", alias_name="live", version=function.current_version)
    return stack


def test_a_lambda_version_survives_a_code_change_and_keeps_its_references(tmp_path):
    before = Template.from_stack(lambda_stack(tmp_path, "def handler(event, context):\n    return 1\n")).to_json()
    after = Template.from_stack(lambda_stack(tmp_path, "def handler(event, context):\n    return 2\n")).to_json()
    assert set(before["Resources"]) != set(after["Resources"])  # the version's logical id changed
    assert serialized(before) == serialized(after)
    text = serialized(after)
    assert "## FnCurrentVersion17A89ABB<code hash> (AWS::Lambda::Version)" in text
    assert '"FnCurrentVersion17A89ABB<code hash>",' in text  # the alias's Fn::GetAtt
    assert not re.search(r"[0-9a-f]{32}", text)


def test_a_lambda_version_still_fails_on_a_configuration_change(tmp_path):
    stack = lambda_stack(tmp_path, "x = 1\n")
    changed = lambda_stack(tmp_path, "x = 1\n")
    changed.node.find_child("Fn").add_environment("STAGE", "prod")
    assert serialized(stack) != serialized(changed)


JSON_VALUES = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=8),
    lambda children: st.lists(children, max_size=3) | st.dictionaries(st.text(max_size=8), children, max_size=3),
    max_leaves=12,
)
ANYTHING = st.one_of(
    JSON_VALUES,
    st.binary(max_size=4),
    st.sets(st.integers(), max_size=3),
    st.dictionaries(st.integers() | st.text(max_size=4), JSON_VALUES, max_size=3),
    st.lists(st.text(max_size=12) | st.integers() | st.none(), max_size=3),
    st.sampled_from(["AWS::IAM::Role", "App/*", "App", "*", ""]),
)


@settings(max_examples=300, deadline=None)
@given(
    template=ANYTHING
    | st.fixed_dictionaries({"Resources": st.dictionaries(st.text(max_size=6), ANYTHING, max_size=3)}),
    resource_types=st.none() | ANYTHING,
    construct_paths=st.none() | ANYTHING,
    paths=st.none() | ANYTHING,
)
def test_normalizing_anything_works_or_raises_configuration_error(template, resource_types, construct_paths, paths):
    for function, kind in ((normalize_template, dict), (render_template, str)):
        with contextlib.suppress(ConfigurationError):
            assert isinstance(
                function(template, resource_types=resource_types, construct_paths=construct_paths, paths=paths), kind
            )
    with contextlib.suppress(ConfigurationError):
        assert isinstance(serialized(template, TemplateSnapshotExtension.keeping(resource_types=resource_types)), str)


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


def test_without_syrupy_only_the_tests_that_ask_for_the_fixture_fail(pytester):
    """The plugin loads in any pytest session: without the testing extra, other tests still run."""
    pytester.makepyfile(
        syrupy="raise ModuleNotFoundError(\"No module named 'syrupy'\", name='syrupy')",
        test_user="""
        def test_unrelated():
            assert 1 + 1 == 2

        def test_snapshot(template_snapshot):
            pass
        """,
    )
    result = pytester.runpytest_subprocess("-p", "no:syrupy", "-p", "no:cacheprovider")
    result.assert_outcomes(passed=1, errors=1)
    expected = (
        "template_snapshot needs syrupy: pip install 'mme-scaling-constructs[testing]' (syrupy and pytest) "
        "(No module named 'syrupy')"
    )
    assert expected in result.stdout.lines
    assert "During handling" not in result.stdout.str()


def test_a_container_image_digest_is_kept_so_a_new_image_fails_the_snapshot():
    def template(digit):
        image = f"123456789012.dkr.ecr.us-east-1.amazonaws.com/serving@sha256:{digit * 64}"
        return {"Resources": {"Model": {"Type": "AWS::SageMaker::Model", "Properties": {"Image": image}}}}

    assert "@sha256:" + "a" * 64 in serialized(template("a"))
    assert serialized(template("a")) != serialized(template("b"))


def test_a_cross_stack_reference_to_a_lambda_version_survives_a_code_change(tmp_path):
    def snapshots(body):
        app = cdk.App()
        producer = cdk.Stack(app, "Producer")
        function = python_function(producer, tmp_path, body)
        consumer = cdk.Stack(app, "Consumer")
        cdk.CfnResource(
            consumer,
            "VersionName",
            type="AWS::SSM::Parameter",
            properties={"Type": "String", "Value": function.current_version.function_arn},
        )
        return serialized(producer), serialized(consumer)

    before, after = snapshots("x = 1\n"), snapshots("x = 2\n")
    assert before == after
    assert "ExportsOutputRefFnCurrentVersion17A89ABB<code hash><export hash>" in after[1]


def test_custom_resource_types_can_be_selected():
    template = {"Resources": {"Cluster": {"Type": "Custom::AWSCDK-EKS-Cluster"}, "Role": {"Type": "AWS::IAM::Role"}}}
    kept = TemplateSnapshotExtension.keeping(resource_types=["Custom::AWSCDK-EKS-Cluster", "Custom::My_Res@1"])
    assert headers(serialized(template, kept)) == ["## Cluster (Custom::AWSCDK-EKS-Cluster)"]


def test_odd_resources_neither_crash_nor_slip_through_a_selection():
    template = {"Resources": {"A": 3, "B": {"Type": []}, "C": {"Type": "AWS::IAM::Role"}}}
    assert "## A (?)" in serialized(template)
    kept = normalize_template(template, resource_types=["AWS::IAM::Role"])
    assert list(kept["Resources"]) == ["C"]
    with pytest.raises(ConfigurationError) as raised:
        normalize_template(template, resource_types=["AWS::S3::Bucket"])
    assert str(raised.value) == (
        "Invalid normalize_template configuration (1 problem):\n"
        "  - resource_types: got ['AWS::S3::Bucket']; allowed: types of the template's resources: AWS::IAM::Role"
    )
    only_metadata = {"Resources": {"CDKMetadata": {"Type": "AWS::CDK::Metadata"}}}
    assert normalize_template(only_metadata, construct_paths=["App/*"]) == {}
    assert normalize_template(only_metadata, resource_types=["AWS::IAM::Role"]) == {}


def test_keys_that_differ_only_by_a_hash_are_numbered_not_merged():
    template = {"Outputs": {"a" * 64: {"Value": 1}, "b" * 64: {"Value": 2}}}
    assert normalize_template(template) == {"Outputs": {"<asset hash>": {"Value": 1}, "<asset hash> #2": {"Value": 2}}}


def test_a_trailing_slash_in_a_path_pattern_is_ignored():
    stack = scaled_stack()
    with_slash = TemplateSnapshotExtension.keeping(construct_paths=["App/Scaling/Target/Resource/"])
    assert headers(serialized(stack, with_slash)) == [
        "## ScalingTarget* (AWS::ApplicationAutoScaling::ScalableTarget) App/Scaling/Target/Resource"
    ]


def test_without_syrupys_plugin_the_fixture_says_how_to_load_it(pytester):
    pytester.makepyfile(test_user="def test_snapshot(template_snapshot):\n    pass\n")
    result = pytester.runpytest_subprocess("-p", "no:syrupy", "-p", "no:cacheprovider")
    result.assert_outcomes(errors=1)
    assert (
        "template_snapshot needs syrupy's snapshot fixture: load its plugin too (pytest -p syrupy), as "
        "PYTEST_DISABLE_PLUGIN_AUTOLOAD or -p no:syrupy leaves it out" in result.stdout.lines
    )
