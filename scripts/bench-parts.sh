#!/usr/bin/env bash
# Benchmark exports in parts: one long export rendered by `cutline worker` processes pinned to
# cores (taskset), against the same export as one job.
#
# Usage: scripts/bench-parts.sh [--minutes N]
#
#   --minutes N   length of the generated talk (default 10): 1080p30, a tone that pauses
#                 0.9 s every 4.1 s, so "trim the pauses" makes a cut about every 4 s
#
# One `cutline serve --workers 0` holds the session (the upload, "trim the pauses"); each row
# exports its Draft at 1080p with fresh workers and stops them after: the one-job render (one
# worker, parts off, both cores), parts with one worker pinned to one core, and parts with
# two workers each pinned to its own core. CPU is the workers' user + system time (their
# ffmpeg children included), from GNU time. Targets: two pinned workers at least 1.6 times
# as fast as one; their CPU within 10% of the one-job render's. The markdown table is printed
# to stdout and saved to target/bench/parts.md; notes go to stderr.
set -euo pipefail
cd "$(dirname "$0")/.."

MINUTES=10
while [[ $# -gt 0 ]]; do
    case "$1" in
        --minutes) MINUTES="$2"; shift 2 ;;
        -h | --help) sed -n '2,17p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
        *) echo "unknown option: $1 (see --help)" >&2; exit 2 ;;
    esac
done
if ! [[ "$MINUTES" =~ ^[1-9][0-9]*$ ]]; then
    echo "--minutes must be a whole number of minutes >= 1, got '$MINUTES'" >&2
    exit 2
fi

note() { printf '==> %s\n' "$*" >&2; }

scripts/setup.sh
export PATH="$HOME/.cargo/bin:$PATH"
need=()
for tool in curl jq taskset; do
    command -v "$tool" >/dev/null 2>&1 || need+=("$tool")
done
[ -x /usr/bin/time ] || need+=(time)
if [ ${#need[@]} -gt 0 ]; then
    note "installing ${need[*]}"
    sudo=""
    [ "$(id -u)" -eq 0 ] || sudo="sudo"
    $sudo apt-get update -qq
    # taskset is in util-linux.
    DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends \
        "${need[@]/taskset/util-linux}" >/dev/null
fi

note "building cutline (release)"
cargo build --release --locked -q -p cli
CUTLINE=target/release/cutline
BENCH=target/bench
mkdir -p "$BENCH"
SECS=$((MINUTES * 60))
CLIP="$BENCH/tone-talk-${MINUTES}min-1080p.mp4"
if [ ! -s "$CLIP" ]; then
    note "generating $CLIP"
    ffmpeg -nostdin -v error -y \
        -f lavfi -i "testsrc2=s=1920x1080:r=30:d=$SECS" \
        -f lavfi -i "aevalsrc=exprs='0.3*sin(2*PI*220*t)*lt(mod(t,4.1),3.2)':s=48000:d=$SECS" \
        -c:v libx264 -preset ultrafast -crf 23 -g 60 -pix_fmt yuv420p \
        -c:a aac -b:a 128k -movflags +faststart "$BENCH/.tone-talk.tmp.mp4"
    mv -f "$BENCH/.tone-talk.tmp.mp4" "$CLIP"
fi

DATA=$(mktemp -d "$BENCH/parts-data.XXXXXX")
PORT=18089
BASE="http://127.0.0.1:$PORT"
# (The generated talk is over a gigabyte at 10 minutes: testsrc2's pattern is busy.)
"$CUTLINE" serve --addr "127.0.0.1:$PORT" --data "$DATA" --workers 0 \
    --max-upload-mb 8192 --max-request-mb 8192 \
    --free-credits 1000000 --anonymous-per-hour 1000 2>"$BENCH/parts-server.log" &
SERVER=$!
WORKERS=()
stop_all() {
    for pid in "${WORKERS[@]}"; do pkill -TERM -P "$pid" 2>/dev/null || true; done
    kill "$SERVER" 2>/dev/null || true
    wait 2>/dev/null || true
    rm -rf "$DATA"
}
trap stop_all EXIT
# shellcheck source=bench-lib/session.sh
source scripts/bench-lib/session.sh
open_session parts
note "uploading the ${MINUTES}-minute talk"
curl -sf -o /dev/null -H "$AUTH" -F "files=@$CLIP;type=video/mp4" \
    "$BASE/api/upload-video/nemo_agent/me/$SESSION"
note "trimming its pauses"
curl -sf -o "$BENCH/parts-turn.txt" -X POST -H "$AUTH" -H 'Content-Type: application/json' \
    -H 'Accept: text/event-stream' \
    -d "{\"session_id\":\"$SESSION\",\"new_message\":{\"parts\":[{\"text\":\"trim the pauses\"}]}}" \
    "$BASE/run_sse"
DRAFT=$(curl -sf -H "$AUTH" "$BASE/api/state/nemo_agent/me/$SESSION/latest")
CLIPS=$(jq '[.data.draft.t[]? | select(.tt == 0) | .sg | length] | add // 0' <<<"$DRAFT")
LENGTH_MS=$(jq '.data.draft.d // 0' <<<"$DRAFT")

# One row: an export of the session rendered by workers started with `$1` (--part-secs) on
# the cores listed after it (`-` for a worker not pinned). Prints "wall|cpu|duration".
run_row() {
    local part_secs="$1"
    shift
    local id="render_$RANDOM$RANDOM" n=0 times=()
    WORKERS=()
    for core in "$@"; do
        n=$((n + 1))
        local pin=()
        [ "$core" = - ] || pin=(taskset -c "$core")
        /usr/bin/time -f '%U %S' -o "$BENCH/parts-worker-$n.time" \
            "${pin[@]}" "$CUTLINE" worker --data "$DATA" --part-secs "$part_secs" \
            2>>"$BENCH/parts-workers.log" &
        WORKERS+=($!)
        times+=("$BENCH/parts-worker-$n.time")
    done
    local started=$SECONDS status=""
    local started_ns
    started_ns=$(date +%s%N)
    curl -sf -o /dev/null -X POST -H "$AUTH" -H 'Content-Type: application/json' \
        -H 'X-Skill-Source: cutline-bench' -H 'X-Skill-Version: 1' -H 'X-Skill-Platform: linux' \
        -d "{\"id\":\"$id\",\"sessionId\":\"$SESSION\",\"output\":{\"resolution\":\"1080p\"}}" \
        "$BASE/api/render/proxy/lambda"
    local reply
    while [ $((SECONDS - started)) -lt 7200 ]; do
        reply=$(curl -sf -H "$AUTH" "$BASE/api/render/proxy/lambda/$id")
        status=$(jq -r .data.status <<<"$reply")
        case "$status" in completed | failed | cancelled) break ;; esac
        sleep 1
    done
    local wall
    wall=$(awk -v a="$started_ns" -v b="$(date +%s%N)" 'BEGIN { printf "%.1f", (b - a) / 1e9 }')
    [ "$status" = completed ] || { echo "bench-parts: export $id $status: $reply" >&2; exit 1; }
    # Each pid is GNU time's: the worker is its child, stopped so that time reports it.
    for pid in "${WORKERS[@]}"; do pkill -TERM -P "$pid" || true; done
    for pid in "${WORKERS[@]}"; do wait "$pid" || true; done
    WORKERS=()
    local cpu
    cpu=$(cat "${times[@]}" | awk '{ s += $1 + $2 } END { printf "%.1f", s }')
    local out="$BENCH/parts-$id.mp4"
    curl -sf -o "$out" -H "$AUTH" "$BASE/api/render/proxy/$id/download"
    local duration
    duration=$(ffprobe -v error -show_entries format=duration -of csv=p=0 "$out")
    rm -f "$out"
    printf '%s|%s|%s\n' "$wall" "$cpu" "$duration"
}

: >"$BENCH/parts-workers.log"
# (Each row runs in this shell, not a subshell, so the trap stops its workers on a failure.)
note "one job: one worker, parts off, both cores"
run_row 0 - >"$BENCH/parts-row.txt"
ONE_JOB=$(cat "$BENCH/parts-row.txt")
note "parts: one worker on core 0"
run_row 60 0 >"$BENCH/parts-row.txt"
ONE=$(cat "$BENCH/parts-row.txt")
note "parts: two workers on cores 0 and 1"
run_row 60 0 1 >"$BENCH/parts-row.txt"
TWO=$(cat "$BENCH/parts-row.txt")

field() { cut -d'|' -f"$2" <<<"$1"; }
SPEEDUP=$(awk -v a="$(field "$ONE" 1)" -v b="$(field "$TWO" 1)" 'BEGIN { printf "%.2f", a / b }')
CPU_RATIO=$(awk -v a="$(field "$TWO" 2)" -v b="$(field "$ONE_JOB" 2)" 'BEGIN { printf "%+.0f%%", (a / b - 1) * 100 }')
row() {
    printf '| %s | %s s | %s s | %s s |\n' "$1" "$(field "$2" 1)" "$(field "$2" 2)" "$(field "$2" 3)"
}
{
    echo "Export of a ${MINUTES}-minute 1080p talk with its pauses trimmed ($CLIPS clips, $((LENGTH_MS / 1000)) s), same 2 cores:"
    echo
    echo "| how | wall | CPU (workers, user + system) | output length |"
    echo "| --- | ---: | ---: | ---: |"
    row "one job (one worker, parts off, not pinned)" "$ONE_JOB"
    row "in parts of 60 s, one worker pinned to one core" "$ONE"
    row "in parts of 60 s, two workers each pinned to one core" "$TWO"
    echo
    echo "| measure | value | target |"
    echo "| --- | ---: | ---: |"
    echo "| speed-up, two pinned workers against one | ${SPEEDUP}× | ≥ 1.6× |"
    echo "| CPU of two workers in parts against the one-job render | $CPU_RATIO | within ±10% |"
} | tee "$BENCH/parts.md"
