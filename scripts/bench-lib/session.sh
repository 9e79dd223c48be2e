# Sourced by the server benchmarks: waits for `cutline serve` at $BASE, then sets TOKEN, AUTH
# and SESSION (a new anonymous user's token and a session named $1).
# shellcheck shell=bash
open_session() {
    for _ in $(seq 100); do
        curl -sf -o /dev/null -X POST -H 'X-Client-Id: probe' "$BASE/api/auth/anonymous-token" && break
        sleep 0.1
    done
    TOKEN=$(curl -sf -X POST -H 'X-Client-Id: bench' "$BASE/api/auth/anonymous-token" | jq -r .data.token)
    AUTH="Authorization: Bearer $TOKEN"
    SESSION=$(curl -sf -X POST -H "$AUTH" -H 'Content-Type: application/json' \
        -d "{\"task_name\":\"$1\",\"language\":\"en\"}" "$BASE/api/tasks/me/with-session/nemo_agent" |
        jq -r .data.session_id)
}
