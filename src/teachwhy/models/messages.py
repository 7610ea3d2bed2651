"""Plain chat dicts (what the rest of teachwhy writes) <-> Inspect's typed messages and tools.

Messages are `{"role": "system"|"user"|"assistant"|"tool", "content": str}` with, optionally,
`tool_calls` (`[{"id", "function", "arguments"}]`) on assistant messages and `tool_call_id` on
tool messages. Tools are `{"name", "description", "parameters"}` (a JSON schema object); the
OpenAI form `{"type": "function", "function": {...}}` is accepted too.
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

from teachwhy.spec.errors import TeachwhyError

if TYPE_CHECKING:
    from inspect_ai.model import ChatMessage
    from inspect_ai.tool import ToolCall, ToolInfo

ROLES = ("system", "user", "assistant", "tool")


def check_messages(messages: list[dict[str, Any]]) -> None:
    """Raise a TeachwhyError if messages are not a non-empty list of role/content dicts."""
    if not messages:
        raise TeachwhyError("messages: empty; give at least one {'role': 'user', 'content': ...}")
    for i, message in enumerate(messages):
        if not isinstance(message, dict) or message.get("role") not in ROLES:
            raise TeachwhyError(f"messages[{i}]: needs a role, one of {', '.join(ROLES)}")
        if not isinstance(message.get("content", ""), str):
            raise TeachwhyError(f"messages[{i}].content: must be a string")


def to_inspect_messages(messages: list[dict[str, Any]]) -> list[ChatMessage]:
    """Convert chat dicts to Inspect messages."""
    from inspect_ai.model import (
        ChatMessageAssistant,
        ChatMessageSystem,
        ChatMessageTool,
        ChatMessageUser,
    )

    check_messages(messages)
    out: list[ChatMessage] = []
    for message in messages:
        role, content = message["role"], message.get("content", "")
        if role == "system":
            out.append(ChatMessageSystem(content=content))
        elif role == "user":
            out.append(ChatMessageUser(content=content))
        elif role == "assistant":
            calls = [_tool_call(c) for c in message.get("tool_calls") or []]
            out.append(ChatMessageAssistant(content=content, tool_calls=calls or None))
        else:
            out.append(
                ChatMessageTool(
                    content=content,
                    tool_call_id=message.get("tool_call_id"),
                    function=message.get("name") or message.get("function"),
                )
            )
    return out


def _tool_call(call: dict[str, Any]) -> ToolCall:
    from inspect_ai.tool import ToolCall

    function = call.get("function")
    if isinstance(function, dict):  # OpenAI form: {"function": {"name", "arguments": "json"}}
        name, arguments = function.get("name", ""), function.get("arguments", {})
    else:
        name, arguments = function or call.get("name", ""), call.get("arguments", {})
    if isinstance(arguments, str):
        arguments = json.loads(arguments or "{}")
    return ToolCall(id=str(call.get("id", name)), function=str(name), arguments=arguments)


def to_inspect_tools(tools: list[dict[str, Any]] | None) -> list[ToolInfo]:
    """Convert tool dicts to Inspect tool specifications."""
    from inspect_ai.tool import ToolInfo, ToolParams

    out: list[ToolInfo] = []
    for i, tool in enumerate(tools or []):
        spec = tool.get("function", tool) if tool.get("type") == "function" else tool
        if not spec.get("name"):
            raise TeachwhyError(f"tools[{i}]: needs a name")
        params = spec.get("parameters") or {"type": "object", "properties": {}}
        out.append(
            ToolInfo(
                name=spec["name"],
                description=spec.get("description", ""),
                parameters=ToolParams.model_validate(params),
            )
        )
    return out


def tool_calls_to_dicts(calls: list[ToolCall] | None) -> list[dict[str, Any]]:
    """Inspect tool calls as plain dicts: `{"id", "function", "arguments"}`."""
    return [{"id": c.id, "function": c.function, "arguments": c.arguments} for c in calls or []]


def from_inspect_messages(messages: list[ChatMessage]) -> list[dict[str, Any]]:
    """Inspect messages back to chat dicts (text content only)."""
    out: list[dict[str, Any]] = []
    for message in messages:
        item: dict[str, Any] = {"role": message.role, "content": message.text}
        calls = getattr(message, "tool_calls", None)
        if calls:
            item["tool_calls"] = tool_calls_to_dicts(calls)
        if message.role == "tool":
            item["tool_call_id"] = getattr(message, "tool_call_id", None)
        out.append(item)
    return out


def tools_as_system_text(tools: list[ToolInfo]) -> str:
    """Tools described in prose, for local chat templates that have no tool syntax.

    SmolLM2's template knows nothing of tools, so the model sees them as part of the system
    prompt and answers in text; tool calls are not parsed from its output.
    """
    lines = ["You can use these tools:"]
    for tool in tools:
        schema = json.dumps(tool.parameters.model_dump(exclude_none=True), sort_keys=True)
        lines.append(f"- {tool.name}: {tool.description} Parameters: {schema}")
    return "\n".join(lines)
