"""Play a drill in a local terminal, and check that a drill tests itself (expert and fix paths).

Scenario authors use these through `kubedrill scenarios play|check`; the parametrised test
over the whole catalog uses `check` too.
"""

from __future__ import annotations

from typing import TextIO

from app.catalog.loader import Catalog, render_variant
from app.catalog.schema import Scenario
from app.catalog.variants import describe
from app.providers.sim.clock import Clock
from app.providers.sim.cluster import SimCluster
from app.providers.sim.terminal import SimTerminal
from app.training.provisioning import provision

# After a fix, wait out the longest kubelet back-off (5 min) before judging the checks.
SETTLE_S = 330.0
FROZEN_AT = 1764118800.0  # a fixed instant so checks are reproducible


def variants_to_check(catalog: Catalog, scenario_id: str, seed: int | None = None,
                      limit: int | None = None) -> list[tuple[str, Scenario]]:
    """(label, scenario) for each variant to play: the one `seed` picks, or every combination
    (a seeded sample of 200 above that; the first `limit` when given), canonical first."""
    if seed is not None:
        scenario = catalog.render(scenario_id, seed)
        return [(f" [seed {seed}: {describe(scenario.variant_values)}]"
                 if scenario.variant_values else "", scenario)]
    variants = catalog.variants(scenario_id)
    if not variants:
        return [("", catalog.get(scenario_id))]
    combos = variants.combinations(sample_seed=scenario_id)[:limit]
    source = catalog.sources[scenario_id]
    return [(f" [{describe(values)}]", render_variant(source, values)) for values in combos]


def failing_checks(cluster: SimCluster, scenario: Scenario) -> list[str]:
    return [f"{c.probe}: {r.message}" for c in scenario.checks
            for r in [cluster.probe(c.to_check())] if not r.ok]


def run(cluster: SimCluster, line: str, node: str | None = None) -> tuple[str, int]:
    term = SimTerminal(cluster, cluster.node(node).name if node else
                       cluster.default_node().name)
    result = term.run(line)
    return result.output, result.exit_code


def check(scenario: Scenario, seed: int = 0) -> list[str]:
    """Every problem found playing the scenario's own paths; empty when it tests itself."""
    problems: list[str] = []
    cluster = provision(scenario, seed=seed, clock=Clock(frozen_at=FROZEN_AT))
    for i, step in enumerate(scenario.expert_path):
        output, _ = run(cluster, step.run, step.node)
        for fragment in step.expect:
            if fragment not in output:
                problems.append(f"expert_path[{i}] `{step.run}` does not show {fragment!r}; "
                                f"it printed:\n{_indent(output)}")
    if not failing_checks(cluster, scenario):
        problems.append("before any fix, every check already passes: the fault is not visible")
    for i, step in enumerate(scenario.fix_path):
        output, code = run(cluster, step.run, step.node)
        if code != 0:
            problems.append(f"fix_path[{i}] `{step.run}` exited {code}:\n{_indent(output)}")
        if step.wait:
            cluster.advance(step.wait)
    cluster.advance(SETTLE_S)
    for failure in failing_checks(cluster, scenario):
        problems.append(f"after the fix path, check fails: {failure}")
    return problems


def check_wrong_fix(scenario: Scenario, wrong: str, seed: int = 0) -> list[str]:
    """The checks still failing after a plausible but wrong fix (empty would be a bad drill)."""
    cluster = provision(scenario, seed=seed, clock=Clock(frozen_at=FROZEN_AT))
    run(cluster, wrong)
    cluster.advance(SETTLE_S)
    return failing_checks(cluster, scenario)


def _indent(text: str) -> str:
    lines = text.rstrip("\n").split("\n")[:15]
    return "\n".join("    | " + ln for ln in lines)


def play(scenario: Scenario, *, seed: int, stdin: TextIO, stdout: TextIO) -> None:
    cluster = provision(scenario, seed=seed)
    term = SimTerminal(cluster, cluster.default_node().name)
    stdout.write(f"{scenario.title}\n\n{scenario.briefing}\n"
                 "(type `exit` or Ctrl-D to leave; `:verify` runs the checks)\n")
    while True:
        stdout.write(term.prompt())
        stdout.flush()
        line = stdin.readline()
        if not line or line.strip() == "exit":
            stdout.write("\n")
            return
        if line.strip() == ":verify":
            failing = failing_checks(cluster, scenario)
            stdout.write("all checks pass\n" if not failing else "\n".join(failing) + "\n")
            continue
        out = term.run(line.rstrip("\n")).output
        stdout.write(out)
