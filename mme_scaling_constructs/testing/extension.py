"""``TemplateSnapshotExtension``: syrupy snapshots of CDK templates, normalized for review."""

from __future__ import annotations

import difflib
from collections.abc import Collection, Iterator, Mapping
from typing import Any, ClassVar, Final

from syrupy.extensions.single_file import SingleFileSnapshotExtension, WriteMode
from syrupy.types import PropertyFilter, PropertyMatcher, SerializableData, SerializedData

from mme_scaling_constructs.errors import ConfigurationError, Problem, Problems
from mme_scaling_constructs.testing.normalize import check_selection, rendered

#: What the extension snapshots, for messages.
ACCEPTED: Final = "a Stack, an aws_cdk.assertions.Template or a template dict"


class TemplateSnapshotExtension(SingleFileSnapshotExtension):
    """Store a template as one ``.template`` text file per snapshot, normalized.

    Use it as ``assert stack == snapshot(extension_class=TemplateSnapshotExtension)``, or
    through the ``template_snapshot`` fixture. The asserted value may be a CDK ``Stack``, an
    ``aws_cdk.assertions.Template`` or a template ``dict``. What is stored leaves out CDK's
    bootstrap-version parameter and rule, its metadata resource and resource metadata, and
    writes asset hashes as ``<asset hash>``, so that a snapshot survives an asset's content
    change and a CDK upgrade, and fails on a real change. Keys are sorted and each resource is
    a block headed by its logical id, type and construct path.

    To keep only some resources, use :meth:`keeping`.
    """

    _write_mode = WriteMode.TEXT
    file_extension = "template"
    #: Resource types to keep; ``None`` keeps all.
    resource_types: ClassVar[Collection[str] | None] = None
    #: ``fnmatch`` patterns of construct paths to keep; ``None`` keeps all.
    construct_paths: ClassVar[Collection[str] | None] = None

    @classmethod
    def keeping(
        cls,
        *,
        resource_types: Collection[str] | None = None,
        construct_paths: Collection[str] | None = None,
    ) -> type[TemplateSnapshotExtension]:
        """An extension that stores only the resources of ``resource_types`` or under ``construct_paths``.

        A selection this extension already has is kept unless given again, so
        ``keeping(resource_types=[...]).keeping(construct_paths=[...])`` applies both. A
        snapshot whose selection keeps none of the template's resources fails, naming the
        selection and what the template has.

        Args:
            resource_types: e.g. ``["AWS::ApplicationAutoScaling::ScalingPolicy"]``; defaults
                to ``None`` (this extension's selection: any type at first).
            construct_paths: ``fnmatch`` patterns of the constructs whose resources to keep,
                e.g. ``["MyStack/Mme"]`` (everything under it) or ``["MyStack/*/Scaling"]``;
                defaults to ``None`` (this extension's selection: any path at first). Paths
                are known for a ``Stack``, and for a template only through its
                ``aws:cdk:path`` metadata.

        Raises:
            ConfigurationError: unless each argument is ``None`` or a non-empty list of
                resource types or patterns (a string alone is refused: it is not a list).
        """
        problems = Problems("TemplateSnapshotExtension.keeping")
        check_selection(problems, resource_types, construct_paths)
        problems.raise_if_any()
        return type(
            "SelectedTemplateSnapshotExtension",
            (cls,),
            {
                "resource_types": cls.resource_types if resource_types is None else frozenset(resource_types),
                "construct_paths": cls.construct_paths if construct_paths is None else tuple(construct_paths),
            },
        )

    def diff_lines(self, serialized_data: SerializedData, snapshot_data: SerializedData) -> Iterator[str]:
        """Every changed line, each hunk under the header of the resource it belongs to."""
        return resource_diff(str(snapshot_data), str(serialized_data))

    def serialize(
        self,
        data: SerializableData,
        *,
        exclude: PropertyFilter | None = None,
        include: PropertyFilter | None = None,
        matcher: PropertyMatcher | None = None,
    ) -> SerializedData:
        """The normalized text of the template ``data`` is or synthesizes to."""
        template, paths = template_of(data)
        return rendered(
            "TemplateSnapshotExtension",
            template,
            resource_types=self.resource_types,
            construct_paths=self.construct_paths,
            paths=paths,
        )


def resource_diff(snapshot: str, received: str, context: int = 1) -> Iterator[str]:
    """A diff of two rendered templates: each hunk headed by its resource block's ``##`` line.

    Lines of the snapshot start with ``- ``, received lines with ``+ ``, context with two spaces.
    """
    old, new = snapshot.splitlines(), received.splitlines()
    for group in difflib.SequenceMatcher(None, old, new, autojunk=False).get_grouped_opcodes(context):
        start = group[0][1]
        header = next((line for line in reversed(old[: start + 1]) if line.startswith("## ")), None)
        if header is not None and header != old[start]:
            yield f"  {header}"
        for tag, first_old, last_old, first_new, last_new in group:
            if tag == "equal":
                yield from (f"  {line}" for line in old[first_old:last_old])
                continue
            yield from (f"- {line}" for line in old[first_old:last_old])
            yield from (f"+ {line}" for line in new[first_new:last_new])


def template_of(data: Any) -> tuple[Mapping[str, Any], Mapping[str, str] | None]:
    """The template dict of a ``Stack``, an ``assertions.Template`` or a dict, and its construct paths.

    A ``Stack`` gives the construct path of each of its resources, by the logical id it has
    in the template (overridden ids included); otherwise the paths are ``None`` (read from
    the template's metadata, if it has any).

    Raises:
        ConfigurationError: for anything else, naming what is accepted.
    """
    if isinstance(data, Mapping):
        return data, None
    from aws_cdk import CfnResource, Stack
    from aws_cdk.assertions import Template

    if isinstance(data, Stack):
        template = Template.from_stack(data).to_json()
        paths = {
            data.resolve(construct.logical_id): construct.node.path
            for construct in data.node.find_all()
            if isinstance(construct, CfnResource) and construct.stack is data
        }
        return template, paths
    if isinstance(data, Template):
        return data.to_json(), None
    raise ConfigurationError(
        "TemplateSnapshotExtension", [Problem(parameter="asserted value", value=data, allowed=ACCEPTED)]
    )
