#!/usr/bin/env bash
# Benchmark `cutline serve` on loopback, load from a second process (wrk, installed from the
# distribution's packages when missing).
#
# Usage: scripts/bench-server.sh [--seconds N] [--connections N] [--sessions N] [--skip-preview]
#
#   --seconds N       how long each wrk run lasts (default 10)
#   --connections N   wrk's open connections (default 64)
#   --sessions N      idle sessions created to measure memory per session (default 2000)
#   --skip-preview    leave out the studio preview rows (a release test build, minutes)
#
# Rows: requests/s and latency percentiles of the credits and state endpoints (targets:
# >= 5,000 requests/s, p99 < 20 ms), on SQLite and again with the state in PostgreSQL
# (scripts/postgres.sh starts a server; it shares the same 2 cores; target >= 50% of
# SQLite's requests/s), time to the first byte of a chat turn's event stream
# (target < 100 ms; median of 20), resident memory per idle session, and how soon the
# studio's preview plays after a turn on a 2-minute talk (target < 5 s). The markdown table
# is printed to stdout and saved to target/bench/server.md; notes go to stderr.
set -euo pipefail
cd "$(dirname "$0")/.."

SECONDS_PER_RUN=10
CONNECTIONS=64
SESSIONS=2000
PREVIEW=1
while [[ $# -gt 0 ]]; do
    case "$1" in
        --seconds) SECONDS_PER_RUN="$2"; shift 2 ;;
        --connections) CONNECTIONS="$2"; shift 2 ;;
        --sessions) SESSIONS="$2"; shift 2 ;;
        --skip-preview) PREVIEW=""; shift ;;
        -h | --help) sed -n '2,15p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
        *) echo "unknown option: $1 (see --help)" >&2; exit 2 ;;
    esac
done

note() { printf '==> %s\n' "$*" >&2; }

scripts/setup.sh
export PATH="$HOME/.cargo/bin:$PATH"
need=()
command -v wrk >/dev/null 2>&1 || need+=(wrk)
command -v curl >/dev/null 2>&1 || need+=(curl)
command -v jq >/dev/null 2>&1 || need+=(jq)
if [ ${#need[@]} -gt 0 ]; then
    note "installing ${need[*]}"
    sudo=""
    [ "$(id -u)" -eq 0 ] || sudo="sudo"
    $sudo apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
fi

note "building cutline (release)"
cargo build --release --locked -q -p cli
CUTLINE=target/release/cutline
BENCH=target/bench
mkdir -p "$BENCH"
DATA=$(mktemp -d "$BENCH/server-data.XXXXXX")
PORT=18087
BASE="http://127.0.0.1:$PORT"
# The free grant is large so the chat rows never run out of credits.
"$CUTLINE" serve --addr "127.0.0.1:$PORT" --data "$DATA" --free-credits 1000000 \
    --anonymous-per-hour 1000000 2>"$BENCH/server.log" &
SERVER=$!
POSTGRES=""
PG_SERVER=""
cleanup() {
    for pid in $SERVER $PG_SERVER; do
        kill "$pid" 2>/dev/null || true
        wait "$pid" 2>/dev/null || true
    done
    rm -rf "$DATA" "${PG_DATA:-}"
    [ -z "$POSTGRES" ] || scripts/postgres.sh stop "$(sed -n 2p <<<"$POSTGRES")"
}
trap cleanup EXIT
# shellcheck source=bench-lib/session.sh
source scripts/bench-lib/session.sh
open_session bench

# wrk's summary in milliseconds: requests/s, p50, p99.
load() {
    local url="$1"
    local out
    out=$(wrk -t2 -c"$CONNECTIONS" -d"${SECONDS_PER_RUN}s" --latency -H "$AUTH" "$url")
    local rps p50 p99 errors
    rps=$(awk '/Requests\/sec/ {print $2}' <<<"$out")
    p50=$(awk '$1 == "50%" {print $2}' <<<"$out")
    p99=$(awk '$1 == "99%" {print $2}' <<<"$out")
    errors=$(awk '/Non-2xx/ {print $5}' <<<"$out")
    printf '%s|%s|%s|%s\n' "$rps" "$(to_ms "$p50")" "$(to_ms "$p99")" "${errors:-0}"
}

# "1.23ms" / "450.00us" / "1.2s" as milliseconds.
to_ms() {
    awk -v v="$1" 'BEGIN {
        if (v ~ /us$/) { sub(/us$/, "", v); printf "%.2f", v / 1000 }
        else if (v ~ /ms$/) { sub(/ms$/, "", v); printf "%.2f", v }
        else if (v ~ /s$/) { sub(/s$/, "", v); printf "%.2f", v * 1000 }
        else { print v } }'
}

note "credits under load ($CONNECTIONS connections, ${SECONDS_PER_RUN}s)"
CREDITS=$(load "$BASE/api/credits/balance/simple")
note "state under load"
STATE=$(load "$BASE/api/state/nemo_agent/me/$SESSION/latest")

note "the same two with the state in PostgreSQL"
POSTGRES=$(scripts/postgres.sh start)
PG_DATA=$(mktemp -d "$BENCH/server-data-pg.XXXXXX")
SQLITE_BASE=$BASE
SQLITE_AUTH=$AUTH
SQLITE_SESSION=$SESSION
BASE="http://127.0.0.1:$((PORT + 1))"
"$CUTLINE" serve --addr "127.0.0.1:$((PORT + 1))" --data "$PG_DATA" --free-credits 1000000 \
    --anonymous-per-hour 1000000 --database "$(sed -n 1p <<<"$POSTGRES")" 2>"$BENCH/server-pg.log" &
PG_SERVER=$!
open_session bench
PG_CREDITS=$(load "$BASE/api/credits/balance/simple")
PG_STATE=$(load "$BASE/api/state/nemo_agent/me/$SESSION/latest")
kill "$PG_SERVER"
wait "$PG_SERVER" 2>/dev/null || true
PG_SERVER=""
BASE=$SQLITE_BASE
AUTH=$SQLITE_AUTH
SESSION=$SQLITE_SESSION
share() { awk -v a="${1%%|*}" -v b="${2%%|*}" 'BEGIN { printf "%.0f%%", 100 * a / b }'; }

note "time to the first byte of a chat turn's stream (20 turns)"
first_bytes=()
for _ in $(seq 20); do
    t=$(curl -s -o /dev/null -w '%{time_starttransfer}' -X POST -H "$AUTH" \
        -H 'Content-Type: application/json' -H 'Accept: text/event-stream' \
        -d "{\"session_id\":\"$SESSION\",\"new_message\":{\"parts\":[{\"text\":\"what's on the timeline?\"}]}}" \
        "$BASE/run_sse")
    first_bytes+=("$(awk -v t="$t" 'BEGIN { printf "%.1f", t * 1000 }')")
done
FIRST_BYTE=$(printf '%s\n' "${first_bytes[@]}" | sort -n | awk '{ a[NR] = $1 } END { print a[int((NR + 1) / 2)] }')
FIRST_BYTE_MAX=$(printf '%s\n' "${first_bytes[@]}" | sort -n | tail -1)

note "memory per idle session ($SESSIONS sessions)"
rss_kb() { awk '/VmRSS/ {print $2}' "/proc/$SERVER/status"; }
BEFORE=$(rss_kb)
for _ in $(seq "$SESSIONS"); do
    printf 'url = "%s/api/tasks/me/with-session/nemo_agent"\noutput = "/dev/null"\n' "$BASE"
done >"$BENCH/sessions.curl"
curl -s -X POST -H "$AUTH" -H 'Content-Type: application/json' \
    -d '{"task_name":"idle","language":"en"}' --parallel --parallel-max 16 -K "$BENCH/sessions.curl"
AFTER=$(rss_kb)
PER_SESSION=$(awk -v a="$AFTER" -v b="$BEFORE" -v n="$SESSIONS" 'BEGIN { printf "%.2f", (a - b) / n }')

if [ -n "$PREVIEW" ]; then
note "preview speed: a 2-minute talk, its pauses trimmed (the studio; test build in release)"
if ! cargo test --release --locked -q -p server --test it -- --ignored --exact \
    studio::preview_speed_on_a_two_minute_talk --nocapture >"$BENCH/preview.log" 2>&1; then
    tail -n 40 "$BENCH/preview.log" >&2
    echo "bench-server: the preview timing failed (whole log: $BENCH/preview.log)" >&2
    exit 1
fi
PREVIEW_ROW=$(sed -n 's/^preview-bench-row: //p' "$BENCH/preview.log")
fi
field() { tr ' ' '\n' <<<"${PREVIEW_ROW:-}" | sed -n "s/^$1=//p"; }

row() {
    IFS='|' read -r rps p50 p99 errors <<<"$2"
    printf '| %s | %s | %s ms | %s ms | %s |\n' "$1" "$rps" "$p50" "$p99" "$errors"
}
{
    echo "| endpoint (wrk -t2 -c$CONNECTIONS, ${SECONDS_PER_RUN}s, same 2 cores) | requests/s | p50 | p99 | non-2xx |"
    echo "| --- | ---: | ---: | ---: | ---: |"
    row "GET /api/credits/balance/simple" "$CREDITS"
    row "GET /api/state/…/latest (empty timeline)" "$STATE"
    row "GET /api/credits/balance/simple, PostgreSQL ($(share "$PG_CREDITS" "$CREDITS") of SQLite's)" "$PG_CREDITS"
    row "GET /api/state/…/latest, PostgreSQL ($(share "$PG_STATE" "$STATE") of SQLite's)" "$PG_STATE"
    echo
    echo "| measure | value | target |"
    echo "| --- | ---: | ---: |"
    echo "| time to the first SSE byte of a turn (median of 20; max) | $FIRST_BYTE ms ($FIRST_BYTE_MAX ms) | < 100 ms |"
    echo "| resident memory per idle session ($SESSIONS sessions) | $PER_SESSION KB | – |"
    echo "| server resident memory, idle / after the sessions | $((BEFORE / 1024)) MB / $((AFTER / 1024)) MB | – |"
    if [ -n "$PREVIEW" ]; then
        echo "| studio preview after a turn's end: $(field clip) s talk, $(field cuts) cuts, proxy made (stream copy) | $(field warm) s | < 5 s |"
        echo "| studio preview after a turn's end: the same, turn sent right after the upload (waits for the proxy) | $(field cold) s | – |"
        echo "| studio preview after a turn's end: beyond cuts (black and white: rendered from the proxy) | $(field rendered) s | – |"
        echo "| studio proxy of the $(field clip) s talk (240p all-intra), from the upload's reply | $(field proxy) s | – |"
    fi
} | tee "$BENCH/server.md"
