"""Work with a deployed stack: read it back, and change its instance types around a deploy.

One concept per module:

- :mod:`.errors`: :class:`~.errors.RedeployError` (a ``ValueError``) and its kinds:
  :class:`~.errors.MissingDependency`, :class:`~.errors.AwsCallError`, :class:`~.errors.DeployFailed`.
- :mod:`.values`: deployed values, and template values and export placeholders filled with them
  (pure).
- :mod:`.clients`: boto3 clients of one session, imported on first use.
- :mod:`.template_body`: a template body as ``GetTemplate`` returns it (JSON or YAML).
- :mod:`.stack`: a deployed stack read back: status, template, resources and values.
- :mod:`.scaling`: the exported scaling calls made against AWS.
- :mod:`.environment`: the deploy command's environment in each phase of the change (pure).
- :mod:`.change`: ``mme-scaling change-instance-type``: deregister, then deploy without and
  with the stack's scaling, and register what CloudFormation did not create.

Nothing here imports boto3 until a :class:`~.clients.Clients` is made, and nothing imports CDK.
"""

from __future__ import annotations

from mme_scaling_constructs.redeploy.change import InstanceTypeChange as InstanceTypeChange
from mme_scaling_constructs.redeploy.change import change_instance_type as change_instance_type
from mme_scaling_constructs.redeploy.change import exit_status as exit_status
from mme_scaling_constructs.redeploy.clients import BOTO3_MISSING as BOTO3_MISSING
from mme_scaling_constructs.redeploy.clients import Clients as Clients
from mme_scaling_constructs.redeploy.environment import phase_environment as phase_environment
from mme_scaling_constructs.redeploy.errors import AwsCallError as AwsCallError
from mme_scaling_constructs.redeploy.errors import DeployFailed as DeployFailed
from mme_scaling_constructs.redeploy.errors import MissingDependency as MissingDependency
from mme_scaling_constructs.redeploy.errors import RedeployError as RedeployError
from mme_scaling_constructs.redeploy.scaling import call_subject as call_subject
from mme_scaling_constructs.redeploy.scaling import is_registered as is_registered
from mme_scaling_constructs.redeploy.scaling import named_as_deployed as named_as_deployed
from mme_scaling_constructs.redeploy.scaling import register_scaling as register_scaling
from mme_scaling_constructs.redeploy.scaling import target_where as target_where
from mme_scaling_constructs.redeploy.stack import DeployedStack as DeployedStack
from mme_scaling_constructs.redeploy.stack import deployed_values as deployed_values
from mme_scaling_constructs.redeploy.stack import read_stack as read_stack
from mme_scaling_constructs.redeploy.stack import referenced_logical_ids as referenced_logical_ids
from mme_scaling_constructs.redeploy.template_body import PYYAML_MISSING as PYYAML_MISSING
from mme_scaling_constructs.redeploy.template_body import template_from_body as template_from_body
from mme_scaling_constructs.redeploy.values import PLACEHOLDER as PLACEHOLDER
from mme_scaling_constructs.redeploy.values import SUB_VARIABLE as SUB_VARIABLE
from mme_scaling_constructs.redeploy.values import fill as fill
from mme_scaling_constructs.redeploy.values import name_from_arn as name_from_arn
from mme_scaling_constructs.redeploy.values import placeholder_names as placeholder_names
from mme_scaling_constructs.redeploy.values import pseudo_parameters as pseudo_parameters
from mme_scaling_constructs.redeploy.values import resolve as resolve
