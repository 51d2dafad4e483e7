"""Upload pattern: one S3 object per run (named by the `Object Created` event), one result item.

A handler gets the object's metadata and a stream of its bytes and returns the attributes to store:

    def handler(obj: UploadedObject, stream: ObjectStream, context: Context[None]) -> dict[str, Any]:
        return {"lines": sum(chunk.count(b"\\n") for chunk in iter(lambda: stream.read(1 << 20), b""))}

Run it with `python -m ecs_runtime.upload` and `HANDLER=package.module:handler`, or from a program of
your own with `ecs_runtime.upload.run(handler)`. services/README.md states the whole contract.
"""

from ecs_runtime.upload.runner import UploadedObject, UploadFunction, UploadHandler, run

__all__ = ["UploadFunction", "UploadHandler", "UploadedObject", "run"]
