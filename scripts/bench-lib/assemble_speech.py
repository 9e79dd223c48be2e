#!/usr/bin/env python3
"""Assemble a "talk" sound track: spoken sentences with pauses between them.

Usage: assemble_speech.py OUT.wav SECONDS SEED SENTENCE.wav [SENTENCE.wav ...]

The sentence WAVs (all mono 16-bit, same rate, as espeak-ng writes them) are
played in turn, looping over the list, each followed by a silence drawn from
0.3 s to 2.5 s. The result is cut (or padded with silence) to exactly
SECONDS, so it lines up with the video. Only the standard library is used.
"""
import random
import sys
import wave


def main() -> None:
    if len(sys.argv) < 5:
        sys.exit(__doc__)
    out_path, seconds, seed = sys.argv[1], float(sys.argv[2]), int(sys.argv[3])
    sentence_paths = sys.argv[4:]

    # Read every sentence once; check they share one format.
    sentences = []
    params = None
    for path in sentence_paths:
        with wave.open(path, "rb") as w:
            p = (w.getnchannels(), w.getsampwidth(), w.getframerate())
            if params is None:
                params = p
            elif p != params:
                sys.exit(f"{path}: format {p} differs from {params}")
            sentences.append(w.readframes(w.getnframes()))
    channels, width, rate = params
    frame_bytes = channels * width
    total_bytes = round(seconds * rate) * frame_bytes

    rng = random.Random(seed)
    pause_total = 0.0
    pauses = 0
    chunks = []
    size = 0
    # Start with a short lead-in silence, like a real recording.
    lead = b"\x00" * (round(0.5 * rate) * frame_bytes)
    chunks.append(lead)
    size += len(lead)
    i = 0
    while size < total_bytes:
        speech = sentences[i % len(sentences)]
        chunks.append(speech)
        size += len(speech)
        # Pause lengths vary from 0.3 s to 2.5 s.
        pause = rng.uniform(0.3, 2.5)
        silence = b"\x00" * (round(pause * rate) * frame_bytes)
        chunks.append(silence)
        size += len(silence)
        pause_total += pause
        pauses += 1
        i += 1

    data = b"".join(chunks)[:total_bytes]
    data += b"\x00" * (total_bytes - len(data))

    with wave.open(out_path, "wb") as w:
        w.setnchannels(channels)
        w.setsampwidth(width)
        w.setframerate(rate)
        w.writeframes(data)
    print(
        f"speech track: {seconds:.0f} s, {i} sentences, {pauses} pauses "
        f"({pause_total:.1f} s of pause in total, before the final cut)",
        file=sys.stderr,
    )


if __name__ == "__main__":
    main()
