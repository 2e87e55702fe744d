"""Text tools: each line runs in the twin and in real bash + GNU tools on the same files."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest

from app.providers.sim.shell.session import ShellSession

from .conftest import ETCD, put

LOG = """I1126 00:50:01.000000       1 server.go:123] Starting etcd
E1126 00:50:02.000000       1 server.go:200] failed to listen: address in use
W1126 00:50:03.000000       1 health.go:50] slow disk: took 2.5s
E1126 00:50:04.000000       1 server.go:200] failed to listen: address in use
I1126 00:50:05.000000       1 server.go:300] ready
"""
TABLE = """NAME                          READY   STATUS             RESTARTS   AGE
etcd-kind-control-plane       0/1     CrashLoopBackOff   12         40m
kube-apiserver-kind           1/1     Running            0          2d
coredns-5d78c9869d-abcde      1/1     Running            3          10h
web-7f9c6d8b5-x2x4z           0/1     Pending            0          5m
"""
NUMBERS = "10\n9\n100\n-3\n2.5\n1K\n2M\n1G\nabc\n\n007\n9\n"
FILES = {"etcd.yaml": ETCD, "log.txt": LOG, "pods.txt": TABLE, "nums.txt": NUMBERS,
         "csv.txt": "a,b,c\n1,,3\nx,y\nno delimiter here\n",
         "words.txt": "banana Apple cherry\napple banana\nBanana\napple banana\n\ttabbed line\n",
         "nonl.txt": "first\nlast without newline",
         "utf.txt": "héllo wörld\nnaïve café\n"}

CASES = [
    "grep listen etcd.yaml",
    "grep -n -i LISTEN etcd.yaml",
    "grep -c failed log.txt",
    "grep -v -e Running -e NAME pods.txt",
    "grep -E 'E1126|W1126' log.txt",
    "grep -o 'https://[0-9.]*:[0-9]*' etcd.yaml",
    "grep -w ready log.txt; echo $?",
    "grep -x 'Banana' words.txt",
    "grep -C1 slow log.txt",
    "grep -A1 -n failed log.txt",
    "grep -B2 ready log.txt",
    "grep -l listen etcd.yaml log.txt pods.txt",
    "grep -L listen etcd.yaml log.txt pods.txt",
    "grep -H -m1 failed log.txt",
    "grep -F '2.5s' log.txt",
    "grep 'serv\\(er\\|ice\\)\\.go:[0-9]\\{3\\}' log.txt",
    "grep -E '^[IW][0-9]+' log.txt | cut -c1-20",
    "grep '[[:upper:]][[:digit:]]\\{4\\}' log.txt",
    "grep nomatch log.txt; echo $?",
    "grep x nonexistent; echo $?",
    "grep -r listen . | sort",
    "grep -q failed log.txt && echo found",
    "sed -n '3,5p' etcd.yaml",
    "sed 's/listen/LISTEN/g' etcd.yaml",
    "sed -E 's#(https?)://([0-9.]+)#\\2 via \\1#' etcd.yaml",
    "sed '/^  [a-z]/d' etcd.yaml",
    "sed -n '/containers:/,/image:/p' etcd.yaml",
    "sed '2q' log.txt",
    "sed -n '$p' log.txt",
    "sed 's/a/A/2' words.txt",
    "sed 's/an/AN/gI' words.txt",
    "sed -e 's/^/> /' -e '1d' words.txt",
    "sed '1!G;h;$!d' log.txt",
    "sed ':a;N;$!ba;s/\\n/,/g' words.txt",
    "sed '/ready/a appended line' log.txt",
    "sed '2i inserted' log.txt",
    "sed '3c changed' log.txt",
    "sed -n '/failed/=' log.txt",
    "sed 'y/abc/ABC/' words.txt",
    "sed 's/\\(ban\\)\\(ana\\)/\\2\\1/' words.txt",
    "sed -E 's/(\\w+) (\\w+)/\\U\\2\\E \\u\\1/' words.txt",
    "sed 's/x*/-/g' csv.txt",
    "sed p nonl.txt",
    "sed '$a tail' nonl.txt",
    "sed 's/a/b' etcd.yaml",
    "sed 'k' etcd.yaml",
    "sort words.txt",
    "sort -r words.txt",
    "sort -n nums.txt",
    "sort -rn nums.txt",
    "sort -h nums.txt",
    "sort -u words.txt",
    "sort -f words.txt",
    "sort -k2 pods.txt",
    "sort -k4,4n -k1,1 pods.txt",
    "sort -t, -k2 csv.txt",
    "sort -k2r,2 pods.txt",
    "sort -b -k3 pods.txt",
    "sort words.txt | uniq -c",
    "sort words.txt | uniq -d",
    "sort words.txt | uniq -u",
    "uniq -i words.txt",
    "cut -d, -f2 csv.txt",
    "cut -d, -f1,3 -s csv.txt",
    "cut -c1-4,8- log.txt",
    "cut -d' ' -f1 pods.txt",
    "cut -f2 words.txt",
    "cut -d, --complement -f1 csv.txt",
    "wc etcd.yaml",
    "wc -l log.txt pods.txt",
    "wc -w -c words.txt",
    "wc -l < log.txt",
    "cat log.txt | wc",
    "wc -L pods.txt",
    "wc -m utf.txt",
    "head -3 log.txt",
    "head -n -2 log.txt",
    "head -c 20 log.txt",
    "head -n 2 log.txt pods.txt",
    "tail -2 log.txt",
    "tail -n +4 log.txt",
    "tail -c 10 nonl.txt",
    "tail -n1 log.txt pods.txt",
    "tr a-z A-Z < words.txt",
    "tr -d '[:digit:]' < log.txt",
    "tr -s ' ' < pods.txt",
    "tr -cd '[:alpha:]\\n' < words.txt",
    "tr '[:lower:]' '[:upper:]' < words.txt",
    "tr ',' '\\t' < csv.txt",
    "cat -n words.txt",
    "cat -A words.txt",
    "cat -s -E csv.txt",
    "awk '{print $1}' pods.txt",
    "awk 'NR > 1 && $3 != \"Running\" {print $1, $3}' pods.txt",
    "awk -F, '{print NF, $2}' csv.txt",
    "awk '{n[$3]++} END {print n[\"Running\"], length(n)}' pods.txt",
    "awk '/failed/ {c++} END {print c+0}' log.txt",
    "awk '{s += $4} END {printf \"%d restarts, avg %.2f\\n\", s, s/NR}' pods.txt",
    "awk 'BEGIN {OFS=\"|\"} {$1=$1; print}' pods.txt",
    "awk '{print length($0), toupper(substr($1, 1, 4))}' words.txt",
    "awk -v x=5 'BEGIN {print x * 2, x \"\" 1}'",
    "awk '{gsub(/an/, \"AN\"); print}' words.txt",
    "awk '{print $NF}' log.txt",
    "awk 'NR==2, NR==3' log.txt",
    "awk '{sub(/:.*/, \"\", $3); print $3}' log.txt",
    "awk 'BEGIN {n = split(\"a:b:c\", p, \":\"); print n, p[3]; print index(\"hello\", \"ll\")}'",
    "awk '{ if ($1 ~ /^E/) print \"error\"; else print \"other\" }' log.txt",
    "awk 'BEGIN { for (i = 0; i < 3; i++) printf \"%s-\", i; print \"\" }'",
    "awk '{ $2 = \"\"; print }' csv.txt",
    "awk 'BEGIN { print 1/3, 100000000, 2^31, 0.1 + 0.2, -7 % 3 }'",
    "awk 'BEGIN { printf \"%5s|%-5s|%05.1f|%x|%c\\n\", \"ab\", \"cd\", 3.14159, 255, 65 }'",
    "awk '{ print NR \": \" $0 }' nonl.txt",
    "awk 'END { print NR }' log.txt",
    "awk '{print length()}' utf.txt",
    "diff log.txt log.txt; echo $?",
    "diff words.txt csv.txt; echo $?",
    "diff nonl.txt words.txt",
    "printf '%s=%d\\n' a 1 b 2",
    "printf '%5.2f|%-4s|%04d|%o|%X\\n' 3.14159 ab 42 8 255",
    "echo -e 'a\\tb\\nc'; echo -n x; echo",
    "base64 < log.txt | head -2",
    "base64 -w0 < csv.txt; echo",
    "base64 < csv.txt | base64 -d",
    "seq 5 | tac | rev",
    "seq -w 8 11",
    "seq -s, 1 2 9",
    "echo 'b a' | xargs -n1 echo x",
    "md5sum log.txt",
]


def _real(tmp_path: Path, line: str) -> subprocess.CompletedProcess[str]:
    env = {"PATH": os.environ["PATH"], "LC_ALL": "C", "TZ": "UTC", "HOME": str(tmp_path)}
    return subprocess.run(["bash", "-c", line], cwd=tmp_path, env=env, capture_output=True,
                          text=True, timeout=10)


@pytest.mark.parametrize("line", CASES)
def test_matches_real_tools(tmp_path: Path, session: ShellSession, line: str) -> None:
    if line.split()[0] == "awk" and not (shutil.which("awk") and
                                         "mawk" in os.path.realpath(shutil.which("awk") or "")):
        pytest.skip("the twin imitates mawk; this host's awk is another one")
    for name, content in FILES.items():
        (tmp_path / name).write_text(content)
    put(session, FILES)
    expected = _real(tmp_path, line)
    got = session.run(line)
    assert got.stdout == expected.stdout
    assert got.stderr == expected.stderr.replace("bash: line 1: ", "bash: ")
    assert got.exit_code == expected.returncode


def test_grep_binary_and_directory(session: ShellSession) -> None:
    session.vfs.write("/tmp/bin", b"ab\0cd\nxx\n")
    result = session.run("grep ab /tmp/bin")
    assert (result.stdout, result.stderr, result.exit_code) == (
        "", "grep: /tmp/bin: binary file matches\n", 0)
    result = session.run("grep x /tmp")
    assert (result.stderr, result.exit_code) == ("grep: /tmp: Is a directory\n", 2)


def test_grep_regex_errors(session: ShellSession) -> None:
    assert session.run("grep -E '(' /etc/hosts").stderr == "grep: Unmatched ( or \\(\n"
    assert session.run("grep '[[:foo:]]' /etc/hosts").stderr == \
        "grep: Invalid character class name\n"


def test_catastrophic_regex_finishes(session: ShellSession) -> None:
    import time
    session.vfs.write("/tmp/a", b"a" * 40 + b"!\n")
    started = time.monotonic()
    session.run("grep -E '(a+)+$' /tmp/a; grep -E '(a|aa)*b' /tmp/a; sed -E 's/(a*)*b/x/' /tmp/a")
    assert time.monotonic() - started < 2


def test_sed_and_awk_loops_are_bounded(session: ShellSession) -> None:
    result = session.run("echo x | sed ':a;s/x/xx/;ba'")
    assert result.exit_code == 4 and "couldn't re-allocate memory" in result.stderr
    result = session.run("awk 'BEGIN { while (1) x++ }'")
    assert result.exit_code == 2
    result = session.run("awk 'BEGIN { x = \"a\"; while (1) x = x x }'")
    assert result.exit_code == 2


def test_date(session: ShellSession) -> None:
    assert session.run("date").stdout == "Wed Nov 26 00:51:09 UTC 2025\n"
    assert session.run("date -u +%Y-%m-%dT%H:%M:%SZ").stdout == "2025-11-26T00:51:09Z\n"
    assert session.run("date -d @0 +%s").stdout == "0\n"
    assert session.run("date -d '1 hour ago' '+%H:%M'").stdout == "23:51\n"
    assert session.run("date -R").stdout == "Wed, 26 Nov 2025 00:51:09 +0000\n"
    assert session.run("date -d bogus").stderr == "date: invalid date 'bogus'\n"


PODS_JSON = (
    '{"apiVersion":"v1","items":[{"metadata":{"name":"etcd-kind","namespace":"kube-system",'
    '"labels":{"tier":"control-plane"}},"status":{"phase":"Running","containerStatuses":'
    '[{"name":"etcd","ready":false,"restartCount":12}]}},{"metadata":{"name":"web-1",'
    '"namespace":"shop"},"status":{"phase":"Pending","containerStatuses":[{"name":"web",'
    '"ready":true,"restartCount":0}]}}],"data":{"token":"aGVsbG8="}}\n')
JQ_CASES = [
    ".", ".items[0].metadata.name", ".items[].metadata.name", "-r .items[].metadata.name",
    "-c '.items[] | {name: .metadata.name, phase: .status.phase}'", "'.items | length'",
    "'.items[] | select(.status.phase != \"Running\") | .metadata.name'",
    "-r '.data.token | @base64d'", "'[.items[].status.containerStatuses[].restartCount] | add'",
    "'.items | map(.metadata.namespace) | unique'", "keys", "'.items[0].metadata | to_entries'",
    "-r '.items[] | \"\\(.metadata.name)\\t\\(.status.phase)\"'",
    "'.items[1].metadata.labels.tier // \"none\"'", ".foo.bar", ".items.name",
    "-r '.items[] | [.metadata.name, .status.phase] | @tsv'",
    "'.items | sort_by(.metadata.name) | .[0].metadata.name'", "'del(.items) | keys'",
    "'.items[0].status.phase |= ascii_downcase | .items[0].status.phase'",
    "'reduce .items[] as $i (0; . + 1)'", "-S .data", "-e .nothing",
    "'.items | group_by(.status.phase) | map(length)'", "'1 / 3, 10 / 2, 2.5 * 2, -1'",
    "'.items[0].metadata.name | split(\"-\")'", "'if .items then \"yes\" else \"no\" end'",
]


@pytest.mark.parametrize("args", JQ_CASES)
def test_jq_matches_jq_1_6(tmp_path: Path, session: ShellSession, args: str) -> None:
    if shutil.which("jq") is None:
        pytest.skip("jq not installed on this host")
    (tmp_path / "pods.json").write_text(PODS_JSON)
    put(session, {"pods.json": PODS_JSON})
    expected = _real(tmp_path, f"jq {args} pods.json")
    got = session.run(f"jq {args} pods.json")
    assert (got.stdout, got.stderr, got.exit_code) == (
        expected.stdout, expected.stderr.replace("pods.json", "pods.json"), expected.returncode)
