"""Go's text/tabwriter alignment, which kubectl, crictl and etcdctl all print through."""

from __future__ import annotations


def tabwrite(rows: list[list[str]], minwidth: int = 0, padding: int = 1) -> str:
    """Align cells like tabwriter: every cell but the last of a row is padded to its column width.

    kubectl uses minwidth 6, padding 3 (`printers.GetNewTabWriter`); crictl uses minwidth 20,
    padding 3 (cri-tools `display.go`).
    """
    if not rows:
        return ""
    ncols = max(len(r) for r in rows)
    widths = [0] * ncols
    for row in rows:
        for i, cell in enumerate(row[:-1]):
            widths[i] = max(widths[i], len(cell) + padding, minwidth)
    lines = []
    for row in rows:
        parts = [cell.ljust(widths[i]) for i, cell in enumerate(row[:-1])]
        parts.append(row[-1])
        lines.append("".join(parts))
    return "\n".join(lines) + "\n"


def kubectl_table(rows: list[list[str]]) -> str:
    return tabwrite(rows, minwidth=6, padding=3)


def crictl_table(rows: list[list[str]]) -> str:
    return tabwrite(rows, minwidth=20, padding=3)


def ascii_table(header: list[str], rows: list[list[str]]) -> str:
    """olekukonko/tablewriter as etcdctl `-w table` prints it (centred header, borders)."""
    widths = [len(h) for h in header]
    for row in rows:
        for i, cell in enumerate(row):
            widths[i] = max(widths[i], len(cell))
    sep = "+" + "+".join("-" * (w + 2) for w in widths) + "+"
    out = [sep, "|" + "|".join(" " + h.center(w) + " " for h, w in zip(header, widths, strict=True))
           + "|", sep]
    for row in rows:
        out.append("|" + "|".join(" " + c.rjust(w) + " " for c, w in zip(row, widths, strict=True))
                   + "|")
    out.append(sep)
    return "\n".join(out) + "\n"
