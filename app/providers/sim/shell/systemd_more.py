"""`systemctl cat`, `systemctl show [-p PROP] [--value]` and `list-units --failed|--state=`.

systemd 252 (Debian 12) as on a kind node: `cat` prints `# PATH` before the unit file and
each drop-in, a blank line between files (src/shared/pretty-print.c cat_file/cat_files);
`show` prints `Name=value` lines (src/systemctl/systemctl-show.c).
"""

from __future__ import annotations

from app.providers.sim.shell.registry import Invocation, Output
from app.providers.sim.shell.twin import node_of

UNIT_DIR = "/etc/systemd/system"


def unit_files(inv: Invocation, unit: str) -> list[str]:
    """The unit's fragment and its drop-ins (sorted), as systemd loads them."""
    vfs = inv.session.vfs
    paths = []
    fragment = f"{UNIT_DIR}/{unit}.service"
    if vfs.exists(fragment):
        paths.append(fragment)
    dropins = f"{UNIT_DIR}/{unit}.service.d"
    if vfs.is_dir(dropins):
        paths += [f"{dropins}/{n}" for n in sorted(vfs.listdir(dropins)) if n.endswith(".conf")]
    return paths


def cat(inv: Invocation, units: list[str]) -> Output:
    out, err, code = [], "", 0
    for unit in units:
        paths = unit_files(inv, unit)
        if not paths:
            err += f"No files found for {unit}.service.\n"
            code = 1
            continue
        for path in paths:
            text = inv.session.vfs.read(path).decode(errors="replace")
            out.append(f"# {path}\n{text}" + ("" if text.endswith("\n") or not text else "\n"))
    return Output(stdout="\n".join(out), stderr=err, exit_code=code)


def _properties(inv: Invocation, unit: str) -> dict[str, str]:
    node = node_of(inv)
    svc = node.services.get(unit)
    if svc is None:
        return {"Id": f"{unit}.service", "LoadState": "not-found", "ActiveState": "inactive",
                "SubState": "dead", "UnitFileState": "", "MainPID": "0"}
    from app.providers.sim.shell.systemd import UNITS

    desc, path, _docs = UNITS[unit]
    pid = (node.kubelet_pid if unit == "kubelet" else 105) if svc["active"] else 0
    return {"Id": f"{unit}.service", "Description": desc, "LoadState": "loaded",
            "ActiveState": "active" if svc["active"] else "inactive",
            "SubState": "running" if svc["active"] else "dead",
            "UnitFileState": "enabled" if svc["enabled"] else "disabled",
            "FragmentPath": path, "MainPID": str(pid), "Restart": "always"}


def show(inv: Invocation, args: list[str]) -> Output:
    wanted: list[str] = []
    words: list[str] = []
    skip = False
    for i, a in enumerate(args):
        if skip:
            skip = False
        elif a in ("-p", "--property") and i + 1 < len(args):
            wanted += args[i + 1].split(",")
            skip = True
        elif a.startswith("--property="):
            wanted += a.split("=", 1)[1].split(",")
        elif a.startswith("-p") and len(a) > 2:
            wanted += a[2:].split(",")
        elif not a.startswith("-"):
            words.append(a)
    units = [w.removesuffix(".service") for w in words[1:]]  # words[0] is the verb
    value_only = "--value" in args
    blocks = []
    for unit in units:
        props = _properties(inv, unit)
        keys = wanted or list(props)
        lines = [props[k] if value_only else f"{k}={props[k]}" for k in keys if k in props]
        blocks.append("".join(line + "\n" for line in lines))
    return Output(stdout="\n".join(blocks))


def state_filter(args: list[str]) -> set[str] | None:
    """`--failed` / `--state=a,b`: the ACTIVE or SUB states list-units keeps."""
    states: set[str] = set()
    for i, a in enumerate(args):
        if a == "--failed":
            states.add("failed")
        elif a.startswith("--state="):
            states |= set(a.split("=", 1)[1].split(","))
        elif a == "--state" and i + 1 < len(args):
            states |= set(args[i + 1].split(","))
    return states or None
