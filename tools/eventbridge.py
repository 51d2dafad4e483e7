"""EventBridge behaviour for tests, offline: event pattern matching and input transformers.

`matches(pattern, event)`: moto's in-process matcher (moto.events.models.EventPattern), with one gap of moto
closed first. EventBridge flattens arrays of objects (`detail.containers.exitCode` is every container's exit
code, and a filter matches when any of them matches); moto only descends into objects, so the event is
reshaped here: an array of objects becomes one object whose fields hold the list of the elements' values.

`apply_input_transformer(input_paths, template, event)`: what EventBridge sends to a target, following the
EventBridge user guide ("Amazon EventBridge input transformation", including "Common issues") and the
InputTransformer API reference:
- paths: `$`, `.name` (letters, digits, `-`, `_`, `/`), array indices `[0]`, wildcards `[*]` / `.*`
  (the matches, as a JSON array);
- values are inserted as they are: "EventBridge doesn't escape values extracted by Input Path, when
  populating the Input Template for a target" (so a `"`, `\\` or line break in a value can break a JSON
  string it is placed in; the result shows it);
- a placeholder inside a JSON string of the template inserts the value as text: a string's characters, a
  number or boolean as written, an object or array as JSON with its quotes removed;
- outside quotes it inserts the value as JSON: a number, boolean, object or array as JSON; a string in
  quotes (the documented "Simple JSON" example), its characters still unescaped. For a template that is not
  JSON (plain text, as in the API reference's `<instance> is in state <status>`) the documentation does not
  say whether the quotes are added: `quote_bare_strings=False` models the other reading, so a test can hold
  for both;
- a path the event does not have "isn't created and won't appear in the output": empty text, in both
  places (so a template that needs valid JSON must keep optional values inside quotes);
- `<aws.events.event.json>` is the whole event as JSON; the other reserved `<aws.events.*>` variables
  (rule ARN and name, ingestion time) raise `ValueError`; other `<...>` text is left as it is;
- a template that is a JSON object or array is sent minified; when the result is not valid JSON this raises
  `ValueError` (AWS would hand the target something it cannot parse). Any other template gives text.
Not verified against AWS here: whether a missing path outside quotes yields nothing or `null`.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from typing import Any

from moto.events.models import EventPattern

_MISSING = object()
_PLACEHOLDER = re.compile(r"<([A-Za-z0-9_.\-]+)>")
_SEGMENT = re.compile(r"\.([A-Za-z0-9_\-/]+|\*)|\[(\d+|\*)\]")


def _flatten_object_arrays(node: Any) -> Any:
    if isinstance(node, dict):
        return {key: _flatten_object_arrays(value) for key, value in node.items()}
    if isinstance(node, list):
        items = [_flatten_object_arrays(item) for item in node]
        if items and all(isinstance(item, dict) for item in items):
            return _merge_objects(items)
        flat: list[Any] = []
        for item in items:
            flat.extend(item if isinstance(item, list) else [item])
        return flat
    return node


def _merge_objects(items: list[dict[str, Any]]) -> dict[str, Any]:
    merged: dict[str, Any] = {}
    for key in dict.fromkeys(key for item in items for key in item):
        values = [item[key] for item in items if key in item]
        if all(isinstance(value, dict) for value in values):
            merged[key] = _merge_objects(values)
            continue
        flat: list[Any] = []
        for value in values:
            flat.extend(value if isinstance(value, list) else [value])
        merged[key] = flat
    return merged


def matches(pattern: Mapping[str, Any] | str, event: Mapping[str, Any]) -> bool:
    """Whether EventBridge would deliver `event` to a rule with `pattern` (a dict or its JSON)."""
    raw = pattern if isinstance(pattern, str) else json.dumps(pattern)
    return bool(EventPattern.load(raw).matches_event(_flatten_object_arrays(json.loads(json.dumps(event)))))


def resolve_path(event: Any, path: str) -> Any:
    """The value at an InputPathsMap path, or the module's `_MISSING` marker."""
    if not path.startswith("$"):
        raise ValueError(f"input path {path!r} must start with '$'")
    rest = path[1:]
    segments = [(m.group(1), m.group(2)) for m in _SEGMENT.finditer(rest)]
    if "".join(m.group(0) for m in _SEGMENT.finditer(rest)) != rest:
        raise ValueError(f"input path {path!r} uses syntax EventBridge does not support")
    nodes, wildcard = [event], False
    for name, index in segments:
        following: list[Any] = []
        for node in nodes:
            if (name == "*" or index == "*") and isinstance(node, (dict, list)):
                wildcard = True
                following.extend(node.values() if isinstance(node, dict) else node)
            elif name is not None and isinstance(node, dict) and name in node:
                following.append(node[name])
            elif index is not None and index != "*" and isinstance(node, list) and int(index) < len(node):
                following.append(node[int(index)])
        nodes = following
    if wildcard:
        return nodes if nodes else _MISSING
    return nodes[0] if nodes else _MISSING


def _as_text(value: Any) -> str:
    if value is _MISSING:
        return ""
    if isinstance(value, str):
        return value  # not escaped
    if isinstance(value, (dict, list)):
        return json.dumps(value, ensure_ascii=False, separators=(",", ":")).replace('"', "")
    return json.dumps(value)


def _as_json(value: Any, *, quote_strings: bool) -> str:
    if value is _MISSING:
        return ""
    if isinstance(value, str):
        return f'"{value}"' if quote_strings else value  # quoted or not, never escaped
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"))


def apply_input_transformer(
    input_paths: Mapping[str, str],
    template: str,
    event: Mapping[str, Any],
    *,
    quote_bare_strings: bool = True,
) -> str:
    """The input EventBridge sends to the target for `event` (see the module docstring for the rules)."""
    values = {name: resolve_path(event, path) for name, path in input_paths.items()}
    values.setdefault("aws.events.event.json", event)
    output: list[str] = []
    in_string, position = False, 0
    while position < len(template):
        char = template[position]
        placeholder = _PLACEHOLDER.match(template, position) if char == "<" else None
        if (
            placeholder
            and placeholder.group(1) not in values
            and placeholder.group(1).startswith("aws.events.")
        ):
            raise ValueError(f"<{placeholder.group(1)}> is a reserved variable this model does not provide")
        if placeholder and placeholder.group(1) in values:
            value = values[placeholder.group(1)]
            output.append(_as_text(value) if in_string else _as_json(value, quote_strings=quote_bare_strings))
            position = placeholder.end()
            continue
        if in_string and char == "\\":
            output.append(template[position : position + 2])
            position += 2
            continue
        if char == '"':
            in_string = not in_string
        output.append(char)
        position += 1
    result = "".join(output)
    if template.lstrip().startswith(("{", "[")):
        try:
            return json.dumps(json.loads(result), ensure_ascii=False, separators=(",", ":"))
        except json.JSONDecodeError as error:
            raise ValueError(f"transformed input is not valid JSON ({error}): {result}") from error
    return result


def text_lines(transformed: str) -> list[str]:
    """The text of a multi-line template's output: one JSON string per line, each decoded."""
    return [json.loads(line) for line in transformed.splitlines()]
