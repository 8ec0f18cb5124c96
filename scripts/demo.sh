#!/usr/bin/env bash
# The README's main command: install what is missing, build, and start a real
# node with a demo community in ./demo-data, then keep it in the foreground.
#
#   bash scripts/demo.sh           reuse ./demo-data when it holds the demo, or
#                                  create it
#   bash scripts/demo.sh --reset   remove ./demo-data and start afresh
#
# A new community: a steward, three members (alice, bob, carol), a business
# (bakery) and a commons (garden) kept by alice and carol, both of whom must
# sign; then a payment, a payment request accepted, a cheque redeemed
# (twice: paid once), a payment refused at the credit limit, the bakery's
# reciprocity to the garden, work recorded by bob and carol, approved by
# the keepers, and a round paying 40% of the garden's balance to them; the
# balances; and commands to try the wallet against the running node.
# Ctrl-C stops it.
# The demo's keys are not encrypted (--no-passphrase) so that it runs
# unattended; a real wallet asks for a passphrase.
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/.."
root=$(pwd)
jobs=$(nproc 2>/dev/null || echo 2)
data=demo-data
reset=false
case "${1:-}" in
--reset) reset=true ;;
"") ;;
-h | --help)
    sed -n '2,16p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//'
    exit 0
    ;;
*)
    echo "usage: bash scripts/demo.sh [--reset]" >&2
    exit 2
    ;;
esac

echo "==> checking build dependencies (scripts/setup.sh)"
bash scripts/setup.sh

echo "==> building mcnode and mcwallet in build/"
cmake -S . -B build >/dev/null
cmake --build build --target mcnode mcwallet -j "$jobs" >/dev/null
node_bin=$root/build/node/mcnode
wallet_bin=$root/build/wallet-cli/mcwallet

wallet() { # wallet NAME ARGS...: mcwallet as NAME, with the demo's wallets
    local who=$1
    shift
    "$wallet_bin" --wallet "$data/wallets/$who" "$@"
}

say() { printf '\n--- %s\n' "$*"; }

if [[ -e "$data" ]] && $reset; then
    echo "==> --reset: removing the demo community in ./$data"
    rm -rf "$data"
fi
if [[ -e "$data" && ! -f "$data/node/data.mdb" ]]; then
    echo "./$data exists but holds no demo ledger: move it away, or run with --reset" >&2
    exit 1
fi
fresh=true
if [[ -f "$data/node/data.mdb" ]]; then
    fresh=false
    echo "==> reusing the demo community in ./$data (bash scripts/demo.sh --reset starts afresh)"
fi

node_pid=
stop_node() {
    if [[ -n "$node_pid" ]] && kill -0 "$node_pid" 2>/dev/null; then
        kill -TERM "$node_pid" 2>/dev/null || true
        wait "$node_pid" 2>/dev/null || true
    fi
}
trap stop_node EXIT
trap 'echo; echo "==> stopping the node"; stop_node; exit 0' INT TERM

if $fresh; then
    echo "==> creating the demo community in ./$data"
    mkdir -p "$data/wallets"
    for who in steward alice bob carol bakery garden; do
        wallet "$who" init "$who" --no-passphrase >/dev/null
    done
    "$node_bin" init --data "$data/node" --steward "$(wallet steward key)" \
        --community "SEL de la Vallée" --unit grain --symbol g >/dev/null
fi

# Start the node on a free port; its log goes to demo-data/node.log.
"$node_bin" run --data "$data/node" --listen 127.0.0.1:0 >"$data/node.out" 2>>"$data/node.log" &
node_pid=$!
for _ in $(seq 1 100); do
    [[ -s "$data/node.out" ]] && break
    sleep 0.05
done
address=$(sed -n 's/^listening on //p' "$data/node.out")
if [[ -z "$address" ]]; then
    echo "the node did not start; its log:" >&2
    cat "$data/node.log" >&2
    exit 1
fi
export MC_NODE=$address
echo "==> mcnode runs on $address (pid $node_pid, log in ./$data/node.log)"

if $fresh; then
    say "the steward opens the accounts"
    wallet steward open alice "$(wallet alice key)"
    wallet steward open bob "$(wallet bob key)" --min -100
    wallet carol join carol --out "$data/carol.join" >/dev/null
    wallet steward open carol "$data/carol.join"
    wallet steward open bakery "$(wallet bakery key)" --kind business
    wallet steward open garden "$(wallet garden key)" --kind commons \
        --keeper alice --keeper carol --keeper-quorum 2

    say "alice pays bob for three hours of gardening help"
    wallet alice pay bob 45 "gardening, 3 h"

    say "the bakery asks carol to pay for bread; carol accepts"
    wallet bakery request carol 12.50 "bread, week 47"
    request=$(wallet carol --json requests | sed -n 's/.*"id": "\([0-9a-f]*\)".*/\1/p' | head -1)
    wallet carol requests
    wallet carol accept "$request"

    say "alice writes a cheque to the bakery, offline; the bakery redeems it (twice: paid once)"
    wallet alice cheque bakery 8.20 "croissants" --out "$data/cheque-alice-bakery.json"
    wallet bakery redeem "$data/cheque-alice-bakery.json"
    wallet bakery redeem "$data/cheque-alice-bakery.json"

    say "bob's credit limit is -100.00 g: a payment of 150 g is refused, and nothing changes"
    wallet bob pay alice 150 "too much" || true

    say "the bakery pays its reciprocity share into the garden commons"
    wallet bakery pay garden 60 "reciprocity, week 47" --reciprocity
    wallet steward reciprocity garden

    say "bob and carol record work for the garden; the two keepers approve it"
    wallet bob contribute garden --hours 3 --description "weeding the beds"
    wallet carol contribute garden --hours 1.5 --description "seed swap stall"
    for id in $(wallet alice --json contributions garden --status pending |
        sed -n 's/.*"id": "\([0-9a-f]\{64\}\)".*/\1/p'); do
        wallet alice propose approve "$id" --out "$data/approve-${id:0:8}.json" >/dev/null
        wallet carol cosign "$data/approve-${id:0:8}.json" --yes >/dev/null
        wallet alice submit "$data/approve-${id:0:8}.json"
    done

    say "a round pays 40% of the garden's balance to its contributors, pro rata"
    wallet alice propose distribute garden --share 40% --out "$data/round-1.json"
    wallet carol cosign "$data/round-1.json" --yes >/dev/null
    wallet carol submit "$data/round-1.json"
    wallet alice contributions garden
fi

say "balances"
wallet steward accounts

cat <<EOF

==> the node keeps running; try the wallet from another terminal:
    export MC_NODE=$address
    $wallet_bin --wallet $data/wallets/alice balance
    $wallet_bin --wallet $data/wallets/alice history
    $wallet_bin --wallet $data/wallets/bob pay carol 5 "thanks"
    $wallet_bin --wallet $data/wallets/carol requests
    $wallet_bin --wallet $data/wallets/steward --json accounts
    $wallet_bin --wallet $data/wallets/alice rounds garden
    $wallet_bin help
Ctrl-C stops the node cleanly; bash scripts/demo.sh starts it again on the same data.
EOF
wait "$node_pid"
