#!/usr/bin/env bash
# The figures of the README's Reliability section, reproduced: runs the standing suites of
# hostile input against `cutline serve` (the SSRF matrix in a network namespace, slow clients
# and slow URL sources, hostile media with its large sample, kill -9 and restart, the sign-up
# and export-length limits) and prints the line each one ends with.
# CUTLINE_FUZZ_CASES sets the hostile-media sample (default 1000; the test command runs 13).
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh >&2
export PATH="$HOME/.cargo/bin:$PATH"
model=$(scripts/prepare-speech-model.sh)
CUTLINE_MODELS=$(dirname "$model")
export CUTLINE_MODELS
export CUTLINE_FUZZ_CASES=${CUTLINE_FUZZ_CASES:-1000}

log=$(mktemp)
trap 'rm -f "$log"' EXIT
failed=0
cargo test --locked -p server --test it -- --nocapture \
    ssrf slow_sources connections::dribbled hostile_media export_queue::over_long \
    auth_and_sessions::fifty >"$log" 2>&1 || failed=1
cargo test --locked -p cli --test it -- --nocapture faults >>"$log" 2>&1 || failed=1

grep -E '^(ssrf matrix|slow sources|slow clients|hostile media|over-long drafts|signups|faults): ' "$log" |
    sort -u
if [ "$failed" = 1 ]; then
    grep -E '^test .*FAILED|panicked' "$log" >&2 || true
    echo "reliability: a suite failed (above)" >&2
    exit 1
fi
