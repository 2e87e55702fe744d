"""Go's text/tabwriter with column blocks, as `kubectl describe` prints through it.

`tables.tabwrite` pads whole tables; describe output is free text in which consecutive lines
sharing a tab-terminated cell form a column block (Go's `Writer.format`), so `Name:` and
`Namespace:` align with each other but not with lines after a line without a tab.
describe.go uses `tabwriter.NewWriter(out, 0, 8, 2, ' ', 0)`: minwidth 0, padding 2.
"""

from __future__ import annotations


def tabwriter(text: str, minwidth: int = 0, padding: int = 2) -> str:
    lines = [line.split("\t") for line in text.split("\n")]
    out: list[str] = []
    widths: list[int] = []

    def write_lines(line0: int, line1: int) -> None:
        for i in range(line0, line1):
            cells = lines[i]
            parts = []
            for j, cell in enumerate(cells):
                if j < len(cells) - 1 and j < len(widths):
                    parts.append(cell.ljust(widths[j]))
                else:
                    parts.append(cell)
            out.append("".join(parts))

    def fmt(line0: int, line1: int) -> None:
        column = len(widths)
        this = line0
        while this < line1:
            if column >= len(lines[this]) - 1:
                this += 1
                continue
            write_lines(line0, this)
            line0 = this
            width = minwidth
            while this < line1 and column < len(lines[this]) - 1:
                width = max(width, len(lines[this][column]) + padding)
                this += 1
            widths.append(width)
            fmt(line0, this)
            widths.pop()
            line0 = this
        write_lines(line0, line1)

    fmt(0, len(lines))
    return "\n".join(out)
