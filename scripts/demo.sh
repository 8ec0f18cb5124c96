#!/usr/bin/env bash
# The demo: install what is missing, build, and run mc-demo, a walk through
# the core ledger (accounts, payments, a refusal at the credit limit, the
# invariants) in ./demo-data. Running it again starts afresh: the previous
# ./demo-data ledger is removed first, and the script says so.
# (Until the node, mcnode, exists, this demonstrates the core library.)
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/.."
jobs=$(nproc 2>/dev/null || echo 2)
data_dir=demo-data

echo "==> checking build dependencies (scripts/setup.sh)"
bash scripts/setup.sh

echo "==> building mc-demo in build/"
# build/ keeps its cached options (test.sh adds -DMC_WERROR=ON); a new one is
# configured with the default build type, RelWithDebInfo (optimised).
cmake -S . -B build >/dev/null
cmake --build build --target mc-demo -j "$jobs" >/dev/null

if [[ -e "$data_dir" ]]; then
    echo "==> ./$data_dir exists from an earlier run: resetting it (its ledger is removed)"
fi

echo "==> running build/demo/mc-demo --reset ./$data_dir"
exec build/demo/mc-demo --reset "$data_dir"
