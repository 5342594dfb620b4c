"""Which optimizer a run uses, from the offers of the ``pytest_trace_optimizers`` hook
(pure: the facts come from each :class:`~pytest_trace.optimizers.base.OptimizerSpec`,
never from its name)."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from pytest_trace.optimizers.base import OptimizerSpec

_NO_LLM = (
    "Set OPENAI_API_KEY for OpenAI, or OPENAI_BASE_URL (and OPENAI_API_KEY if it needs one) "
    "for another OpenAI-compatible endpoint such as Azure, vLLM, Ollama or LiteLLM; choose "
    "the model with --trace-model or the ini key trace_model."
)


@dataclass(frozen=True)
class Choice:
    """The optimizer chosen and why, or ``None`` and the message that says why not."""

    spec: OptimizerSpec | None
    reason: str


def offered(offers: Iterable[Iterable[OptimizerSpec]]) -> dict[str, OptimizerSpec]:
    """The offers of every hook implementation by name; a later name replaces an earlier."""
    return {offer.name: offer for batch in offers for offer in batch}


def choose(specs: dict[str, OptimizerSpec], wanted: str, *, llm_endpoint: str | None) -> Choice:
    """The optimizer ``--trace-optimizer wanted`` means, with an LLM at ``llm_endpoint``
    (``None``: no LLM is configured).

    ``auto`` takes, of the offers it can use (one that needs an LLM only when there is
    one), the one with the highest ``preference``, the first offered on a tie.
    """
    if wanted == "auto":
        usable = [spec for spec in specs.values() if llm_endpoint or not spec.needs_llm]
        if not usable:
            return Choice(
                None, f"nothing was optimized: every optimizer offered needs an LLM. {_NO_LLM}"
            )
        spec = max(usable, key=lambda offer: offer.preference)
        if spec.needs_llm:
            return Choice(spec, f"an LLM is configured ({llm_endpoint})")
        if llm_endpoint:
            return Choice(spec, "the preferred of the optimizers offered")
        return Choice(spec, "no LLM is configured (OPENAI_API_KEY, OPENAI_BASE_URL)")
    if wanted not in specs:
        return Choice(
            None,
            f"nothing was optimized: there is no optimizer {wanted!r}; "
            f"the optimizers are auto, {', '.join(sorted(specs))}",
        )
    spec = specs[wanted]
    if spec.needs_llm and not llm_endpoint:
        without = sorted(name for name, offer in specs.items() if not offer.needs_llm)
        alternative = (
            f" Without an LLM, --trace-optimizer {without[0]} needs none." if without else ""
        )
        return Choice(
            None,
            f"the {spec.name} optimizer needs an LLM and none is configured, so nothing was "
            f"optimized. {_NO_LLM}{alternative}",
        )
    return Choice(spec, "chosen with --trace-optimizer")
