"""Renaming a child without replacing it: the child answers for its former URN through a Pulumi alias.

A child's URN contains its name, so a rename alone is, to the engine, a delete and a create (for a queue
its messages, for a table its items). `pulumi.Alias(name=former_name)` keeps the parent, type, stack and
project, and tells the engine the resource is the one deployed under the former name. Keep an alias until
every stack has been updated with it; `tests/program/urns/<stack>.txt` lists each one under its new URN.
"""

from __future__ import annotations

import pulumi


def child_options(parent: pulumi.Resource, former_name: str | None = None) -> pulumi.ResourceOptions:
    """Options of a component's child: parented to it, and answering for `former_name` when it had one."""
    aliases: list[pulumi.Input[str] | pulumi.Alias] | None = (
        [pulumi.Alias(name=former_name)] if former_name else None
    )
    return pulumi.ResourceOptions(parent=parent, aliases=aliases)
