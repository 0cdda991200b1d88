#!/usr/bin/env bash
# CTest entry for the dashboard's end-to-end test:
#   run.sh <shiplog binary> <build dir>
# Installs playwright-core from the lockfile (npm ci) into <build dir>/e2e-node
# when missing or stale, then runs dashboard.test.mjs. Exits 77 (CTest SKIP)
# only when node/npm or chromium are not installed; scripts/install-deps
# installs them, so CI runs the test for real.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
binary=$1
build=$2
chromium=${SHIPLOG_CHROMIUM:-/usr/bin/chromium}
if ! command -v node >/dev/null || ! command -v npm >/dev/null; then
  echo "SKIP: node/npm not installed (scripts/install-deps installs nodejs and npm)"
  exit 77
fi
if [[ ! -x $chromium ]]; then
  echo "SKIP: $chromium not installed (scripts/install-deps installs chromium)"
  exit 77
fi
# npm and node trust only their bundled CAs; a machine whose egress goes
# through a TLS proxy (or a corporate CA) has it in the system bundle.
if [[ -z ${NODE_EXTRA_CA_CERTS:-} && -r /etc/ssl/certs/ca-certificates.crt ]]; then
  export NODE_EXTRA_CA_CERTS=/etc/ssl/certs/ca-certificates.crt
fi
deps=$build/e2e-node
if [[ ! -f $deps/node_modules/playwright-core/package.json ]] || ! cmp -s "$here/package-lock.json" "$deps/package-lock.json"; then
  rm -rf "$deps"
  mkdir -p "$deps"
  cp "$here/package.json" "$here/package-lock.json" "$deps/"
  (cd "$deps" && npm ci --no-audit --no-fund --loglevel=error)
fi
exec node "$here/dashboard.test.mjs" "$binary" "$build/e2e-artifacts" "$deps/node_modules"
