"""Settings from the environment (prefix KUBEDRILL_), with embedded defaults that just work."""

from __future__ import annotations

import secrets
from functools import lru_cache
from pathlib import Path
from typing import Literal

from pydantic import Field, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

VAR_DIR = Path("var")


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="KUBEDRILL_", extra="ignore")

    host: str = "127.0.0.1"
    port: int = 8000
    database_url: str = f"sqlite:///{VAR_DIR / 'kubedrill.db'}"
    provider: Literal["sim", "kind"] = "sim"
    scenarios_dir: Path = Path("scenarios")
    secret_key: str = ""
    # How long before the attempt the fault "happened": the trainee arrives mid-incident.
    incident_age_s: float = 240.0
    sweep_interval_s: float = 5.0
    max_command_length: int = 4096
    lockout_after_wrong: int = 3
    lockout_s: float = 60.0
    live_clusters_cached: int = Field(default=500, ge=1)
    log_format: Literal["json", "text"] = "json"
    # Limits (app/web/limits.py), per server process; 0 turns a rate limit off.
    max_body_bytes: int = Field(default=64 * 1024, ge=1024)
    commands_per_s: float = Field(default=10.0, ge=0)
    commands_burst: int = Field(default=20, ge=1)
    answers_per_min: int = Field(default=10, ge=0)
    attempts_per_ip_per_min: int = Field(default=120, ge=0)
    # kind's raw terminal: keystroke bytes per second per connection (pastes are bursts up to
    # 64 KiB, the largest frame); 0 turns it off. Lines (Enter) count as commands too.
    terminal_input_bytes_per_s: int = Field(default=4096, ge=0)
    # The kind provider (docs/kind.md).
    kind_bin: str = "kind"
    docker_bin: str = "docker"
    kubectl_bin: str = "kubectl"
    kind_max_clusters: int = Field(default=4, ge=1)
    kind_warm_pool: int = Field(default=0, ge=0)
    kind_internal_kubeconfig: bool = False  # the app runs in a container on the kind network
    kind_workdir: Path = VAR_DIR / "kind"
    kind_create_timeout_s: float = Field(default=600.0, gt=0)
    # Requests in progress at once (app/web/saturation.py); past it: 503 + Retry-After. 0: off.
    max_concurrent_requests: int = Field(default=100, ge=0)

    @field_validator("secret_key")
    @classmethod
    def _persisted_secret(cls, value: str) -> str:
        # Generated once and kept under var/ so sessions survive restarts without set-up.
        if value:
            return value
        path = VAR_DIR / "secret_key"
        if path.exists():
            return path.read_text().strip()
        VAR_DIR.mkdir(parents=True, exist_ok=True)
        key = secrets.token_urlsafe(32)
        path.write_text(key)
        path.chmod(0o600)
        return key


@lru_cache
def get_settings() -> Settings:
    return Settings()
