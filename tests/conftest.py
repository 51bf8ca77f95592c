"""Shared fixtures: a fresh stack per test, and synthesis that always runs cfn-lint."""

from __future__ import annotations

import functools
import json
import os
from collections.abc import Callable
from pathlib import Path
from typing import Any

import aws_cdk as cdk
import pytest
from aws_cdk.assertions import Annotations, Match, Template
from cfnlint.config import ConfigMixIn
from cfnlint.decode.decode import decode_str
from cfnlint.runner import Runner
from hypothesis import settings

CPU_IMAGE = "123456789012.dkr.ecr.us-east-1.amazonaws.com/mms-cpu:1.0"
GPU_IMAGE = "785573368785.dkr.ecr.us-east-1.amazonaws.com/sagemaker-tritonserver:25.04-py3"
MODEL_DATA_URL = "s3://model-bucket/models/"


def cpu_endpoint(scope: Any, construct_id: str = "Mme", **overrides: Any) -> Any:
    """A MultiModelEndpoint of :data:`CPU_IMAGE` on ml.c5.xlarge over :data:`MODEL_DATA_URL`, with ``overrides``."""
    from mme_scaling_constructs import MultiModelEndpoint

    arguments = {"image_uri": CPU_IMAGE, "model_data_url": MODEL_DATA_URL, "instance_type": "ml.c5.xlarge"}
    arguments.update(overrides)
    return MultiModelEndpoint(scope, construct_id, **arguments)


#: In CI, property-based tests run the same examples every time and keep no example database.
settings.register_profile("ci", derandomize=True, database=None)
if os.environ.get("CI"):
    settings.load_profile("ci")

#: cfn-lint checks the templates in the regions where the example images live.
LINT_REGIONS = ["us-east-1"]


@pytest.fixture
def stack() -> cdk.Stack:
    """A fresh stack in a fresh app, with no environment (account and region are tokens)."""
    return cdk.Stack(cdk.App(), "TestStack")


#: cfn-lint rules the suite ignores, each with its reason. None: every error and warning counts.
IGNORED_LINT_RULES: dict[str, str] = {}


@functools.cache
def _lint_runner() -> Runner:
    """One cfn-lint runner for the session: loading its rules costs more than linting a template."""
    return Runner(ConfigMixIn(regions=LINT_REGIONS))


@functools.cache
def _lint_text(text: str) -> tuple[str, ...]:
    template, errors = decode_str(text)
    matches = errors or list(_lint_runner().validate_template(template or {}))
    return tuple(
        str(match) for match in matches if match.rule.id[0] in "EW" and match.rule.id not in IGNORED_LINT_RULES
    )


def lint_errors(template: dict[str, Any]) -> list[str]:
    """cfn-lint errors and warnings (not informational findings) of ``template``.

    Each distinct template is linted once per session, whichever tests synthesize it.
    """
    return list(_lint_text(json.dumps(template, sort_keys=True, ensure_ascii=False)))


@pytest.fixture
def synth() -> Callable[[cdk.Stack], Template]:
    """Synthesize a stack, assert cfn-lint finds no error in it, and return its template."""

    def _synth(stack: cdk.Stack) -> Template:
        template = Template.from_stack(stack)
        assert lint_errors(template.to_json()) == []
        return template

    return _synth


def assert_lints_clean(template_file: Path) -> None:
    """Assert that cfn-lint finds no error in a template that ``app.synth()`` wrote."""
    assert lint_errors(json.loads(template_file.read_text())) == []


@pytest.fixture
def warnings_of(synth: Callable[[cdk.Stack], Template]) -> Callable[[cdk.Stack, str], list[Any]]:
    """Synthesize (and lint) a stack, then return its warnings whose text matches a regexp."""

    def _warnings_of(stack: cdk.Stack, pattern: str = ".*") -> list[Any]:
        synth(stack)
        return list(Annotations.from_stack(stack).find_warning("*", Match.string_like_regexp(pattern)))

    return _warnings_of


# --- simulation commands --------------------------------------------------------------------


@pytest.fixture
def run() -> Callable[..., Any]:
    """Run an ``mme-scaling`` simulation command (``simulate``, ``recommend``...) and return its result."""
    import argparse

    from mme_scaling_constructs.simulation.commands import add_commands

    parser = argparse.ArgumentParser(prog="mme-scaling")
    add_commands(parser.add_subparsers(required=True))

    def invoke(*argv: Any) -> Any:
        arguments = parser.parse_args([str(a) for a in argv])
        return arguments.run(arguments)

    return invoke


@pytest.fixture
def trace_file(tmp_path: Path) -> Path:
    """A one-day noisy diurnal trace, as an index CSV file."""
    from mme_scaling_constructs.simulation import synthetic

    trace = synthetic.noisy(synthetic.diurnal(minutes=1440), seed=2)
    path = tmp_path / "trace.csv"
    path.write_text("minute,invocations\n" + "".join(f"{i},{int(v)}\n" for i, v in enumerate(trace.invocations)))
    return path
