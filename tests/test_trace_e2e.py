"""End to end: what OptoPrime's prompt shows of the trace recorded in the worker process
(operators, the raising line, locals), and --trace-max-prompt-tokens bounding it."""

from __future__ import annotations

from conftest import Project, answer

NAME = "pricing.cart.apply_discount"
FIX = "def apply_discount(price: float, percent: float) -> float:\n"
FIX += "    return price * (100 - percent) / 100\n"
CART = '''
def cart_total(prices: list[float], percent: float = 0.0) -> float:
    """Sum of the prices, each discounted by `percent` percent."""
    return round(sum(apply_discount(price, percent) for price in prices), 2)
'''


def test_the_prompt_shows_operators_and_stays_in_the_budget(project: Project, llm) -> None:
    server = llm([answer({NAME: FIX})])

    result = project.run("--trace-max-prompt-tokens=4000")

    result.stdout.fnmatch_lines([f"FIXED: {NAME} (5 tests)"])
    system, user = (m["content"] for m in server.requests[0]["messages"])
    assert len(system) + len(user) <= 4000 * 3
    # cart_total is the project's own function between the test and the trainable
    assert (
        "[pricing.cart.cart_total] (operator: the project's own function, not in #Variables) "
        "Sum of the prices, each discounted by `percent` percent."
    ) in user
    code = user.split("#Code\n", 1)[1].split("\n\n#Documentation", 1)[0].splitlines()
    assert any(line.startswith("cart_total0 = pricing.cart.cart_total(") for line in code)
    assert any(
        line.startswith("    apply_discount") and line.endswith("# in cart_total0") for line in code
    )
