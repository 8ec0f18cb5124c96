#!/usr/bin/env bash
# Install the Debian 12 packages that mc needs to build and test, and only
# those that are missing. Quiet when everything is already there; safe to run
# any number of times. Uses sudo when not run as root. Works on a bare system
# that has apt but no package lists yet (apt-get update runs only when
# something has to be installed).
set -euo pipefail

packages=(
    build-essential     # gcc, make, libc headers
    cmake               # the build
    pkg-config          # finds every library below
    clang-format        # the house format, checked by scripts/test.sh
    liblmdb-dev         # the ledger's store
    libsodium-dev       # Ed25519 signatures, SHA-256
    libprotobuf-c-dev   # wire messages and stored records
    protobuf-c-compiler # protoc-c generates their C code at build time
    libuv1-dev          # the node's event loop
    libcmocka-dev       # unit tests
    libjansson-dev      # JSON in tests (and later --json output)
    hledger             # the integration test reads mcaudit's journal with the real hledger
)

is_installed() {
    local status
    status=$(dpkg-query -W -f='${Status}' "$1" 2>/dev/null) || return 1
    [[ "$status" == "install ok installed" ]]
}

missing=()
for pkg in "${packages[@]}"; do
    if ! is_installed "$pkg"; then
        missing+=("$pkg")
    fi
done

if ((${#missing[@]} == 0)); then
    exit 0
fi

echo "setup: installing missing Debian packages: ${missing[*]}"

as_root=()
if [[ $(id -u) -ne 0 ]]; then
    if ! command -v sudo >/dev/null 2>&1; then
        echo "setup: not root and sudo is not installed; as root, run:" >&2
        echo "  apt-get update && apt-get install -y --no-install-recommends ${missing[*]}" >&2
        exit 1
    fi
    as_root=(sudo)
fi

# env, not an exported variable: sudo's default policy resets the environment.
"${as_root[@]}" env DEBIAN_FRONTEND=noninteractive apt-get update -q
"${as_root[@]}" env DEBIAN_FRONTEND=noninteractive \
    apt-get install -y -q --no-install-recommends "${missing[@]}"

still_missing=()
for pkg in "${missing[@]}"; do
    if ! is_installed "$pkg"; then
        still_missing+=("$pkg")
    fi
done
if ((${#still_missing[@]} > 0)); then
    echo "setup: could not install: ${still_missing[*]}" >&2
    exit 1
fi
echo "setup: done"
