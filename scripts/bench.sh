#!/usr/bin/env bash
# Benchmark cutline against plain ffmpeg and auto-editor on a generated talk clip.
#
# Usage: scripts/bench.sh [--minutes N] [--quick] [--skip-auto-editor] [--skip-speech]
#
#   --minutes N          length of the generated clip in minutes (default 10)
#   --quick              same as --minutes 1
#   --skip-auto-editor   do not install or run auto-editor
#   --skip-speech        do not time transcription (Whisper base and tiny.en on the
#                        clip's first 2 minutes, models built by prepare-speech-model.sh)
#
# Everything is written under target/bench/. The generated clip
# (talk-${N}min-1080p.mp4) is kept and reused by later runs of the same length.
# Each row is timed with GNU time (wall seconds and peak RSS). The markdown
# table is printed to stdout and saved to target/bench/results.md; progress
# notes go to stderr.
set -euo pipefail

cd "$(dirname "$0")/.."

# ---------------------------------------------------------------- options ---
MINUTES=10
SKIP_AE=0
SKIP_SPEECH=0
while [[ $# -gt 0 ]]; do
    case "$1" in
        --minutes)
            [[ $# -ge 2 ]] || { echo "--minutes needs a number" >&2; exit 2; }
            MINUTES="$2"
            shift 2
            ;;
        --minutes=*) MINUTES="${1#*=}"; shift ;;
        --quick) MINUTES=1; shift ;;
        --skip-auto-editor) SKIP_AE=1; shift ;;
        --skip-speech) SKIP_SPEECH=1; shift ;;
        -h | --help)
            sed -n '2,16p' "$0" | sed 's/^# \{0,1\}//'
            exit 0
            ;;
        *) echo "unknown option: $1 (see --help)" >&2; exit 2 ;;
    esac
done
if ! [[ "$MINUTES" =~ ^[1-9][0-9]*$ ]]; then
    echo "--minutes must be a whole number of minutes >= 1, got '$MINUTES'" >&2
    exit 2
fi

BENCH=target/bench
CLIP_SECS=$((MINUTES * 60))
CLIP="$BENCH/talk-${MINUTES}min-1080p.mp4"
CUTLINE=target/release/cutline
AE_VENV="$BENCH/ae-venv"
AE="$AE_VENV/bin/auto-editor"
AE_VERSION=23.32.1
LIB="scripts/bench-lib"
mkdir -p "$BENCH"

SCRIPT_START=$SECONDS

note() { printf '==> %s\n' "$*" >&2; }

# ------------------------------------------------------- system packages ---
# apt-get update runs at most once, and only if something has to be installed.
APT_UPDATED=0
apt_install() {
    if [[ $APT_UPDATED -eq 0 ]]; then
        note "apt-get update"
        apt-get update -qq >&2
        APT_UPDATED=1
    fi
    note "apt-get install $*"
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$@" >&2
}

[[ -x /usr/bin/time ]] || apt_install time
for tool in ffmpeg ffprobe espeak-ng python3; do
    command -v "$tool" >/dev/null || { echo "missing required tool: $tool" >&2; exit 1; }
done

# ------------------------------------------------------------ build cutline ---
note "building cutline (release)"
cargo build --release -p cli >&2

# -------------------------------------------------------- generate the clip ---
# Duration of a media file in seconds (container duration), or empty.
duration_of() {
    ffprobe -v error -show_entries format=duration -of default=nw=1:nk=1 "$1" 2>/dev/null || true
}

# Duration of one stream type (v or a) of a file, in seconds.
stream_duration_of() {
    ffprobe -v error -select_streams "$2:0" -show_entries stream=duration \
        -of default=nw=1:nk=1 "$1" 2>/dev/null || true
}

# True when $1 is within 0.5 s of $2.
close_to() {
    awk -v a="$1" -v b="$2" 'BEGIN { d = a - b; if (d < 0) d = -d; exit !(a != "" && d < 0.5) }'
}

generate_clip() {
    local work="$BENCH/speech"
    mkdir -p "$work"

    # Ten different sentences, spoken once each by espeak-ng at slightly
    # different speeds; the assembler loops over them.
    local sentences=(
        "Welcome back everyone, today we are going to look at how a video editor finds the pauses in a recording."
        "The first step is to decode the sound track and measure how loud each short window of audio is."
        "When the level stays below a threshold for long enough, we call that stretch a pause."
        "Some pauses are short breaths, and those should stay, because cutting them makes speech sound rushed."
        "Longer pauses, where the speaker is thinking, are usually the ones viewers would rather skip."
        "A little padding is kept around every cut, so that the first and last syllables of a word are never clipped."
        "Background noise matters too: a quiet room still has hum, hiss and the sound of a computer fan."
        "After the cuts are decided, the video is encoded again, and that is where most of the time goes."
        "A faster encoder preset gives a bigger file, while a slower preset squeezes more quality into each bit."
        "Thanks for watching, and if you have questions, leave them below and I will answer in the next video."
    )
    local speeds=(160 150 170 155 165 145 175 158 162 150)
    local wavs=() i
    for i in "${!sentences[@]}"; do
        local wav
        wav=$(printf '%s/sentence-%02d.wav' "$work" "$i")
        if [[ ! -s "$wav" ]]; then
            espeak-ng -v en-us -s "${speeds[$i]}" -w "$wav" "${sentences[$i]}"
        fi
        wavs+=("$wav")
    done

    # Speech + silences (0.3 s to 2.5 s), exactly CLIP_SECS long.
    local speech_wav="$work/speech-${MINUTES}min.wav"
    python3 "$LIB/assemble_speech.py" "$speech_wav" "$CLIP_SECS" 42 "${wavs[@]}"

    # Video: testsrc2 1080p30. Audio: speech mixed over pink noise
    # (amplitude 0.016 measures about -50 dBFS RMS), resampled to 48 kHz and
    # copied to both channels at full level (pan, not the -3 dB upmix), as
    # stereo AAC. atrim/apad and -t make both streams exactly CLIP_SECS long.
    # Written to a temporary name first so an interrupted run is never reused.
    local tmp="$BENCH/.talk-${MINUTES}min-1080p.tmp.mp4"
    ffmpeg -nostdin -v error -stats -y \
        -f lavfi -i "testsrc2=s=1920x1080:r=30:d=${CLIP_SECS}" \
        -i "$speech_wav" \
        -f lavfi -i "anoisesrc=color=pink:amplitude=0.016:sample_rate=48000:seed=7:d=${CLIP_SECS}" \
        -filter_complex "[1:a]aresample=48000,aformat=channel_layouts=mono[sp];[sp][2:a]amix=inputs=2:duration=longest:normalize=0,apad,atrim=end=${CLIP_SECS},pan=stereo|c0=c0|c1=c0[a]" \
        -map 0:v -map '[a]' \
        -c:v libx264 -preset ultrafast -crf 23 -pix_fmt yuv420p \
        -c:a aac -b:a 128k -ar 48000 \
        -t "$CLIP_SECS" -movflags +faststart \
        "$tmp"
    mv -f "$tmp" "$CLIP"
}

if [[ -s "$CLIP" ]] && close_to "$(duration_of "$CLIP")" "$CLIP_SECS"; then
    note "reusing $CLIP"
else
    note "generating $CLIP (${MINUTES} min, 1080p30)"
    generate_clip
fi
note "clip streams: video $(stream_duration_of "$CLIP" v) s, audio $(stream_duration_of "$CLIP" a) s"

# -------------------------------------------------------- auto-editor setup ---
# auto-editor's newest release cannot be installed offline, so pin 23.32.1 (a
# yanked release: pip only installs it when pinned exactly). It needs PyAV 10,
# which Debian's python3-av provides, hence a venv made by Debian's own
# interpreter with --system-site-packages.
HAVE_AE=0
install_auto_editor() {
    if ! /usr/bin/python3 -c 'import av' 2>/dev/null; then
        apt_install python3-av || return 1
    fi
    if [[ ! -x "$AE_VENV/bin/pip" ]]; then
        note "creating $AE_VENV"
        /usr/bin/python3 -m venv --system-site-packages "$AE_VENV" >&2 || return 1
    fi
    note "pip install auto-editor==$AE_VERSION"
    "$AE_VENV/bin/pip" install -q "auto-editor==$AE_VERSION" >&2 || return 1
}
if [[ $SKIP_AE -eq 1 ]]; then
    note "skipping auto-editor (--skip-auto-editor)"
elif [[ -x "$AE" ]] && "$AE_VENV/bin/python" -c \
    'import sys, importlib.metadata as m; sys.exit(m.version("auto-editor") != sys.argv[1])' \
    "$AE_VERSION" 2>/dev/null; then
    # (Asked of the venv's Python, not `pip show | grep -q`: grep closing the
    # pipe early makes pip exit 1, which pipefail turns into a false "no".)
    note "auto-editor $AE_VERSION already installed in $AE_VENV"
    HAVE_AE=1
elif install_auto_editor && [[ -x "$AE" ]]; then
    HAVE_AE=1
else
    note "NOTE: could not install auto-editor $AE_VERSION; the auto-editor rows are left out"
fi

# ------------------------------------------------------------- timing rows ---
# Results, one entry per row, in order.
ROW_NAME=() ROW_WALL=() ROW_RT=() ROW_MB=() ROW_OUTDUR=() ROW_OUTMB=()
LOGS="$BENCH/logs"
mkdir -p "$LOGS"

# run_row NAME OUTPUT -- COMMAND...
# Times COMMAND with GNU time and records a row. OUTPUT is the file the
# command writes (its duration and size go in the table), or "-" for none.
# × realtime is ROW_SECS (the clip's length unless set) over the wall time.
# The command's own output goes to target/bench/logs/. A failing command
# gives a "failed" row instead of stopping the whole benchmark.
run_row() {
    local name="$1" output="$2"
    shift 3
    local slug times log
    slug=$(printf '%s' "$name" | tr -c 'A-Za-z0-9' '-' | tr -s '-')
    times="$LOGS/$slug.time"
    log="$LOGS/$slug.log"
    if [[ "$output" != "-" ]]; then rm -f "$output"; fi
    note "running: $name"
    if /usr/bin/time -f '%e %M' -o "$times" "$@" >"$log" 2>&1; then
        local wall kb
        read -r wall kb <"$times"
        ROW_NAME+=("$name")
        ROW_WALL+=("$(printf '%.2f' "$wall")")
        ROW_RT+=("$(awk -v c="${ROW_SECS:-$CLIP_SECS}" -v w="$wall" 'BEGIN { if (w > 0) printf "%.1f×", c / w; else print "n/a" }')")
        ROW_MB+=("$(awk -v k="$kb" 'BEGIN { printf "%.0f", k / 1024 }')")
        if [[ "$output" != "-" ]]; then
            ROW_OUTDUR+=("$(printf '%.1f' "$(duration_of "$output")")")
            ROW_OUTMB+=("$(awk -v b="$(stat -c %s "$output")" 'BEGIN { printf "%.1f", b / 1048576 }')")
        else
            ROW_OUTDUR+=("–") ROW_OUTMB+=("–")
        fi
    else
        note "FAILED: $name (see $log); last lines:"
        tail -n 5 "$log" >&2 || true
        ROW_NAME+=("$name (failed)") ROW_WALL+=("–") ROW_RT+=("–") ROW_MB+=("–")
        ROW_OUTDUR+=("–") ROW_OUTMB+=("–")
    fi
}

# cutline caches its pause analysis per clip. Each cutline export row gets its
# own empty cache directory, so every export includes the analysis, just as
# auto-editor's export does (the pauses row uses --no-cache for the same reason).
fresh_cache() {
    rm -rf "$BENCH/cutline-cache-$1"
    mkdir -p "$BENCH/cutline-cache-$1"
    printf '%s' "$BENCH/cutline-cache-$1"
}

run_row "ffmpeg audio decode (floor)" - -- \
    ffmpeg -nostdin -v error -i "$CLIP" -vn -ac 1 -ar 16000 -f s16le -y /dev/null

run_row "cutline pause analysis" - -- \
    "$CUTLINE" pauses "$CLIP" --no-cache

if [[ $HAVE_AE -eq 1 ]]; then
    # In 23.32.1, `--export json` writes auto-editor's JSON timeline (API 3)
    # to --output instead of rendering media. --no-open stops it from trying
    # to open the result in a player (it only does that for media exports,
    # but it is passed everywhere for the same command shape).
    run_row "auto-editor analysis" "-" -- \
        "$AE" "$CLIP" --export json --output "$BENCH/ae.json" --no-open
fi

CACHE_DEFAULT=$(fresh_cache default)
run_row "cutline trimmed export (default)" "$BENCH/cutline-default.mp4" -- \
    env CUTLINE_CACHE="$CACHE_DEFAULT" \
    "$CUTLINE" edit "$CLIP" --trim-pauses -o "$BENCH/cutline-default.mp4"

CACHE_AE=$(fresh_cache ae-settings)
run_row "cutline trimmed export (auto-editor's settings)" "$BENCH/cutline-ae-settings.mp4" -- \
    env CUTLINE_CACHE="$CACHE_AE" \
    "$CUTLINE" edit "$CLIP" --trim-pauses --x264-preset medium --video-bitrate 10M \
    -o "$BENCH/cutline-ae-settings.mp4"

if [[ $HAVE_AE -eq 1 ]]; then
    # auto-editor's defaults (in 23.32.1: video codec "auto", i.e. libx264 for
    # MP4 at x264's default preset, -b:v 10M, audio method with threshold 4%
    # and margin 0.2 s). --no-open only skips launching a player afterwards.
    run_row "auto-editor trimmed export" "$BENCH/ae.mp4" -- \
        "$AE" "$CLIP" -o "$BENCH/ae.mp4" --no-open
fi

# ---------------------------------------------------------- transcription ---
# Whisper through whisper.cpp on the clip's first two minutes (or all of a 1-minute clip),
# each model with a fresh cache so the row includes decoding the audio.
SPEECH_SECS=$((CLIP_SECS < 120 ? CLIP_SECS : 120))
SPEECH_CLIP="$BENCH/speech-${SPEECH_SECS}s.m4a"
if [[ $SKIP_SPEECH -eq 0 ]]; then
    ffmpeg -nostdin -v error -y -i "$CLIP" -t "$SPEECH_SECS" -vn -c:a aac -b:a 128k "$SPEECH_CLIP"
    export CUTLINE_MODELS="${CUTLINE_MODELS:-$PWD/target/models}"
    for model in base tiny.en; do
        if ! scripts/prepare-speech-model.sh "$model" >/dev/null; then
            note "NOTE: could not prepare Whisper $model; its row is left out"
            continue
        fi
        CACHE_SPEECH=$(fresh_cache "speech-$model")
        ROW_SECS=$SPEECH_SECS run_row "cutline transcribe, Whisper $model (${SPEECH_SECS} s of speech)" - -- \
            env CUTLINE_CACHE="$CACHE_SPEECH" \
            "$CUTLINE" transcribe "$SPEECH_CLIP" --model "$model" --language en \
            -o "$BENCH/speech-$model.srt"
        # The thread count cutline chose, from its own summary line.
        threads=$(grep -o '[0-9]* threads' "$LOGS/$(printf '%s' "${ROW_NAME[-1]}" | tr -c 'A-Za-z0-9' '-' | tr -s '-').log" || true)
        ROW_NAME[-1]="${ROW_NAME[-1]%)}, ${threads:-? threads})"
    done
fi

# ----------------------------------------------------- encoder settings ---
# A short description of how an MP4's video was encoded: codec, profile,
# bitrate, and the key x264 options from the SEI message x264 writes into the
# first frame (present when the encoder was libx264).
encoder_info() {
    local f="$1" codec sei tag opts
    [[ -s "$f" ]] || { echo "(no output)"; return; }
    codec=$(ffprobe -v error -select_streams v:0 \
        -show_entries stream=codec_name,profile,bit_rate,pix_fmt -of default=nw=1 "$f" |
        sed -E 's/^bit_rate=([0-9]+)$/bit_rate=\1 b\/s/' | paste -sd ' ' -)
    tag=$(ffprobe -v error -show_entries format_tags=encoder -of default=nw=1:nk=1 "$f" || true)
    sei=$(ffmpeg -nostdin -v error -i "$f" -map 0:v:0 -c copy -bsf:v h264_mp4toannexb \
        -frames:v 1 -f h264 - 2>/dev/null | LC_ALL=C grep -a -o 'x264 - core[ -~]*' | head -n 1 || true)
    printf '%s' "$codec"
    if [[ -n "$tag" ]]; then printf '; muxer %s' "$tag"; fi
    if [[ -n "$sei" ]]; then
        # Keep the options that tell presets and rate control apart.
        opts=$(printf '%s\n' "$sei" | tr ' ' '\n' |
            grep -E '^(rc|bitrate|crf|ref|subme|me|bframes|trellis|threads|rc_lookahead)=' |
            paste -sd ' ' -)
        printf '; %s; %s' "$(printf '%s' "$sei" | grep -o '^x264 - core [0-9]*')" "$opts"
    fi
    printf '\n'
}

# --------------------------------------------------------------- report ---
CPU_MODEL=$(awk -F': ' '/^model name/ { print $2; exit }' /proc/cpuinfo)
FFMPEG_VERSION=$(ffmpeg -version | head -n 1)
CUTLINE_VERSION=$("$CUTLINE" --version 2>/dev/null || echo "cutline (unknown version)")
if [[ $HAVE_AE -eq 1 ]]; then
    AE_VERSION_OUT=$("$AE" --version 2>/dev/null | head -n 1)
else
    AE_VERSION_OUT="not run"
fi

RESULTS="$BENCH/results.md"
{
    echo "## cutline benchmark: ${MINUTES}-minute 1080p30 talk clip (${CLIP_SECS} s)"
    echo
    echo "| Task | Wall (s) | × realtime | Peak RSS (MB) | Output duration (s) | Output size (MB) |"
    echo "| --- | ---: | ---: | ---: | ---: | ---: |"
    for i in "${!ROW_NAME[@]}"; do
        printf '| %s | %s | %s | %s | %s | %s |\n' "${ROW_NAME[$i]}" "${ROW_WALL[$i]}" \
            "${ROW_RT[$i]}" "${ROW_MB[$i]}" "${ROW_OUTDUR[$i]}" "${ROW_OUTMB[$i]}"
    done
    echo
    echo "× realtime = clip seconds (speech seconds for transcription) / wall seconds."
    echo "Peak RSS is GNU time's %M: the largest"
    echo "single process in the command's tree (e.g. an ffmpeg child), not a sum."
    echo "Input clip: $CLIP, $(duration_of "$CLIP") s."
    echo
    echo "Encoders used by the exports:"
    echo
    echo "- cutline (default): $(encoder_info "$BENCH/cutline-default.mp4")"
    echo "- cutline (auto-editor's settings): $(encoder_info "$BENCH/cutline-ae-settings.mp4")"
    if [[ $HAVE_AE -eq 1 ]]; then
        echo "- auto-editor (defaults): $(encoder_info "$BENCH/ae.mp4")"
    else
        echo "- auto-editor: not run (skipped or not installable)"
    fi
    echo
    echo "Machine: $(nproc) cores, ${CPU_MODEL:-unknown CPU}."
    echo "Versions: ${FFMPEG_VERSION}; ${CUTLINE_VERSION}; auto-editor ${AE_VERSION_OUT}."
} | tee "$RESULTS"

note "saved $RESULTS (whole run took $((SECONDS - SCRIPT_START)) s)"
