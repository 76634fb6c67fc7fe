"""What a chat template can do, read from its source text."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class TemplateCaps:
    """Capabilities of one chat template; decides how tools are rendered."""

    tools: bool  # renders a `tools` variable itself
    tool_calls: bool  # renders assistant `tool_calls` itself
    tool_role: bool  # renders `role == "tool"` messages itself
    style: str  # tool-call output style the template implies: "hermes" or "llama3"
    reasoning: bool = False  # a reasoning model's: it knows <think> blocks

    @classmethod
    def from_template(cls, template: str) -> TemplateCaps:
        llama3 = "<|python_tag|>" in template or "ipython" in template
        return cls(
            tools="tools" in template,
            tool_calls="tool_calls" in template,
            tool_role="'tool'" in template or '"tool"' in template or "ipython" in template,
            style="llama3" if llama3 else "hermes",
            reasoning="<think>" in template,
        )
