"""Shared helpers for command families that talk to the twin rather than to files."""

from __future__ import annotations

from typing import TYPE_CHECKING

from app.providers.sim.shell.registry import Invocation

if TYPE_CHECKING:
    from app.providers.sim.cluster import SimCluster, SimNode


def cluster_of(inv: Invocation) -> SimCluster:
    return inv.session.host.cluster  # type: ignore[attr-defined]


def node_of(inv: Invocation) -> SimNode:
    return cluster_of(inv).node(inv.session.node)


def split_flags(args: list[str], with_value: set[str]) -> tuple[dict[str, str], list[str]]:
    """Split `-n x`, `--namespace=x`, `-A` style flags from positional args (kubectl-like).

    Flags named in `with_value` take a value (inline after `=` or as the next word); others are
    booleans set to "true". Short flags are returned by their key as written, without dashes.
    """
    flags: dict[str, str] = {}
    pos: list[str] = []
    i = 0
    while i < len(args):
        a = args[i]
        if a == "--":
            pos.extend(args[i + 1:])
            break
        if a.startswith("-") and len(a) > 1:
            name, eq, value = a.lstrip("-").partition("=")
            if name in with_value:
                if not eq:
                    if i + 1 < len(args):
                        value = args[i + 1]
                        i += 1
                    else:
                        value = ""
                        flags[f"!{name}"] = "missing"
                flags[name] = value
            elif not a.startswith("--") and len(name) > 1 and not eq and \
                    all(ch not in with_value for ch in name):
                for ch in name:  # combined short flags: -aq
                    flags[ch] = "true"
            else:
                flags[name] = value if eq else "true"
        else:
            pos.append(a)
        i += 1
    return flags, pos


def expand_short_flags(args: list[str], with_value: str) -> list[str]:
    """Unbundle single-dash clusters as getopt and pflag do, before `split_flags` sees them.

    `-xeu kubelet` is `-x -e -u kubelet`; `-owide` is `-o wide`; `-n20` is `-n 20`: the first
    letter of `with_value` met in a cluster takes the rest of the word (or the next word) as
    its value. Words after `--` and long flags are left alone.
    """
    out: list[str] = []
    for i, a in enumerate(args):
        if a == "--":
            return out + args[i:]
        if not a.startswith("-") or a.startswith("--") or len(a) < 3 or not a[1].isalpha():
            out.append(a)
            continue
        for j, ch in enumerate(a[1:], start=1):
            if ch in with_value:
                out.append(f"-{ch}")
                if j + 1 < len(a):
                    out.append(a[j + 1:].removeprefix("="))
                break
            out.append(f"-{ch}")
    return out
