"""Go tabwriter column blocks, as kubectl describe relies on them."""

from __future__ import annotations

from app.providers.sim.shell.gotabwriter import tabwriter


def test_lines_without_a_tab_end_a_column_block() -> None:
    text = "Name:\tweb\nNamespace:\tdefault\nContainers:\n  web:\n    Image:\tx\n    Ready:\tTrue\n"
    assert tabwriter(text) == ("Name:       web\nNamespace:  default\nContainers:\n  web:\n"
                               "    Image:  x\n    Ready:  True\n")


def test_continuation_lines_align_under_the_value() -> None:
    assert tabwriter("Labels:\ta=b\n\tc=d\n") == "Labels:  a=b\n         c=d\n"
