"""Candidates per second: the fork engine versus a fresh pytest process per candidate.

Run it from the repository root (defaults: 40 candidates, 20 tests; well under a minute
on two cores)::

    python benchmarks/candidate_throughput.py [--candidates N] [--tests N] [--json PATH]

It builds a small project in a temporary directory (a package whose module holds a
``@trainable`` discount function among about a hundred lines of ordinary code, and
``--tests`` tests in three test files, some reaching the trainable, some not), commits
it to a fresh git repository, and uses that repository as the worktree. A survey run
finds the tests that reach the trainable, as ``--trace-optimize`` does; each candidate
(a variant of the discount function with other constants and operators, some passing,
some failing; the file text produced by ``edits.replace_function``) is then a
``RunRequest`` of those tests, evaluated three ways, one after the other, on the same
candidates:

(a) ``ForkEngine(workers=1)``: ``engine.run(request)``, one candidate at a time;
(b) ``ForkEngine(workers=os.cpu_count())``: ``engine.run_many(requests)``, all at once;
(c) ``WorkerRunner.run(request)``: a fresh ``python -m pytest`` process per candidate.

Every evaluator is warmed up with one run before it is timed; the fork servers' start-up
(one pytest start-up and collection each) is reported apart and not counted. The
script checks that the fork engines evaluated every candidate in memory (``forked``
equals the number of runs, no fallback) and that all three agree on the outcome of
every test of every candidate, then prints a table: total seconds, candidates per
second, the throughput ratio to (c), the tests' own run time per candidate (the sum of
``TestResult.duration`` of a run, averaged) and the overhead per candidate (wall time
per candidate minus that), and whether the project's targets are met: at least 20x the
throughput of a process per candidate, at most 10 ms of overhead per candidate. With
``--json PATH`` the figures are also written to PATH. Exits 0 (1 if a check fails).
"""

from __future__ import annotations

import argparse
import itertools
import json
import os
import platform
import subprocess
import sys
import tempfile
import textwrap
import time
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass
from pathlib import Path

import pytest_trace
from pytest_trace.repair.source_edits import replace_function
from pytest_trace.runner.forked import ForkEngine, fork_available
from pytest_trace.runner.fresh import RunOutcome, RunRequest, WorkerRunner
from pytest_trace.settings import DEFAULT_MEMORY_MB

TARGET_RATIO = 20.0
TARGET_OVERHEAD_MS = 10.0
PER_TEST_TIMEOUT = 5.0
PACKAGE = "shop"
MODULE = f"{PACKAGE}.pricing"
MODULE_PATH = f"{PACKAGE}/pricing.py"
QUALNAME = "discounted_price"
TRAINABLE = f"{MODULE}.{QUALNAME}"

# --- the project ----------------------------------------------------------------------

PRICING = '''\
"""Prices, carts, taxes and shipping of a small shop."""

from __future__ import annotations

import math
from dataclasses import dataclass, field

from pytest_trace import trainable

CURRENCY = "$"
TAX_RATES = {"DE": 0.19, "FR": 0.20, "US": 0.0, "UK": 0.20}
SHIPPING_TIERS = ((1.0, 4.99), (5.0, 9.99), (20.0, 19.99))
HEAVY_RATE_PER_KG = 1.25
COUPONS = {"SAVE10": 10.0, "SAVE25": 25.0, "HALF": 50.0}


class PricingError(ValueError):
    """A price, a quantity or a code that makes no sense."""


@dataclass(frozen=True)
class Item:
    sku: str
    price: float
    quantity: int = 1
    weight: float = 0.5

    def __post_init__(self) -> None:
        if self.price < 0:
            raise PricingError(f"negative price for {self.sku}: {self.price}")
        if self.quantity < 1:
            raise PricingError(f"quantity of {self.sku} must be positive")


@dataclass
class Cart:
    items: list[Item] = field(default_factory=list)
    coupon: str | None = None
    region: str = "US"

    def add(self, sku: str, price: float, quantity: int = 1, weight: float = 0.5) -> None:
        self.items.append(Item(sku, price, quantity, weight))

    @property
    def count(self) -> int:
        return sum(item.quantity for item in self.items)

    @property
    def weight(self) -> float:
        return sum(item.weight * item.quantity for item in self.items)


@trainable(description="Return `price` after taking off `percent` percent, to the cent.")
def discounted_price(price: float, percent: float) -> float:
    if not 0 <= percent <= 100:
        raise PricingError(f"percent must be between 0 and 100, not {percent}")
    return round(price * percent / 100, 2)


def coupon_percent(code: str | None) -> float:
    if code is None:
        return 0.0
    try:
        return COUPONS[code.strip().upper()]
    except KeyError:
        raise PricingError(f"unknown coupon {code!r}") from None


def subtotal(cart: Cart) -> float:
    percent = coupon_percent(cart.coupon)
    total = sum(discounted_price(item.price, percent) * item.quantity for item in cart.items)
    return round(total, 2)


def tax_rate(region: str) -> float:
    try:
        return TAX_RATES[region]
    except KeyError:
        raise PricingError(f"no tax rate for region {region!r}") from None


def shipping_cost(weight: float) -> float:
    if weight <= 0:
        return 0.0
    for limit, cost in SHIPPING_TIERS:
        if weight <= limit:
            return cost
    extra = math.ceil(weight - SHIPPING_TIERS[-1][0])
    return round(SHIPPING_TIERS[-1][1] + extra * HEAVY_RATE_PER_KG, 2)


def cart_total(cart: Cart) -> float:
    net = subtotal(cart)
    return round(net * (1 + tax_rate(cart.region)) + shipping_cost(cart.weight), 2)


def format_money(amount: float) -> str:
    sign = "-" if amount < 0 else ""
    return f"{sign}{CURRENCY}{abs(amount):,.2f}"


def parse_money(text: str) -> float:
    cleaned = text.strip().replace(CURRENCY, "").replace(",", "")
    try:
        return round(float(cleaned), 2)
    except ValueError:
        raise PricingError(f"not an amount of money: {text!r}") from None


def receipt(cart: Cart) -> list[str]:
    lines = [f"{item.quantity} x {item.sku}: {format_money(item.price)}" for item in cart.items]
    lines.append(f"total: {format_money(cart_total(cart))}")
    return lines
'''


def _discount(price: float, percent: float) -> float:
    """The intended behaviour of the trainable: the expected values of the tests."""
    return round(price * (100 - percent) / 100, 2)


def _shipping(weight: float) -> float:
    tiers = ((1.0, 4.99), (5.0, 9.99), (20.0, 19.99))
    if weight <= 0:
        return 0.0
    for limit, cost in tiers:
        if weight <= limit:
            return cost
    return round(19.99 + -(-(weight - 20.0) // 1) * 1.25, 2)


def format_money(amount: float) -> str:
    return f"{'-' if amount < 0 else ''}${abs(amount):,.2f}"


def _test_discount(i: int) -> str:
    price, percent = 10.0 + 7.5 * i, (13 * i) % 91
    if i % 4 == 3:
        return f"""
def test_discount_rejects_{i}():
    with pytest.raises(PricingError):
        discounted_price({price}, {100 + i})
"""
    expected = _discount(price, percent)
    return f"""
def test_discount_{i}():
    assert discounted_price({price}, {percent}) == pytest.approx({expected}, abs=0.01)
"""


def _test_cart(i: int) -> str:
    prices = [round(3.25 + 4.5 * ((i + k) % 7), 2) for k in range(3)]
    coupon, percent = [("SAVE10", 10), ("SAVE25", 25), ("HALF", 50)][i % 3]
    net = round(sum(_discount(p, percent) * (k + 1) for k, p in enumerate(prices)), 2)
    adds = "".join(f"    cart.add('sku{k}', {p}, {k + 1})\n" for k, p in enumerate(prices))
    return f"""
def test_cart_subtotal_{i}():
    cart = Cart(coupon={coupon!r})
{adds}    assert cart.count == 6
    assert subtotal(cart) == pytest.approx({net}, abs=0.05)
"""


def _test_catalog(i: int) -> str:
    return f"""
def test_catalog_never_negative_{i}():
    prices = [0.5 * k for k in range(400)]
    for percent in (0, {5 + i % 40}, 100):
        assert all(discounted_price(p, percent) >= 0 for p in prices)
"""


def _test_money(i: int) -> str:
    amount = round(1234.5 * (i + 1) + 0.25, 2)
    return f"""
def test_money_round_trip_{i}():
    text = format_money({amount})
    assert text.startswith("$") and "," in text
    assert parse_money(text) == {amount}
"""


def _test_shipping(i: int) -> str:
    weight = 0.4 + 2.7 * i
    region, rate = [("DE", 0.19), ("US", 0.0), ("FR", 0.20)][i % 3]
    return f"""
def test_shipping_and_tax_{i}():
    assert shipping_cost({weight}) == pytest.approx({_shipping(weight)})
    assert tax_rate({region!r}) == {rate}
    assert cart_total(Cart(region={region!r})) == 0.0
    assert format_money(shipping_cost({weight})) == {format_money(_shipping(weight))!r}
"""


HEADER = f"""import pytest

from {MODULE} import (
    Cart,
    PricingError,
    cart_total,
    discounted_price,
    format_money,
    parse_money,
    shipping_cost,
    subtotal,
    tax_rate,
)
"""

#: (test file, test builder): the tests cycle through these.
KINDS: tuple[tuple[str, Callable[[int], str]], ...] = (
    ("tests/test_discount.py", _test_discount),
    ("tests/test_cart.py", _test_cart),
    ("tests/test_money.py", _test_money),
    ("tests/test_discount.py", _test_catalog),
    ("tests/test_money.py", _test_shipping),
)


def write_project(root: Path, tests: int) -> None:
    """The package, ``tests`` tests in three files, committed to a fresh repository."""
    (root / PACKAGE).mkdir()
    (root / PACKAGE / "__init__.py").write_text('"""A small shop."""\n', encoding="utf-8")
    (root / MODULE_PATH).write_text(PRICING, encoding="utf-8")
    (root / "pyproject.toml").write_text(
        '[tool.pytest.ini_options]\ntestpaths = ["tests"]\n', encoding="utf-8"
    )
    files: dict[str, list[str]] = {}
    for i in range(tests):
        path, build = KINDS[i % len(KINDS)]
        files.setdefault(path, [HEADER]).append(build(i))
    (root / "tests").mkdir()
    for path, parts in files.items():
        (root / path).write_text("\n".join(parts), encoding="utf-8")
    for args in (
        ["init", "-q"],
        ["config", "user.name", "Benchmark"],
        ["config", "user.email", "benchmark@example.invalid"],
        ["config", "commit.gpgsign", "false"],
        ["add", "-A"],
        ["commit", "-q", "--no-verify", "-m", "a small shop"],
    ):
        subprocess.run(["git", *args], cwd=root, check=True, stdout=subprocess.DEVNULL)


# --- the candidates -------------------------------------------------------------------

#: Bodies of the discount: the first four are right, the others wrong in some way.
EXPRESSIONS = (
    "price * (1 - percent / 100)",
    "price - price * percent / 100",
    "price * (100 - percent) / 100",
    "(100 - percent) * price / 100",
    "price * percent / 100",
    "price * (1 + percent / 100)",
    "price * (1 - percent / 10)",
    "price - percent",
    "price * (1 - percent / 1000)",
    "price / (1 + percent / 100)",
)
WRAPPERS = ("round({}, 2)", "{}", "max(0.0, {})", "round(max(0.0, {}), 2)", "float({})")
BOUNDS = ("100", "100.0", "1e2")


def candidates(count: int) -> list[str]:
    """``count`` distinct candidate sources of the trainable (undecorated, as proposed)."""
    combos = itertools.product(BOUNDS, WRAPPERS, EXPRESSIONS)
    sources = []
    for bound, wrapper, expression in itertools.islice(combos, count):
        sources.append(
            textwrap.dedent(f"""\
                def {QUALNAME}(price: float, percent: float) -> float:
                    if not 0 <= percent <= {bound}:
                        raise PricingError(f"percent must be between 0 and 100, not {{percent}}")
                    return {wrapper.format(expression)}
                """)
        )
    if len(sources) < count:
        raise SystemExit(f"at most {len(sources)} distinct candidates, not {count}")
    return sources


def requests(
    root: Path, tests: Sequence[str], sources: Sequence[str], style: str
) -> list[RunRequest]:
    """One request per candidate, as ``repair.Workspace.request`` builds them: in the
    search's style, a run stops at its first failing test and renders no feedback; in
    OptoPrime's style, every test runs and failures become feedback."""
    text = (root / MODULE_PATH).read_text(encoding="utf-8")
    search = style == "search"
    return [
        RunRequest(
            tests=tuple(tests),
            files={MODULE_PATH: replace_function(text, QUALNAME, source)},
            changes={MODULE: (QUALNAME,)},
            timeout=PER_TEST_TIMEOUT,
            stop_on_failure=tuple(tests) if search else (),
            feedback=not search,
        )
        for source in sources
    ]


# --- measuring ------------------------------------------------------------------------


@dataclass
class Row:
    label: str
    candidates: int
    seconds: float
    tests_ms: float  # the tests' own run time per candidate
    ratio: float = 0.0  # throughput relative to a process per candidate

    @property
    def per_second(self) -> float:
        return self.candidates / self.seconds

    @property
    def wall_ms(self) -> float:
        return self.seconds / self.candidates * 1000

    @property
    def overhead_ms(self) -> float:
        return self.wall_ms - self.tests_ms


def tests_ms(outcomes: Sequence[RunOutcome]) -> float:
    total = sum(r.duration for outcome in outcomes for r in outcome.results.values())
    return total / len(outcomes) * 1000


def outcomes_of(outcome: RunOutcome) -> dict[str, str]:
    return {nodeid: result.outcome for nodeid, result in outcome.results.items()}


def timed(run: Callable[[], list[RunOutcome]]) -> tuple[float, list[RunOutcome]]:
    start = time.perf_counter()
    outcomes = run()
    return time.perf_counter() - start, outcomes


def check_forked(engine: ForkEngine, runs: int, label: str) -> None:
    if engine.forked != runs or engine.fallbacks:
        raise SystemExit(
            f"{label}: {engine.forked} of {runs} runs were forked, {engine.fallbacks} fell "
            f"back to a fresh process: the candidates were not all evaluated in memory"
        )


def verdict(met: bool) -> str:
    return "met" if met else "NOT met"


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--candidates", type=int, default=40, help="candidates (default 40)")
    parser.add_argument("--tests", type=int, default=20, help="tests in the project (default 20)")
    parser.add_argument("--json", type=Path, help="also write the figures to this JSON file")
    parser.add_argument(
        "--style",
        choices=("search", "optoprime"),
        default="search",
        help="requests as the search optimizer makes them (stop at the first failing test, "
        "no feedback; the default) or as OptoPrime does (every test, feedback)",
    )
    args = parser.parse_args(argv)
    if args.candidates < 1 or args.tests < len(KINDS):
        parser.error(f"--candidates must be at least 1 and --tests at least {len(KINDS)}")
    if not fork_available():
        print("os.fork is not available here: the fork engine cannot run")
        return 1
    workers = os.cpu_count() or 1

    with tempfile.TemporaryDirectory(prefix="pytest-trace-bench-") as tmp:
        root = Path(tmp).resolve() / "shop"
        root.mkdir()
        write_project(root, args.tests)
        runner = WorkerRunner(
            root=root,
            worktree=root,
            user_root=root,
            pythonpath=[str(root)],
            timeout=PER_TEST_TIMEOUT,
        )
        # The tests of the suite, and which of them reach the trainable: a survey run.
        collect = subprocess.run(
            [sys.executable, "-m", "pytest", "--collect-only", "-q", "-p", "no:cacheprovider"],
            cwd=root,
            env=runner.environ(),
            capture_output=True,
            text=True,
            check=False,
        )
        suite = [line for line in collect.stdout.splitlines() if "::" in line]
        if len(suite) != args.tests:
            print(collect.stdout, collect.stderr, sep="\n")
            raise SystemExit(f"collected {len(suite)} tests, expected {args.tests}")

        rows: list[Row] = []
        seen: dict[str, list[dict[str, str]]] = {}
        start = time.perf_counter()
        with ForkEngine(runner, suite, workers=1, memory_mb=DEFAULT_MEMORY_MB) as engine:
            startup = time.perf_counter() - start
            survey = engine.run(RunRequest(tuple(suite), reach=True, timeout=PER_TEST_TIMEOUT))
            reaching = [n for n, r in survey.results.items() if TRAINABLE in r.reached]
            if not reaching or len(survey.results) != len(suite):
                raise SystemExit(f"the survey run went wrong: {survey.problem or survey.results}")
            batch = requests(root, reaching, candidates(args.candidates), args.style)
            seconds, outcomes = timed(lambda: [engine.run(request) for request in batch])
            check_forked(engine, 1 + len(batch), "(a)")
            rows.append(Row("(a) fork, 1 worker, one at a time", len(batch), seconds, 0.0))
            rows[-1].tests_ms = tests_ms(outcomes)
            seen["a"] = [outcomes_of(outcome) for outcome in outcomes]

        start = time.perf_counter()
        with ForkEngine(runner, suite, workers=workers, memory_mb=DEFAULT_MEMORY_MB) as engine:
            startup_b = time.perf_counter() - start
            engine.run(batch[0])  # warm-up
            seconds, outcomes = timed(lambda: engine.run_many(batch))
            check_forked(engine, 1 + len(batch), "(b)")
            label = f"(b) fork, {workers} worker{'s' * (workers > 1)}, all at once"
            rows.append(Row(label, len(batch), seconds, tests_ms(outcomes)))
            seen["b"] = [outcomes_of(outcome) for outcome in outcomes]

        runner.run(batch[0])  # warm-up (file system caches, the interpreter's files)
        seconds, outcomes = timed(lambda: [runner.run(request) for request in batch])
        rows.append(Row("(c) a pytest process per candidate", len(batch), seconds, 0.0))
        rows[-1].tests_ms = tests_ms(outcomes)
        seen["c"] = [outcomes_of(outcome) for outcome in outcomes]

    disagreements = [
        (index, label)
        for label in ("a", "b")
        for index, (mine, theirs) in enumerate(zip(seen[label], seen["c"], strict=True))
        if mine != theirs
    ]
    # In the search's style a run stops at its first failing test; a passing one runs all.
    incomplete = [
        i
        for i, outcome in enumerate(seen["c"])
        if len(outcome) != len(reaching)
        and (args.style != "search" or all(o in ("passed", "skipped") for o in outcome.values()))
    ]
    baseline = rows[-1]
    for row in rows:
        row.ratio = row.per_second / baseline.per_second
    passing = sum(all(o in ("passed", "skipped") for o in run.values()) for run in seen["c"])

    print(
        f"pytest-trace {pytest_trace.__version__}, Python {platform.python_version()}, "
        f"{platform.system()} {platform.machine()}, {workers} CPUs"
    )
    print(
        f"project: {len(PRICING.splitlines())}-line module, {len(suite)} tests in "
        f"{len({path for path, _ in KINDS})} files, {len(reaching)} of them reach {TRAINABLE} "
        f"and are run per candidate ({args.style} style)"
    )
    print(
        f"candidates: {len(batch)} ({passing} pass all {len(reaching)} tests); fork server "
        f"start-up (not counted): {startup:.2f} s (a), {startup_b:.2f} s (b)"
    )
    header = (
        f"{'':<38} {'cands':>5} {'seconds':>8} {'cands/s':>8} {'vs (c)':>7} "
        f"{'tests ms':>9} {'overhead ms':>12}"
    )
    print(header)
    print("-" * len(header))
    for row in rows:
        print(
            f"{row.label:<38} {row.candidates:>5} {row.seconds:>8.2f} {row.per_second:>8.1f} "
            f"{row.ratio:>6.1f}x {row.tests_ms:>9.2f} {row.overhead_ms:>12.2f}"
        )
    print(
        "tests ms: the tests' own run time per candidate (sum of TestResult.duration); "
        "overhead ms: wall time per candidate minus that"
    )
    print(
        "in memory: (a) and (b) forked every run, no fallback; outcomes: "
        + (
            f"all three agree on every test of every candidate "
            f"({len(batch)} x {len(reaching)} outcomes)"
            if not disagreements and not incomplete
            else f"DISAGREE on candidates {disagreements}, incomplete in (c): {incomplete}"
        )
    )
    targets = []
    for row in rows[:2]:
        tag = row.label[:3]
        targets.append((f"{tag} >= {TARGET_RATIO:g}x (c)", row.ratio >= TARGET_RATIO, row.ratio))
        targets.append(
            (
                f"{tag} overhead <= {TARGET_OVERHEAD_MS:g} ms",
                row.overhead_ms <= TARGET_OVERHEAD_MS,
                row.overhead_ms,
            )
        )
    print(
        "targets: "
        + "; ".join(
            f"{name}: {value:.1f}{'x' if 'x (c)' in name else ' ms'} {verdict(met)}"
            for name, met, value in targets
        )
    )

    if args.json is not None:
        figures = {
            "python": platform.python_version(),
            "cpus": workers,
            "tests": len(suite),
            "tests_per_candidate": len(reaching),
            "candidates": len(batch),
            "candidates_passing": passing,
            "server_startup_seconds": {"a": startup, "b": startup_b},
            "rows": [
                {
                    **asdict(row),
                    "per_second": row.per_second,
                    "wall_ms": row.wall_ms,
                    "overhead_ms": row.overhead_ms,
                }
                for row in rows
            ],
            "agree": not disagreements and not incomplete,
            "targets": {name: met for name, met, _ in targets},
        }
        args.json.write_text(json.dumps(figures, indent=2) + "\n", encoding="utf-8")
    assert not disagreements and not incomplete, "the engines disagree on some outcomes"
    return 0


if __name__ == "__main__":
    sys.exit(main())
