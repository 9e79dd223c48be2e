#!/usr/bin/env bash
# The main job: installs what is missing, builds cutline, makes a sample talk clip (spoken
# sentences with long pauses over room noise, 1280×720) and edits it by plain words: pauses
# trimmed, framed 9:16 for a phone over a blurred fill, a title, faded in and out. Prints
# where the result is.
#
#   scripts/demo.sh                  the sample edit above
#   scripts/demo.sh edit IN -o OUT   any cutline command instead
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh >&2
export PATH="$HOME/.cargo/bin:$PATH"
cargo build --release --quiet -p cli
cutline=target/release/cutline
if [ $# -gt 0 ]; then
  exec "$cutline" "$@"
fi

out=cutline-out
mkdir -p "$out/voice"
sample="$out/sample-talk.mp4"
if [ ! -f "$sample" ]; then
  echo "making a sample clip: $sample" >&2
  sentences=(
    "Hi. This is a sample clip for cutline."
    "I pause a lot when I talk."
    "Like right there. That was a long pause."
    "cutline finds the pauses and cuts them out."
    "The words stay in sync with the picture."
  )
  pauses=(1.8 2.5 1.2 2.0 1.5)
  inputs=()
  parts=""
  for i in "${!sentences[@]}"; do
    espeak-ng -v en-us -s 160 -w "$out/voice/$i.wav" "${sentences[$i]}"
    inputs+=(-i "$out/voice/$i.wav")
    parts+="[$i:a]aresample=48000,apad=pad_dur=${pauses[$i]}[p$i];"
  done
  n=${#sentences[@]}
  labels=""
  for i in $(seq 0 $((n - 1))); do labels+="[p$i]"; done
  ffmpeg -nostdin -v error -y "${inputs[@]}" -filter_complex \
    "${parts}${labels}concat=n=$n:v=0:a=1,adelay=1000,aformat=channel_layouts=mono[voice];anoisesrc=color=pink:amplitude=0.01:r=48000[noise];[voice][noise]amix=inputs=2:normalize=0:duration=first[a]" \
    -map "[a]" "$out/voice/talk.wav"
  ffmpeg -nostdin -v error -y -f lavfi -i "testsrc2=s=1280x720:r=30" -i "$out/voice/talk.wav" \
    -shortest -c:v libx264 -preset veryfast -pix_fmt yuv420p -c:a aac -b:a 128k "$sample"
fi

"$cutline" probe "$sample"
edited="$out/sample-edited.mp4"
"$cutline" edit "$sample" \
  "trim the pauses, make it 9:16 with a blurred background, add the title 'cutline' for the first 2 seconds and fade in and out" \
  --save-draft "$out/sample-edited.json" -o "$edited"
echo "result: $(cd "$out" && pwd)/sample-edited.mp4 (timeline: $out/sample-edited.json)"
