"""A synthesis-time check that a stack stays within CloudFormation's 500 resources.

Without it, a stack of many endpoints fails only at deployment, after CloudFormation has
started on it. https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/cloudformation-limits.html
"""

from __future__ import annotations

import weakref
from typing import Final

import jsii
from aws_cdk import CfnResource, Stack
from constructs import IValidation

from mme_scaling_constructs.stack_assignment import MAX_RESOURCES_PER_STACK

#: Stacks that already carry the check.
_GUARDED: Final[weakref.WeakSet[Stack]] = weakref.WeakSet()


def guard_resource_limit(stack: Stack) -> None:
    """Make synthesis fail, with a clear message, if ``stack`` exceeds 500 resources.

    Added once per stack, whatever the number of constructs that ask.
    """
    if stack in _GUARDED:
        return
    _GUARDED.add(stack)
    stack.node.add_validation(_ResourceLimit(stack))


@jsii.implements(IValidation)
class _ResourceLimit:
    """Counts the resources of one stack at synthesis (nested stacks' own resources excluded)."""

    def __init__(self, stack: Stack) -> None:
        self._stack = stack

    def validate(self) -> list[str]:
        """A message if the stack holds more resources than CloudFormation allows."""
        resources = [construct for construct in self._stack.node.find_all() if isinstance(construct, CfnResource)]
        if len(resources) > MAX_RESOURCES_PER_STACK:
            # Only now tell nested stacks' resources apart: that costs a call per resource.
            resources = [resource for resource in resources if resource.stack is self._stack]
        if len(resources) <= MAX_RESOURCES_PER_STACK:
            return []
        return [
            f"{self._stack.node.path} has {len(resources)} resources; CloudFormation allows "
            f"{MAX_RESOURCES_PER_STACK} in one stack. Spread the endpoints over more stacks, e.g. with "
            "mme_scaling_constructs.StackAssignment."
        ]
