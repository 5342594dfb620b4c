"""What #Others shows about one call beyond its value: where it raised, the attributes of
``self`` before and after, its local variables line by line; and which calls lie on the
failing path (the ones worth that detail, and kept when a long trace is summarized).

Line numbers count from the function's ``def`` line (1), as in the fault localization
of the feedback; the source of each line comes from the parameter's current source.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from pytest_trace.model import CallNode, LineStep, Value
from pytest_trace.text.clip import clip
from pytest_trace.text.clip import omitted as omitted_marker


def failing_path(calls: Sequence[CallNode], limit: int) -> list[int]:
    """Ids of the calls on the failing path, nearest to the failure first, at most ``limit``.

    It starts from the calls that raised (the last first) and from the last top-level
    call (whose value the test checked), and follows callers and the calls whose values
    they received.
    """
    if limit <= 0 or not calls:
        return []
    by_id = {call.id: call for call in calls}
    starts = [call.id for call in reversed(calls) if call.exception is not None]
    top_level = [call.id for call in reversed(calls) if call.parent is None]
    starts += top_level[:1]
    path: list[int] = []
    seen: set[int] = set()
    for start in dict.fromkeys(starts):
        queue = [start]  # breadth first from each start: its own path before the next
        while queue and len(path) < limit:
            call_id = queue.pop(0)
            if call_id in seen or call_id not in by_id:
                continue
            seen.add(call_id)
            path.append(call_id)
            call = by_id[call_id]
            if call.parent is not None:
                queue.append(call.parent)
            queue.extend(call.inputs_from.values())
    return path


def raised_line(call: CallNode, sources: Mapping[str, str], limit: int) -> str | None:
    """``  at line 6 of pkg.mod.mean: `return total / count`  # <- raised ... here``."""
    if call.exception is None or call.raised_line is None:
        return None
    text = _source_line(sources.get(call.function, ""), call.raised_line, limit)
    where = f"  at line {call.raised_line} of {call.function}"
    shown = f": `{text}`" if text else ""
    return f"{where}{shown}  # <- raised {call.exception.type} here"


def self_lines(call: CallNode, name: str, limit: int) -> list[str]:
    """The attributes of ``self`` a method used, before and after the call."""
    if not call.self_before and not call.self_after:
        return []
    before = _attributes(call.self_before, {}, limit)
    after = _attributes(call.self_after, call.self_before, limit)
    lines = [f"(self attributes) {name} before: {before or '(none)'}"]
    if call.self_after or call.exception is None:
        lines.append(f"(self attributes) {name} after: {after or '(none)'}")
    return lines


def locals_block(
    call: CallNode, name: str, sources: Mapping[str, str], max_steps: int, limit: int
) -> list[str]:
    """The call's local variables line by line, at most ``max_steps`` steps shown (the
    first and the last ones; the rest counted)."""
    if not call.lines or max_steps <= 0:
        return []
    source = sources.get(call.function, "")
    steps = list(call.lines)
    lines = [f"(locals) {name}, line by line (values after the line ran; line 1 is the def):"]
    shown = _window(steps, max_steps)
    previous = -1
    for index in shown:
        step = steps[index]
        omitted = step.omitted + sum(1 + s.omitted for s in steps[previous + 1 : index])
        if omitted:
            lines.append(f"  {omitted_marker(omitted, 'steps')}")
        lines.append("  " + _step(step, source, limit))
        previous = index
    if call.exception is not None and call.raised_line is not None:
        lines[-1] += f"  # <- raised {call.exception.type} here"
    return lines


def _window(steps: Sequence[LineStep], max_steps: int) -> list[int]:
    if len(steps) <= max_steps:
        return list(range(len(steps)))
    tail = max(1, max_steps // 3)
    head = max_steps - tail
    return list(range(head)) + list(range(len(steps) - tail, len(steps)))


def _step(step: LineStep, source: str, limit: int) -> str:
    text = _source_line(source, step.line, limit)
    where = f"line {step.line}" + (f" `{text}`" if text else "")
    if step.visit > 1:
        where += f" ({_ordinal(step.visit)} time)"
    if not step.changes:
        return f"{where}: (no change)"
    values = ", ".join(
        f"{variable}={_clip(value.repr, limit)}" for variable, value in step.changes.items()
    )
    return f"{where}: {values}"


def _attributes(values: Mapping[str, Value], before: Mapping[str, Value], limit: int) -> str:
    parts = []
    for attribute, value in values.items():
        changed = attribute in before and before[attribute] != value
        parts.append(f"{attribute}={_clip(value.repr, limit)}" + (" (changed)" if changed else ""))
    return ", ".join(parts)


def _source_line(source: str, line: int, limit: int) -> str:
    lines = source.splitlines()
    if not 1 <= line <= len(lines):
        return ""
    return _clip(lines[line - 1].strip(), limit)


def _clip(text: str, limit: int) -> str:
    return clip(text, limit)


def _ordinal(number: int) -> str:
    if 10 <= number % 100 <= 20:
        suffix = "th"
    else:
        suffix = {1: "st", 2: "nd", 3: "rd"}.get(number % 10, "th")
    return f"{number:,}{suffix}"
