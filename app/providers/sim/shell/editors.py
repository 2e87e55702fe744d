"""`vi`, `vim`, `nano`: interactive editors open a pane in the browser terminal (handled by the
terminal WebSocket); anywhere else they say so, like vim does without a terminal."""

from __future__ import annotations

from app.providers.sim.shell.registry import Invocation, Output, command


@command("vi", "vim", "view", "nano", "vim.tiny", "editor")
def editor(inv: Invocation) -> Output:
    name = inv.argv[0]
    return Output(stderr=f"{name}: an interactive editor needs the browser terminal (type "
                         f"`{name} FILE` there); here use sed -i, tee or cat > FILE\n",
                  exit_code=1)
