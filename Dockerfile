# syntax=docker/dockerfile:1
# kubedrill with the tools its kind provider drives (docs/kind.md).
#
#   docker build -t kubedrill .
#   docker compose up -d              # app + PostgreSQL + the host's Docker (docker-compose.yml)
#
# Every downloaded binary is pinned by version AND sha256; a mismatch fails the build.
# Checksums (linux amd64 / arm64) and where they come from:
#   kind    v0.29.0  published as kind-linux-<arch>.sha256sum assets of
#                    https://github.com/kubernetes-sigs/kind/releases/tag/v0.29.0
#   kubectl v1.33.1  published as https://dl.k8s.io/release/v1.33.1/bin/linux/<arch>/kubectl.sha256
#                    (the client of kind v0.29's default node image, kindest/node:v1.33.1)
#   docker  27.5.1   https://download.docker.com/linux/static/stable/<x86_64|aarch64>/
#                    docker-27.5.1.tgz (only its `docker` client is kept); no checksum file
#                    is published beside it, the value is the one pinned for that tarball
#                    by several independent public projects.
# Each value was taken from public files pinning it and cross-checked between at least two
# unrelated projects; docs/kind.md lists them. To bump a version, change it and both checksums.
# Why a static docker client and not Debian's docker.io: bookworm's docker.io is 20.10.24
# (Engine API 1.41) and pulls in a whole engine (containerd, runc, iptables); Docker Engine
# 29 refuses clients older than API 1.44 ("client version 1.41 is too old. Minimum supported
# API version is 1.44"). The 27.5.1 client speaks API 1.47 and negotiates down to older
# engines, so one image works against Docker 20.10 to 29.

ARG PYTHON_IMAGE=python:3.11-slim-bookworm

# ----- browser assets: the npm packages pinned in package-lock.json, into static/vendor -----
FROM node:22-bookworm-slim AS assets
WORKDIR /src
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund --loglevel=error
COPY scripts/vendor-assets.sh scripts/
RUN bash scripts/vendor-assets.sh

# ----- kind, kubectl and the docker client ------------------------------------------------
FROM debian:bookworm-slim AS tools
ARG TARGETARCH
ARG KIND_VERSION=v0.29.0
ARG KIND_SHA256_AMD64=c72eda46430f065fb45c5f70e7c957cc9209402ef309294821978677c8fb3284
ARG KIND_SHA256_ARM64=03d45095dbd9cc1689f179a3e5e5da24b77c2d1b257d7645abf1b4174bebcf2a
ARG KUBECTL_VERSION=v1.33.1
ARG KUBECTL_SHA256_AMD64=5de4e9f2266738fd112b721265a0c1cd7f4e5208b670f811861f699474a100a3
ARG KUBECTL_SHA256_ARM64=d595d1a26b7444e0beb122e25750ee4524e74414bbde070b672b423139295ce6
ARG DOCKER_CLI_VERSION=27.5.1
ARG DOCKER_SHA256_AMD64=4f798b3ee1e0140eab5bf30b0edc4e84f4cdb53255a429dc3bbae9524845d640
ARG DOCKER_SHA256_ARM64=e6b53725a73763ab3f988c73f8772eaed429754c1a579db5ff11f21990fd1817
RUN apt-get update \
 && apt-get install -y --no-install-recommends ca-certificates curl \
 && rm -rf /var/lib/apt/lists/*
SHELL ["/bin/bash", "-euo", "pipefail", "-c"]
RUN arch="${TARGETARCH:-amd64}"; \
    case "$arch" in \
      amd64) kind_sha="$KIND_SHA256_AMD64"; kubectl_sha="$KUBECTL_SHA256_AMD64"; \
             docker_sha="$DOCKER_SHA256_AMD64"; docker_arch=x86_64 ;; \
      arm64) kind_sha="$KIND_SHA256_ARM64"; kubectl_sha="$KUBECTL_SHA256_ARM64"; \
             docker_sha="$DOCKER_SHA256_ARM64"; docker_arch=aarch64 ;; \
      *) echo "no pinned checksums for architecture '$arch' (amd64, arm64)" >&2; exit 1 ;; \
    esac; \
    cd /tmp; \
    curl -fsSLo kind "https://github.com/kubernetes-sigs/kind/releases/download/${KIND_VERSION}/kind-linux-${arch}"; \
    echo "${kind_sha}  kind" | sha256sum -c -; \
    curl -fsSLo kubectl "https://dl.k8s.io/release/${KUBECTL_VERSION}/bin/linux/${arch}/kubectl"; \
    echo "${kubectl_sha}  kubectl" | sha256sum -c -; \
    curl -fsSLo docker.tgz "https://download.docker.com/linux/static/stable/${docker_arch}/docker-${DOCKER_CLI_VERSION}.tgz"; \
    echo "${docker_sha}  docker.tgz" | sha256sum -c -; \
    tar -xzf docker.tgz docker/docker; \
    install -m 0755 kind kubectl docker/docker /usr/local/bin/; \
    rm -rf kind kubectl docker docker.tgz

# ----- the app -----------------------------------------------------------------------------
FROM ${PYTHON_IMAGE}
ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 PIP_DISABLE_PIP_VERSION_CHECK=1
# Not root. Talking to the host's Docker still takes membership of the socket's group, whose
# id differs per host: docker-compose.yml adds it (group_add: DOCKER_GID). Whoever can use
# that socket is root on the host all the same: see "Security" in docs/kind.md.
RUN groupadd --system --gid 10001 kubedrill \
 && useradd --system --uid 10001 --gid kubedrill --create-home --home-dir /home/kubedrill \
      --shell /usr/sbin/nologin kubedrill
WORKDIR /app
COPY pyproject.toml README.md ./
COPY app ./app
RUN pip install .
COPY templates ./templates
COPY static ./static
COPY --from=assets /src/static/vendor ./static/vendor
COPY scenarios ./scenarios
COPY --from=tools /usr/local/bin/kind /usr/local/bin/kubectl /usr/local/bin/docker /usr/local/bin/
# var/ holds the secret key, a SQLite database when no PostgreSQL is set, and kind's
# kubeconfigs (KUBEDRILL_KIND_WORKDIR=var/kind); docker-compose.yml mounts a volume there.
RUN mkdir -p var/kind && chown -R kubedrill:kubedrill var
# The app finds templates/, static/ and scenarios/ beside its package: run it from /app.
ENV PYTHONPATH=/app KUBEDRILL_HOST=0.0.0.0 KUBEDRILL_PORT=8000
USER kubedrill
EXPOSE 8000
HEALTHCHECK --interval=30s --timeout=5s --start-period=30s --retries=3 \
  CMD ["python", "-c", "import sys, urllib.request; r = urllib.request.urlopen('http://127.0.0.1:8000/healthz', timeout=4); sys.exit(r.status != 200)"]
CMD ["kubedrill", "serve", "--host", "0.0.0.0"]
