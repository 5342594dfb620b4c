"""Plain data passed between the stages of an optimization run.

Everything here is pure and serializable to JSON (the worker process sends test
results and traces back to the controller as JSON), so every stage can be tested
without pytest, git or the network.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any, Literal

Outcome = Literal["passed", "failed", "error", "skipped", "timeout"]
ParameterKind = Literal["code", "constant"]


@dataclass(frozen=True)
class Parameter:
    """One trainable parameter: the source of a ``@trainable`` function, or a constant.

    ``name`` is stable and readable (``pricing.cart.apply_discount``); ``source`` is the
    function definition without its decorators, dedented. ``path`` is relative to the
    repository root, in POSIX form. A ``constant`` (``kind``) is a module-level name:
    ``qualname`` is the name (``TAX_RATE``), ``source`` the literal assigned to it
    (``0.2``). With ``constants_only``, only the literals of a function may change.
    ``module_text`` is the text of the parameter's file as it was before the
    optimization (context: where the search finds ingredients of fixes).
    """

    name: str
    module: str
    qualname: str
    path: str
    source: str
    description: str = ""
    kind: ParameterKind = "code"
    global_names: tuple[str, ...] = ()
    module_text: str = field(default="", repr=False, compare=False)
    constants_only: bool = False


@dataclass(frozen=True)
class Value:
    """A recorded value: its type name and a bounded ``repr``."""

    type: str
    repr: str

    def render(self) -> str:
        return f"({self.type}) {self.repr}"


@dataclass
class LineStep:
    """One line of a recorded call: the local variables that line changed.

    ``line`` counts from the function's ``def`` line (1); ``visit`` is how many times the
    line had run, this time included (a loop's iterations); ``omitted`` is how many
    steps were left out just before this one (a summarized loop).
    """

    line: int
    changes: dict[str, Value] = field(default_factory=dict)
    visit: int = 1
    omitted: int = 0


@dataclass
class CallNode:
    """One call of a trainable function (or an operator) recorded while a test ran.

    ``inputs_from`` maps an argument name to the ``id`` of the call whose return value
    was passed as that argument: the data-flow edges of the trace graph.

    ``kind`` is ``"trainable"``, or ``"operator"`` for a function of the user's project
    that is not trainable (called inside a trainable call, or whose value a trainable
    call received). ``raised_line`` is the line (1 = the ``def`` line) the exception
    passed through in this call; ``lines`` the local variables line by line (bounded,
    only for some calls); ``self_before``/``self_after`` the attributes of ``self`` a
    method reads or writes, before and after the call.
    """

    id: int
    function: str
    args: dict[str, Value]
    result: Value | None = None
    exception: Value | None = None
    parent: int | None = None
    inputs_from: dict[str, int] = field(default_factory=dict)
    kind: str = "trainable"
    raised_line: int | None = None
    lines: list[LineStep] = field(default_factory=list)
    self_before: dict[str, Value] = field(default_factory=dict)
    self_after: dict[str, Value] = field(default_factory=dict)


@dataclass
class TraceGraph:
    """The trace of one test: the calls of trainable functions, in call order.

    ``dropped_calls`` calls were not kept (the recording limit); they came just before
    ``calls[dropped_at]`` (at the end when ``dropped_at`` is None). ``docs`` holds the
    first paragraph of each operator's docstring.
    """

    test: str
    test_source: str = ""
    calls: list[CallNode] = field(default_factory=list)
    dropped_calls: int = 0
    dropped_at: int | None = None
    docs: dict[str, str] = field(default_factory=dict)

    @property
    def functions(self) -> list[str]:
        """Names of the trainable functions reached, in order of first call."""
        return list(dict.fromkeys(call.function for call in self.calls if call.kind == "trainable"))


@dataclass
class TestResult:
    """The outcome of one test in one run, with feedback when it did not pass."""

    __test__ = False  # not a test class, whatever pytest's collection thinks

    nodeid: str
    outcome: Outcome
    duration: float = 0.0
    feedback: str = ""
    trace: TraceGraph | None = None
    reached: list[str] = field(default_factory=list)
    #: A skip raised by the test's own code (the test, a fixture, a conftest, a helper)
    #: on its own condition, such as a missing optional dependency: no frame of the code
    #: under test (the modules of the trainable functions) raised it or led to it.
    skip_own: bool = False

    @property
    def ok(self) -> bool:
        """Whether the test passed. A skip is not a pass: a candidate that makes a
        failing test skip itself (``pytest.skip()`` in the code) has not fixed it, and
        one that makes a passing test skip has broken it."""
        return self.outcome == "passed"

    @property
    def not_failing(self) -> bool:
        """Whether a test that failed no longer fails: it passed, or it skipped on its
        own condition (``skip_own``: with the fix it gets as far as
        ``pytest.importorskip("numpy")``). Only for the tests a candidate must make
        pass; a test that passed before must still pass (:attr:`ok`)."""
        return self.ok or (self.outcome == "skipped" and self.skip_own)


@dataclass(frozen=True)
class TokenUsage:
    prompt: int = 0
    completion: int = 0

    def __add__(self, other: TokenUsage) -> TokenUsage:
        return TokenUsage(self.prompt + other.prompt, self.completion + other.completion)


@dataclass(frozen=True)
class HistoryEntry:
    """An earlier iteration of a group: the values tried and the feedback they got."""

    values: dict[str, str]
    feedback: str


@dataclass
class Problem:
    """What an optimizer sees: parameters (with current values), traces, feedback.

    ``suspicious`` is the fault localization: for a parameter name, line numbers of its
    current source (1 is the ``def`` line) and how suspicious each is (0 to 1).
    """

    parameters: list[Parameter]
    traces: list[TraceGraph]
    feedback: str
    history: list[HistoryEntry] = field(default_factory=list)
    suspicious: dict[str, dict[int, float]] = field(default_factory=dict)


@dataclass
class Proposal:
    """What an optimizer returns: new values by parameter name, or why there are none.

    ``rejected`` explains an answer that could not be used; it is fed back to the
    optimizer in the next iteration. ``operators`` names the edit operators that made a
    candidate (search), for the commit message.
    """

    updates: dict[str, str]
    reasoning: str = ""
    rejected: str = ""
    usage: TokenUsage = field(default_factory=TokenUsage)
    operators: tuple[str, ...] = ()


def to_json(obj: Any) -> Any:
    """A JSON-ready form of a model dataclass (or a list/dict of them)."""
    if isinstance(obj, list):
        return [to_json(item) for item in obj]
    if isinstance(obj, dict):
        return {key: to_json(value) for key, value in obj.items()}
    return asdict(obj)


def value_from_json(data: dict[str, Any] | None) -> Value | None:
    return None if data is None else Value(type=data["type"], repr=data["repr"])


def _values(data: dict[str, Any] | None) -> dict[str, Value]:
    return {name: Value(**value) for name, value in (data or {}).items()}


def _step_from_json(data: dict[str, Any]) -> LineStep:
    return LineStep(
        line=data["line"],
        changes=_values(data.get("changes")),
        visit=data.get("visit", 1),
        omitted=data.get("omitted", 0),
    )


def trace_from_json(data: dict[str, Any]) -> TraceGraph:
    calls = [
        CallNode(
            id=call["id"],
            function=call["function"],
            args=_values(call["args"]),
            result=value_from_json(call.get("result")),
            exception=value_from_json(call.get("exception")),
            parent=call.get("parent"),
            inputs_from=dict(call.get("inputs_from", {})),
            kind=call.get("kind", "trainable"),
            raised_line=call.get("raised_line"),
            lines=[_step_from_json(step) for step in call.get("lines", [])],
            self_before=_values(call.get("self_before")),
            self_after=_values(call.get("self_after")),
        )
        for call in data["calls"]
    ]
    return TraceGraph(
        test=data["test"],
        test_source=data.get("test_source", ""),
        calls=calls,
        dropped_calls=data.get("dropped_calls", 0),
        dropped_at=data.get("dropped_at"),
        docs=dict(data.get("docs", {})),
    )


def result_from_json(data: dict[str, Any]) -> TestResult:
    trace = data.get("trace")
    return TestResult(
        nodeid=data["nodeid"],
        outcome=data["outcome"],
        duration=data.get("duration", 0.0),
        feedback=data.get("feedback", ""),
        trace=None if trace is None else trace_from_json(trace),
        reached=list(data.get("reached", [])),
        skip_own=bool(data.get("skip_own", False)),
    )


@dataclass(frozen=True)
class Step:
    """One iteration of a group, for the convergence report: the candidates tested, the
    most of the group's failing tests one of them made pass (None: none was tested), and
    the best so far after it."""

    iteration: int
    candidates: int
    passed: int | None
    best: int
