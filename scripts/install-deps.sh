#!/usr/bin/env bash
# Installs the system packages the demo and the tests need on a fresh Debian machine.
# Idempotent: packages already present are left alone. Needs root (or sudo).
set -euo pipefail

# python3-aiosmtpd, prometheus (promtool) and prometheus-pushgateway: the real SMTP server and
# Prometheus tools the notification and metrics tests talk to (tests/cli_notify.rs,
# tests/cli_metrics.rs).
packages=(golang-go golang-github-vmware-govmomi-dev openssl ca-certificates pkg-config g++
          python3 python3-venv python3-pip mono-mcs mono-runtime
          python3-aiosmtpd prometheus prometheus-pushgateway)

missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
if ((${#missing[@]})); then
  echo "installing: ${missing[*]}"
  sudo_cmd=""
  [ "$(id -u)" -eq 0 ] || sudo_cmd="sudo"
  $sudo_cmd apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo_cmd apt-get install -y -qq "${missing[@]}" >/dev/null
fi
command -v cargo >/dev/null || { echo "error: cargo not found; install Rust (https://rustup.rs) first" >&2; exit 1; }
# clippy for the lint step of scripts/test.sh (rustup installs; other Rust setups ship it).
cargo clippy --version >/dev/null 2>&1 || rustup component add clippy
