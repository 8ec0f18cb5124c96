#!/usr/bin/env bash
# The whole test suite, as CI runs it (.ci/run):
#   1. install missing build dependencies (scripts/setup.sh);
#   2. fail on C sources that clang-format would change;
#   3. build build/ with -Werror and run ctest;
#   4. build build-asan/ (Debug, AddressSanitizer + UBSan, -Werror) and run
#      ctest again.
# Exits non-zero at the first failing stage. Safe to run repeatedly: the
# build directories are reused.
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/.."
root=$(pwd)
jobs=$(nproc 2>/dev/null || echo 2)

current_stage="start"
stage() {
    current_stage=$*
    printf '\n==> %s\n' "$*"
}

fail() {
    printf '\n%s\n' "$*" >&2
    exit 1
}

on_exit() {
    local status=$?
    if ((status != 0)); then
        printf '\ntest.sh: FAILED (exit %d) during: %s\n' "$status" "$current_stage" >&2
    fi
}
trap on_exit EXIT

stage "setup: checking build dependencies"
bash scripts/setup.sh

# Our C sources: tracked and untracked (not ignored) files under the module
# folders that exist, never anything under a build*/ directory.
c_sources() {
    local dirs=() d
    for d in core proto tests bench demo node client wallet-cli audit; do
        [[ -d "$d" ]] && dirs+=("$d")
    done
    ((${#dirs[@]} > 0)) || return 0
    if git rev-parse --is-inside-work-tree >/dev/null 2>&1; then
        local pathspecs=()
        for d in "${dirs[@]}"; do
            pathspecs+=("$d/*.c" "$d/*.h")
        done
        git ls-files -z --cached --others --exclude-standard -- "${pathspecs[@]}" |
            tr '\0' '\n'
    else
        find "${dirs[@]}" -type d -name 'build*' -prune -o -type f \( -name '*.c' -o -name '*.h' \) -print
    fi | grep -Ev '(^|/)build[^/]*/' | sort -u
}

stage "format: clang-format --dry-run -Werror"
mapfile -t sources < <(c_sources)
# A file listed by git but deleted in the work tree is not checked.
existing=()
for f in "${sources[@]}"; do
    [[ -f "$f" ]] && existing+=("$f")
done
if ((${#existing[@]} > 0)); then
    if ! clang-format --dry-run -Werror "${existing[@]}"; then
        fail "unformatted C above: run clang-format -i on those files"
    fi
    echo "${#existing[@]} files formatted correctly"
else
    echo "no C sources found"
fi

run_ctest() {
    local dir=$1
    ctest --test-dir "$dir" --output-on-failure --no-tests=error -j "$jobs"
}

stage "build: build/ (-DMC_WERROR=ON)"
cmake -S "$root" -B build -DMC_WERROR=ON
cmake --build build -j "$jobs"

stage "test: ctest in build/"
run_ctest build || fail "tests failed in build/"

stage "build: build-asan/ (Debug, ASan + UBSan, -DMC_WERROR=ON)"
cmake -S "$root" -B build-asan -DMC_WERROR=ON -DMC_ASAN=ON -DMC_UBSAN=ON \
    -DCMAKE_BUILD_TYPE=Debug
cmake --build build-asan -j "$jobs"

stage "test: ctest in build-asan/ (sanitizers)"
export ASAN_OPTIONS=detect_leaks=1
export UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1
run_ctest build-asan || fail "tests failed under the sanitizers in build-asan/"

stage "all tests passed"
