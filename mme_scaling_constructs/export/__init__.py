"""Read the scaling out of a synthesized template, and export it for the AWS CLI.

For teams that review or apply scaling outside CloudFormation. Each scalable target becomes a
``RegisterScalableTarget`` call (with ``PutScheduledAction`` for its schedules), each policy a
``PutScalingPolicy`` call whose configuration goes to a JSON file, and each alarm of a step
policy a CloudWatch ``PutMetricAlarm`` call whose input goes to a JSON file. The calls are
built as data (:class:`ApiCall`: service, operation, parameters) and rendered as AWS CLI
command lines in ``commands.sh``, which runs from any working directory. A target's ``RoleARN``
is not exported: Application Auto Scaling uses its service-linked role.

Values that CloudFormation only knows at deployment become ``${...}`` placeholder strings
(:mod:`mme_scaling_constructs.export.placeholders`). A placeholder can stand wherever a string,
a number, a boolean or a timestamp goes; in a number or boolean slot the user replaces it,
quotes included in JSON files, before running the script. An intrinsic function where an object
or a list goes cannot be rendered and is reported.

Modules: ``placeholders`` (intrinsic functions as text), ``shapes`` (the API shapes, mirroring
botocore), ``values`` (template values read as a shape), ``exported`` (what is read),
``template`` (reading a template), ``names`` (file and variable names), ``calls`` (the API
calls), ``command_lines`` (the AWS CLI lines of ``commands.sh``) and ``files`` (writing, with
the manifest).
"""

from __future__ import annotations

from mme_scaling_constructs.export.calls import ApiCall as ApiCall
from mme_scaling_constructs.export.calls import api_calls as api_calls
from mme_scaling_constructs.export.calls import deregister_calls as deregister_calls
from mme_scaling_constructs.export.command_lines import HERE_VARIABLE as HERE_VARIABLE
from mme_scaling_constructs.export.command_lines import command_line as command_line
from mme_scaling_constructs.export.command_lines import option_name as option_name
from mme_scaling_constructs.export.command_lines import script as script
from mme_scaling_constructs.export.command_lines import script_line as script_line
from mme_scaling_constructs.export.exported import ExportedAlarm as ExportedAlarm
from mme_scaling_constructs.export.exported import ExportedPolicy as ExportedPolicy
from mme_scaling_constructs.export.exported import ExportedTarget as ExportedTarget
from mme_scaling_constructs.export.exported import ShellVariable as ShellVariable
from mme_scaling_constructs.export.files import MANIFEST_MARKER as MANIFEST_MARKER
from mme_scaling_constructs.export.files import ExportPlan as ExportPlan
from mme_scaling_constructs.export.files import OutputConflict as OutputConflict
from mme_scaling_constructs.export.files import plan_export as plan_export
from mme_scaling_constructs.export.files import write_export as write_export
from mme_scaling_constructs.export.names import DEREGISTER_SCRIPT_NAME as DEREGISTER_SCRIPT_NAME
from mme_scaling_constructs.export.names import MANIFEST_NAME as MANIFEST_NAME
from mme_scaling_constructs.export.names import MAX_STEM_LENGTH as MAX_STEM_LENGTH
from mme_scaling_constructs.export.names import SCRIPT_NAME as SCRIPT_NAME
from mme_scaling_constructs.export.placeholders import MAX_DEPTH as MAX_DEPTH
from mme_scaling_constructs.export.placeholders import is_intrinsic as is_intrinsic
from mme_scaling_constructs.export.shapes import _ALARM as _ALARM
from mme_scaling_constructs.export.shapes import _SCALABLE_TARGET as _SCALABLE_TARGET
from mme_scaling_constructs.export.shapes import _SCALING_POLICY as _SCALING_POLICY
from mme_scaling_constructs.export.shapes import _STEP_SCALING as _STEP_SCALING
from mme_scaling_constructs.export.shapes import _TARGET_TRACKING as _TARGET_TRACKING
from mme_scaling_constructs.export.shapes import MAX_INT32 as MAX_INT32
from mme_scaling_constructs.export.shapes import MIN_INT32 as MIN_INT32
from mme_scaling_constructs.export.shapes import _List as _List
from mme_scaling_constructs.export.shapes import _Object as _Object
from mme_scaling_constructs.export.template import scaling_in_template as scaling_in_template
