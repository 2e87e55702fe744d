"""docker-compose.yml and Dockerfile, checked without Docker (there is none here).

`docker compose config` validates a file against the Compose Specification's JSON schema
(compose-spec/compose-spec, schema/compose-spec.json) after interpolating `${VAR}`s. These
tests do the same: the schema is the copy the `check-jsonschema` package ships (its
`vendor.compose-spec` builtin, fetched from that repository at its release), validated with
`jsonschema`, before and after interpolation. Then the wiring the kind provider needs.
"""

from __future__ import annotations

import json
import re
from importlib import resources
from pathlib import Path

import jsonschema
import pytest
import yaml

ROOT = Path(__file__).resolve().parent.parent
COMPOSE = ROOT / "docker-compose.yml"
DOCKERFILE = ROOT / "Dockerfile"
SHA256 = re.compile(r"^[0-9a-f]{64}$")


def compose_schema() -> dict:
    vendor = resources.files("check_jsonschema.builtin_schemas.vendor")
    return json.loads((vendor / "compose-spec.json").read_text(encoding="utf-8"))


_VAR = re.compile(r"\$(?:(\$)|\{([A-Za-z_][A-Za-z0-9_]*)(?:(:?[-?])([^}]*))?\})")


def interpolate(value: object, env: dict[str, str]) -> object:
    """Compose's interpolation: ${V}, ${V:-default}, ${V-default}, ${V:?err}, ${V?err}, $$."""
    if isinstance(value, dict):
        return {k: interpolate(v, env) for k, v in value.items()}
    if isinstance(value, list):
        return [interpolate(v, env) for v in value]
    if not isinstance(value, str):
        return value

    def sub(m: re.Match) -> str:
        if m.group(1):
            return "$"
        name, op, arg = m.group(2), m.group(3), m.group(4) or ""
        unset = name not in env
        empty = unset or env[name] == ""
        if op in (":-", "-") and (empty if op == ":-" else unset):
            return arg
        if op in (":?", "?") and (empty if op == ":?" else unset):
            raise ValueError(f"required variable {name} is missing a value: {arg}")
        return env.get(name, "")

    return _VAR.sub(sub, value)


@pytest.fixture(scope="module")
def compose() -> dict:
    return yaml.safe_load(COMPOSE.read_text())


@pytest.fixture(scope="module")
def dockerfile() -> str:
    return DOCKERFILE.read_text()


# ----- the compose file ---------------------------------------------------------------------


def test_the_schema_is_the_compose_specification() -> None:
    schema = compose_schema()
    assert schema["title"] == "Compose Specification"
    jsonschema.validators.validator_for(schema).check_schema(schema)


def test_the_schema_rejects_what_docker_compose_config_rejects(compose: dict) -> None:
    # A typo in a key and a wrong depends_on condition: the schema must catch both, or the
    # validation below proves nothing.
    schema = compose_schema()
    bad = json.loads(json.dumps(compose))
    bad["services"]["app"]["depends_on"]["db"]["condition"] = "service_ready"
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate(bad, schema)
    bad = json.loads(json.dumps(compose))
    bad["services"]["app"]["volume"] = bad["services"]["app"].pop("volumes")
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate(bad, schema)


@pytest.mark.parametrize("env", [{}, {"DOCKER_GID": "998", "POSTGRES_PASSWORD": "s3cret",
                                      "KUBEDRILL_KIND_MAX_CLUSTERS": "8",
                                      "KUBEDRILL_PUBLISH": "0.0.0.0:80"}],
                         ids=["defaults", "overridden"])
def test_the_compose_file_is_valid_against_the_specification(compose: dict,
                                                             env: dict[str, str]) -> None:
    schema = compose_schema()
    jsonschema.validate(compose, schema)
    jsonschema.validate(interpolate(compose, env), schema)   # needs no variable to be set


def test_the_app_runs_the_kind_provider_on_postgresql(compose: dict) -> None:
    app = interpolate(compose["services"]["app"], {})
    env = app["environment"]
    assert env["KUBEDRILL_PROVIDER"] == "kind"
    assert env["KUBEDRILL_DATABASE_URL"] == (
        "postgresql+psycopg://kubedrill:kubedrill@db:5432/kubedrill")
    assert env["KUBEDRILL_KIND_INTERNAL_KUBECONFIG"] == "true"
    assert app["depends_on"] == {"db": {"condition": "service_healthy"}}


def test_the_database_is_postgres_16_with_a_volume_and_a_healthcheck(compose: dict) -> None:
    db = compose["services"]["db"]
    assert db["image"] == "postgres:16"
    assert any(v.endswith(":/var/lib/postgresql/data") for v in db["volumes"])
    assert "pg_isready" in " ".join(db["healthcheck"]["test"])
    user, name = db["environment"]["POSTGRES_USER"], db["environment"]["POSTGRES_DB"]
    url = compose["services"]["app"]["environment"]["KUBEDRILL_DATABASE_URL"]
    assert f"//{user}:" in url and url.endswith(f"@db:5432/{name}")


def test_the_app_reaches_docker_and_the_kind_network(compose: dict) -> None:
    app = interpolate(compose["services"]["app"], {})
    assert "/var/run/docker.sock:/var/run/docker.sock" in app["volumes"]
    assert app["group_add"] == ["999"]          # the socket's group; DOCKER_GID overrides it
    assert "kind" in app["networks"] and "default" in app["networks"]
    assert compose["networks"]["kind"] == {"external": True}


def test_the_app_keeps_var_in_a_volume_where_the_image_writes_it(compose: dict,
                                                                 dockerfile: str) -> None:
    assert "WORKDIR /app" in dockerfile and "mkdir -p var/kind" in dockerfile
    assert "app-var:/app/var" in compose["services"]["app"]["volumes"]
    assert "app-var" in compose["volumes"]


def test_the_sim_profile_runs_without_docker_or_postgresql(compose: dict) -> None:
    sim = compose["services"]["sim"]
    assert sim["profiles"] == ["sim"]
    assert sim["environment"]["KUBEDRILL_PROVIDER"] == "sim"
    assert not any("docker.sock" in v for v in sim.get("volumes", []))
    assert "depends_on" not in sim and "KUBEDRILL_DATABASE_URL" not in sim["environment"]
    assert "kind" not in sim.get("networks", [])


def test_published_ports_reach_the_port_the_image_serves_on(compose: dict,
                                                            dockerfile: str) -> None:
    assert "KUBEDRILL_PORT=8000" in dockerfile and "EXPOSE 8000" in dockerfile
    for name in ("app", "sim"):
        ports = interpolate(compose["services"][name]["ports"], {})
        assert len(ports) == 1 and ports[0].startswith("127.0.0.1:")   # loopback by default
        assert ports[0].endswith(":8000")


# ----- the Dockerfile -----------------------------------------------------------------------


def args(dockerfile: str) -> dict[str, str]:
    return dict(re.findall(r"^ARG (\w+)=(\S+)$", dockerfile, flags=re.M))


def test_the_image_is_python_3_11_slim_bookworm(dockerfile: str) -> None:
    assert args(dockerfile)["PYTHON_IMAGE"] == "python:3.11-slim-bookworm"
    assert re.findall(r"^FROM (\S+)\s*$", dockerfile, flags=re.M)[-1] == "${PYTHON_IMAGE}"


def test_tools_are_pinned_versions(dockerfile: str) -> None:
    a = args(dockerfile)
    assert a["KIND_VERSION"] == "v0.29.0"
    assert re.fullmatch(r"v1\.33\.\d+", a["KUBECTL_VERSION"])
    assert re.fullmatch(r"\d+\.\d+\.\d+", a["DOCKER_CLI_VERSION"])
    assert int(a["DOCKER_CLI_VERSION"].split(".")[0]) >= 25   # Engine API >= 1.44 (Docker 29)


@pytest.mark.parametrize("tool", ["KIND", "KUBECTL", "DOCKER"])
def test_every_download_has_a_sha256_per_architecture(dockerfile: str, tool: str) -> None:
    a = args(dockerfile)
    amd64, arm64 = a[f"{tool}_SHA256_AMD64"], a[f"{tool}_SHA256_ARM64"]
    assert SHA256.match(amd64) and SHA256.match(arm64) and amd64 != arm64


def test_every_download_is_verified_before_it_is_installed(dockerfile: str) -> None:
    run = dockerfile[dockerfile.index("AS tools"):dockerfile.index("# ----- the app")]
    downloads = re.findall(r'curl -fsSLo (\S+) "([^"]+)"', run)
    assert {name for name, _ in downloads} == {"kind", "kubectl", "docker.tgz"}
    for name, url in downloads:
        assert url.startswith("https://") and "_VERSION}" in url
        check = re.search(rf'echo "\$\{{(\w+)\}}  {re.escape(name)}" \| sha256sum -c -', run)
        assert check, f"{name} is not checked with sha256sum"
        assert run.index(check.group(0)) > run.index(url) and \
            run.index(check.group(0)) < run.index("install -m 0755")
    assert "exit 1" in run                      # an unknown architecture stops the build
    assert "set -o pipefail" in run or '"-euo", "pipefail"' in run


def test_the_app_runs_unprivileged_and_reports_its_health(dockerfile: str) -> None:
    users = re.findall(r"^USER (\S+)$", dockerfile, flags=re.M)
    assert users and users[-1] not in ("root", "0")
    assert re.search(r"^RUN pip install \.$", dockerfile, flags=re.M)
    health = re.search(r"^HEALTHCHECK .*\n(?:.*\\\n)*.*$", dockerfile, flags=re.M)
    assert health and "/healthz" in dockerfile[health.start():dockerfile.index("CMD [\"kubedrill")]
    assert 'CMD ["kubedrill", "serve", "--host", "0.0.0.0"]' in dockerfile


def test_the_image_ships_the_vendored_browser_assets(dockerfile: str) -> None:
    assert "npm ci" in dockerfile and "scripts/vendor-assets.sh" in dockerfile
    assert "COPY --from=assets /src/static/vendor ./static/vendor" in dockerfile


def test_dockerignore_keeps_local_state_out_of_the_image() -> None:
    ignored = (ROOT / ".dockerignore").read_text().split()
    for path in (".git", ".venv", "node_modules", "var", "static/vendor"):
        assert path in ignored
