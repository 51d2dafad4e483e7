"""A job's container image built from a context: its own ECR repository and the image pushed there.

The bundled workers are built from `services/` (targets `ingest`, `report`, `worker`); a team's job from its
own context and Dockerfile (`ecs_event_patterns.config.container.ImageBuild`). Each build is tagged by a
digest of what goes into it (`ecs_event_patterns.blocks.build_context`): the repository's tags are immutable,
so a changed tree must get a new tag, and an unchanged tree keeps its tag.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

import pulumi
import pulumi_aws as aws
import pulumi_awsx as awsx

from ecs_event_patterns.blocks.build_context import image_tag
from ecs_event_patterns.config.container import ImageBuild
from ecs_event_patterns.config.settings import CpuArchitecture
from ecs_event_patterns.config.validation import show

BUILD_CONTEXT = "./services"
"""The bundled workers' context, relative to the project directory, where Pulumi runs the program."""

DOCKER_BUILD_IMAGE = "docker-build:index:Image"
"""The type of the child that builds and pushes inside `awsx.ecr.Image` (with the CLI; the mock has none)."""

KEEP_IMAGES = 20
"""Tagged images kept per repository: enough to roll back well past the last deployment."""

_PLATFORMS = {CpuArchitecture.X86_64: "linux/amd64", CpuArchitecture.ARM64: "linux/arm64"}
_STAGE = re.compile(r"^\s*FROM\s+(?:--\S+\s+)*\S+\s+AS\s+(\S+)\s*$", re.IGNORECASE | re.MULTILINE)
_REPOSITORY_URL = re.compile(
    r"^(?P<account>\d{12})\.dkr\.ecr\.(?P<region>[a-z0-9-]+)\.amazonaws\.com(?:\.cn)?/(?P<name>.+)$"
)


def keep_replaced_images(args: pulumi.ResourceTransformArgs) -> pulumi.ResourceTransformResult | None:
    """Retain the docker-build image awsx creates inside `awsx.ecr.Image`.

    awsx names that child by the image tag, so a new tag replaces it, and docker-build's delete removes the
    replaced image from the registry (pulumi-docker-build issues #581 and #606): the task definition revision
    a rollback starts would point at an image that is gone. Retained, each image stays until the
    repository's lifecycle policy expires it (`KEEP_IMAGES`), or the repository goes with the stack.
    A transform, because the child is created by the awsx provider, out of reach of any other option.
    """
    if args.type_ != DOCKER_BUILD_IMAGE:
        return None
    return pulumi.ResourceTransformResult(
        args.props, pulumi.ResourceOptions.merge(args.opts, pulumi.ResourceOptions(retain_on_delete=True))
    )


def docker_platform(architecture: CpuArchitecture) -> str:
    """The image platform that runs on Fargate's `runtimePlatform.cpuArchitecture`."""
    return _PLATFORMS[architecture]


def repository_arn(repository_url: str, partition: str) -> str:
    """ECR repository ARN from its URL (the awsx component exposes the URL, not the ARN)."""
    match = _REPOSITORY_URL.match(repository_url)
    if match is None:
        raise ValueError(f"{repository_url!r} is not an ECR repository URL")
    return f"arn:{partition}:ecr:{match['region']}:{match['account']}:repository/{match['name']}"


def bundled_worker(target: str) -> ImageBuild:
    """The build of one of the bundled example workers: a target of `services/Dockerfile`."""
    return ImageBuild(context=BUILD_CONTEXT, target=target)


def dockerfile_path(build: ImageBuild) -> str:
    return build.dockerfile or f"{build.context}/Dockerfile"


def dockerfile_stages(text: str) -> list[str]:
    """The names of a Dockerfile's stages (`FROM <image> AS <name>`), in order."""
    return _STAGE.findall(text)


def build_problem(build: ImageBuild) -> str | None:
    """What Docker would refuse only mid-deployment: a missing context or Dockerfile, an unknown target."""
    dockerfile = Path(dockerfile_path(build))
    if not Path(build.context).is_dir():
        return f"build context {show(build.context)} is not a directory (relative to {Path.cwd()})"
    if not dockerfile.is_file():
        return f"Dockerfile {show(str(dockerfile))} does not exist (relative to {Path.cwd()})"
    stages = dockerfile_stages(dockerfile.read_text(encoding="utf-8", errors="replace"))
    if build.target is not None and build.target.lower() not in (stage.lower() for stage in stages):
        named = ", ".join(stages) or "none is named"
        return f"target {show(build.target)} is not a stage of {dockerfile} (stages: {named})"
    return None


@dataclass(frozen=True)
class WorkerImageArgs:
    build: ImageBuild
    """What to build: context, Dockerfile, target and build args (`bundled_worker` for ours)."""
    cpu_architecture: CpuArchitecture = CpuArchitecture.X86_64
    """The image is built for the platform the task runs on."""
    force_delete: bool = False
    """Let `pulumi destroy` delete a repository that still holds images (dev stacks)."""


def check_args(name: str, args: WorkerImageArgs) -> None:
    """A build Docker can run: its context, Dockerfile and target exist."""
    problem = build_problem(args.build)
    if problem is not None:
        raise ValueError(f"WorkerImage {name}: {problem}")


class WorkerImage(pulumi.ComponentResource):
    """ECR repository (scan on push, immutable tags, lifecycle) and the worker image pushed to it."""

    image_uri: pulumi.Output[str]
    """Digest-pinned reference: a task definition never runs a different image under the same tag."""
    repository_url: pulumi.Output[str]
    repository_arn: pulumi.Output[str]

    def __init__(self, name: str, args: WorkerImageArgs, opts: pulumi.ResourceOptions | None = None) -> None:
        check_args(name, args)
        build = args.build
        dockerfile = dockerfile_path(build)
        platform = docker_platform(args.cpu_architecture)
        try:
            # Read from the files now, before any child exists; awsx alone would tag every build alike.
            tag = image_tag(
                build.context, dockerfile, target=build.target, platform=platform, build_args=build.build_args
            )
        except ValueError as error:
            raise ValueError(f"WorkerImage {name}: {error}") from error
        super().__init__("ecs-event-patterns:index:WorkerImage", name, None, opts)
        child = pulumi.ResourceOptions(parent=self)
        repository = awsx.ecr.Repository(
            f"{name}-repository",
            image_tag_mutability="IMMUTABLE",
            image_scanning_configuration={"scan_on_push": True},
            force_delete=args.force_delete,
            lifecycle_policy=awsx.ecr.LifecyclePolicyArgs(
                rules=[
                    awsx.ecr.LifecyclePolicyRuleArgs(
                        tag_status=awsx.ecr.LifecycleTagStatus.UNTAGGED,
                        maximum_age_limit=1,
                        description="Untagged layers left by interrupted pushes",
                    ),
                    awsx.ecr.LifecyclePolicyRuleArgs(
                        tag_status=awsx.ecr.LifecycleTagStatus.ANY,
                        maximum_number_of_images=KEEP_IMAGES,
                        description=f"Keep the newest {KEEP_IMAGES} images",
                    ),
                ]
            ),
            opts=child,
        )
        image = awsx.ecr.Image(
            f"{name}-image",
            repository_url=repository.url,
            context=build.context,
            dockerfile=dockerfile,
            target=build.target,
            platform=platform,
            image_tag=tag,
            args=dict(build.build_args) or None,
            opts=pulumi.ResourceOptions(parent=self, transforms=[keep_replaced_images]),
        )
        self.image_uri = image.image_uri
        self.repository_url = repository.url
        partition = aws.get_partition_output(opts=pulumi.InvokeOutputOptions(parent=self)).partition
        self.repository_arn = pulumi.Output.all(repository.url, partition).apply(
            lambda values: repository_arn(values[0], values[1])
        )
        self.register_outputs(
            {
                "imageUri": self.image_uri,
                "repositoryUrl": self.repository_url,
                "repositoryArn": self.repository_arn,
            }
        )
