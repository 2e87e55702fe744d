"""$0 as bash and dash set it: the invoked name for `sh -c`/`bash -c`, -c's first operand
when given (then $1...), the script path for `bash script`, `bash` at the prompt."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from app.providers.sim.shell.registry import Output


@pytest.mark.parametrize(("line", "expected"), [
    ("echo $0", "bash\n"),
    ("sh -c 'echo $0'", "sh\n"),
    ("bash -c 'echo $0'", "bash\n"),
    ("bash -c 'echo $0 $1 $#' a b", "a b 1\n"),
    ("sh -c 'echo \"$0:$@\"' name x y", "name:x y\n"),
    ("echo 'echo $0' | sh", "sh\n"),
    ("bash -c 'bash -c \"echo \\$0\" inner; echo $0' outer", "inner\nouter\n"),
    ("bash -c 'echo $0'; echo $0", "bash\nbash\n"),
])
def test_dollar_zero(sh: Callable[[str], Output], line: str, expected: str) -> None:
    assert sh(line).stdout == expected


def test_a_script_sees_its_path(sh: Callable[[str], Output]) -> None:
    sh("printf 'echo $0 $1\\n' > /tmp/s.sh")
    assert sh("bash /tmp/s.sh x").stdout == "/tmp/s.sh x\n"


def test_an_executable_script_run_by_path_sees_that_path(sh: Callable[[str], Output]) -> None:
    sh("printf '#!/bin/bash\\necho $0 $1\\n' > /tmp/t.sh && chmod +x /tmp/t.sh")
    assert sh("cd /tmp && ./t.sh a; /tmp/t.sh b").stdout == "./t.sh a\n/tmp/t.sh b\n"
