"""Which optimizer ``--trace-optimizer`` means: decided from the specs' facts, never names."""

from __future__ import annotations

from pytest_trace.optimizers.base import OptimizerSpec
from pytest_trace.optimizers.choice import choose, offered


def _spec(name: str, *, needs_llm: bool = False, preference: int = 0) -> OptimizerSpec:
    return OptimizerSpec(
        name, name, lambda context: None, needs_llm=needs_llm, preference=preference
    )  # type: ignore[arg-type,return-value]


BUILT_IN = [_spec("optoprime", needs_llm=True, preference=2), _spec("search", preference=1)]


def test_auto_takes_the_llm_optimizer_only_when_an_llm_is_configured() -> None:
    specs = offered([BUILT_IN])
    with_llm = choose(specs, "auto", llm_endpoint="http://127.0.0.1:9/v1")
    without = choose(specs, "auto", llm_endpoint=None)
    assert with_llm.spec is not None and with_llm.spec.name == "optoprime"
    assert "http://127.0.0.1:9/v1" in with_llm.reason
    assert without.spec is not None and without.spec.name == "search"
    assert "no LLM is configured" in without.reason


def test_auto_prefers_a_plugins_optimizer_by_its_preference_not_its_name() -> None:
    mine = _spec("mine", needs_llm=True, preference=5)
    specs = offered([BUILT_IN, [mine]])
    assert choose(specs, "auto", llm_endpoint="http://e").spec is mine
    assert choose(specs, "auto", llm_endpoint=None).spec is not None
    assert choose(specs, "auto", llm_endpoint=None).spec.name == "search"  # type: ignore[union-attr]


def test_a_plugin_replaces_a_built_in_of_the_same_name() -> None:
    search = _spec("search", preference=1)
    assert offered([BUILT_IN, [search]])["search"] is search


def test_nothing_usable_without_an_llm_says_how_to_configure_one() -> None:
    choice = choose(offered([[_spec("llm-only", needs_llm=True)]]), "auto", llm_endpoint=None)
    assert choice.spec is None
    assert "OPENAI_API_KEY" in choice.reason


def test_an_llm_optimizer_asked_for_without_an_llm_names_one_that_needs_none() -> None:
    choice = choose(offered([BUILT_IN]), "optoprime", llm_endpoint=None)
    assert choice.spec is None
    assert "needs an LLM and none is configured" in choice.reason
    assert "--trace-optimizer search needs none" in choice.reason


def test_an_unknown_name_lists_the_optimizers() -> None:
    choice = choose(offered([BUILT_IN]), "orakel", llm_endpoint=None)
    assert choice.spec is None
    assert "auto, optoprime, search" in choice.reason
