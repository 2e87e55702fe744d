"""Checks on the browser assets that need no browser: pins, vendoring, syntax, no CDNs."""

import json
import re
import shutil
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
STATIC = ROOT / "static"
OUR_JS = [STATIC / "js" / "terminal.js", STATIC / "js" / "countdown.js"]
VENDOR_FILES = ["htmx.min.js", "htmx-ext-sse.js", "xterm.js", "xterm.css", "addon-fit.js"]
TEMPLATE_CLASSES = [
    "site-header",
    "brand",
    "container",
    "card",
    "card-grid",
    "badge",
    "tag",
    "difficulty",
    "muted",
    "briefing",
    "button",
    "button-primary",
    "button-danger",
    "play-grid",
    "sidebar",
    "terminal",
    "countdown",
    "warning",
    "hint-list",
    "flash",
    "flash-error",
    "flash-ok",
    "verdict",
    "verdict-correct",
    "verdict-wrong",
    "score-table",
    "timeline",
    "highlight",
    "two-col",
    "error-page",
]


def _package() -> dict:
    return json.loads((ROOT / "package.json").read_text())


def test_npm_dependencies_are_exact_pins_on_the_expected_majors():
    deps = _package()["dependencies"]
    assert set(deps) == {"htmx.org", "htmx-ext-sse", "@xterm/xterm", "@xterm/addon-fit"}
    for name, version in deps.items():
        assert re.fullmatch(r"\d+\.\d+\.\d+", version), f"{name} is not pinned exactly: {version}"
    assert deps["htmx.org"].startswith("2.0."), "htmx 2.0.x only: the extensions target htmx 2"
    assert deps["htmx-ext-sse"].startswith("2.")


def test_lockfile_agrees_with_package_json():
    lock = json.loads((ROOT / "package-lock.json").read_text())
    packages = lock["packages"]
    assert packages[""]["dependencies"] == _package()["dependencies"]
    for name, version in _package()["dependencies"].items():
        assert packages[f"node_modules/{name}"]["version"] == version


def test_vendor_script_is_strict_and_copies_every_vendored_file():
    script = (ROOT / "scripts" / "vendor-assets.sh").read_text()
    assert "set -euo pipefail" in script
    for name in VENDOR_FILES:
        assert f'"{name}|' in script, f"vendor-assets.sh does not produce static/vendor/{name}"


@pytest.mark.parametrize("path", OUR_JS, ids=lambda p: p.name)
def test_our_javascript_loads_nothing_from_another_host(path):
    source = path.read_text()
    assert not re.search(r"https?://", source), f"{path.name} names a remote URL"
    assert "import " not in source, f"{path.name} must stay a plain script (no build step)"


@pytest.mark.skipif(shutil.which("node") is None, reason="node is not installed")
@pytest.mark.parametrize("path", OUR_JS, ids=lambda p: p.name)
def test_our_javascript_parses(path):
    result = subprocess.run(
        ["node", "--check", str(path)], capture_output=True, text=True, timeout=60
    )
    assert result.returncode == 0, result.stderr


def test_stylesheet_styles_every_class_the_templates_use():
    css = (STATIC / "css" / "app.css").read_text()
    missing = [c for c in TEMPLATE_CLASSES if not re.search(rf"\.{re.escape(c)}(?![\w-])", css)]
    assert not missing, f"app.css has no rule for: {missing}"
    for level in "12345":
        assert f'.difficulty[data-level="{level}"]' in css


def test_stylesheet_has_balanced_braces_and_no_remote_imports():
    css = (STATIC / "css" / "app.css").read_text()
    without_comments = re.sub(r"/\*.*?\*/", "", css, flags=re.S)
    assert without_comments.count("{") == without_comments.count("}")
    assert not re.search(r"@import|url\(\s*['\"]?https?:", without_comments)


@pytest.mark.skipif(not (ROOT / "node_modules").is_dir(), reason="npm ci has not run")
def test_vendor_script_fills_static_vendor_from_node_modules(tmp_path):
    (tmp_path / "package.json").write_text((ROOT / "package.json").read_text())
    (tmp_path / "node_modules").symlink_to(ROOT / "node_modules")
    script = ROOT / "scripts" / "vendor-assets.sh"
    for _ in range(2):  # idempotent: a second run succeeds and changes nothing
        subprocess.run(["bash", str(script)], cwd=tmp_path, check=True, capture_output=True)
    vendor = tmp_path / "static" / "vendor"
    for name in VENDOR_FILES:
        assert (vendor / name).stat().st_size > 0
    # UMD builds, usable from a plain <script> tag.
    assert "FitAddon" in (vendor / "addon-fit.js").read_text()
    assert "define.amd" in (vendor / "xterm.js").read_text()
