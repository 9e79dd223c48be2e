#!/usr/bin/env bash
# Installs what cutline needs on a Debian/Ubuntu machine, only what is missing (safe to run
# again): ffmpeg/ffprobe, espeak-ng (test speech), fonts for titles (Latin and CJK), tmux (the
# chat client's terminal test), cmake and libclang (whisper.cpp is built by the speech crate),
# Python with numpy, pip and venv (the test speech model is converted from PyPI packages; the
# test LLM server is built from PyPI), and a Rust toolchain when there is none.
set -euo pipefail

need_packages=()
command -v ffmpeg >/dev/null 2>&1 && command -v ffprobe >/dev/null 2>&1 || need_packages+=(ffmpeg)
command -v espeak-ng >/dev/null 2>&1 || need_packages+=(espeak-ng)
[ -f /usr/share/fonts/truetype/dejavu/DejaVuSans-Bold.ttf ] || need_packages+=(fonts-dejavu-core)
[ -f /usr/share/fonts/opentype/noto/NotoSansCJK-Bold.ttc ] || need_packages+=(fonts-noto-cjk)
command -v cc >/dev/null 2>&1 && command -v c++ >/dev/null 2>&1 || need_packages+=(build-essential)
command -v pgrep >/dev/null 2>&1 || need_packages+=(procps)
# The chat client is tested in a real terminal.
command -v tmux >/dev/null 2>&1 || need_packages+=(tmux)
command -v cmake >/dev/null 2>&1 || need_packages+=(cmake)
dpkg -s libclang-dev >/dev/null 2>&1 || need_packages+=(libclang-dev clang)
command -v python3 >/dev/null 2>&1 || need_packages+=(python3)
python3 -m pip --version >/dev/null 2>&1 || need_packages+=(python3-pip)
python3 -c 'import numpy' >/dev/null 2>&1 || python3 -m venv --help >/dev/null 2>&1 || need_packages+=(python3-venv python3-numpy)
# The test LLM server (llama-cpp-python) is built in a venv.
python3 -c 'import ensurepip, venv' >/dev/null 2>&1 || need_packages+=(python3-venv)
command -v curl >/dev/null 2>&1 || command -v cargo >/dev/null 2>&1 || need_packages+=(curl ca-certificates)

if [ ${#need_packages[@]} -gt 0 ]; then
  echo "setup: installing ${need_packages[*]}" >&2
  sudo=""
  if [ "$(id -u)" -ne 0 ]; then
    command -v sudo >/dev/null 2>&1 || { echo "setup: run as root or install sudo to install ${need_packages[*]}" >&2; exit 1; }
    sudo="sudo"
  fi
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${need_packages[@]}" >/dev/null
fi

if ! command -v cargo >/dev/null 2>&1 && [ -x "$HOME/.cargo/bin/cargo" ]; then
  export PATH="$HOME/.cargo/bin:$PATH"
fi
if ! command -v cargo >/dev/null 2>&1; then
  echo "setup: installing the Rust toolchain with rustup" >&2
  curl --proto '=https' --tlsv1.2 -sSf https://sh.rustup.rs | sh -s -- -y --profile minimal --component clippy,rustfmt
fi
