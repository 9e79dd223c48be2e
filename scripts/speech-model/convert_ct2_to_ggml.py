#!/usr/bin/env python3
"""Convert a CTranslate2 (faster-whisper) Whisper model to a whisper.cpp ggml file.

Inputs:
  --model-bin PART [PART ...]  CTranslate2 model.bin, or its parts in order (they are
                               concatenated byte for byte).
  --mel-filters FILE           mel_filters.npz from openai-whisper's whisper/assets.
  --tokenizer FILE             multilingual.tiktoken (or gpt2.tiktoken for *.en models).
  --out FILE                   ggml model to write (written to FILE.tmp, then renamed).

The output layout is the one of whisper.cpp's models/convert-pt-to-ggml.py:
hparams, mel filters, tiktoken vocabulary, then every tensor under its OpenAI
Whisper name. Only numpy is needed.
"""
import argparse
import base64
import os
import re
import struct
import sys

import numpy as np

# CTranslate2 DataType ids (include/ctranslate2/types.h).
CT2_DTYPES = {0: np.float32, 1: np.int8, 2: np.int16, 3: np.int32, 4: np.float16}


def read_ct2(data):
    """Parse CTranslate2 model.bin (binary version 6): returns (spec name, {name: array})."""
    pos = 0

    def take(fmt):
        nonlocal pos
        vals = struct.unpack_from("<" + fmt, data, pos)
        pos += struct.calcsize("<" + fmt)
        return vals[0] if len(vals) == 1 else vals

    def string():
        nonlocal pos
        n = take("H")  # length includes the trailing NUL
        s = data[pos:pos + n - 1].decode("utf-8")
        pos += n
        return s

    version = take("I")
    if version != 6:
        sys.exit(f"unsupported CTranslate2 binary version {version} (expected 6)")
    spec = string()
    revision = take("I")
    tensors = {}
    for _ in range(take("I")):
        name = string()
        rank = take("B")
        shape = [take("I") for _ in range(rank)]
        dtype = take("B")
        nbytes = take("I")
        if dtype not in CT2_DTYPES:
            sys.exit(f"{name}: unsupported CTranslate2 dtype id {dtype}")
        arr = np.frombuffer(data, CT2_DTYPES[dtype], nbytes // np.dtype(CT2_DTYPES[dtype]).itemsize, pos)
        tensors[name] = arr.reshape(shape)
        pos += nbytes
    for _ in range(take("I")):
        alias, target = string(), string()
        tensors[alias] = tensors[target]
    if pos != len(data):
        sys.exit(f"model.bin: {len(data) - pos} trailing bytes; wrong part order or truncated file?")
    print(f"read {spec} revision {revision}: {len(tensors)} variables", file=sys.stderr)
    return spec, tensors


def sinusoids(length, channels, max_timescale=10000):
    """OpenAI Whisper's encoder positional embedding."""
    inc = np.log(max_timescale) / (channels // 2 - 1)
    inv = np.exp(-inc * np.arange(channels // 2))
    t = np.arange(length)[:, None] * inv[None, :]
    return np.concatenate([np.sin(t), np.cos(t)], axis=1).astype(np.float32)


def to_openai(ct):
    """Map CTranslate2 WhisperSpec variables to OpenAI Whisper state_dict names."""
    if any(k.endswith("_scale") for k in ct):
        sys.exit("quantized (int8) CTranslate2 models are not supported; use a float16/float32 one")
    n_enc = len({k.split("/")[1] for k in ct if re.match(r"encoder/layer_\d+/", k)})
    n_dec = len({k.split("/")[1] for k in ct if re.match(r"decoder/layer_\d+/", k)})
    out = {}

    def linear(dst, src, bias=True):
        out[dst + ".weight"] = ct[src + "/weight"]
        if bias:
            out[dst + ".bias"] = ct[src + "/bias"]

    def norm(dst, src):
        out[dst + ".weight"] = ct[src + "/gamma"]
        out[dst + ".bias"] = ct[src + "/beta"]

    def fused(dst, src, parts):
        # CTranslate2 concatenates the projections along the output dimension, in
        # the order q, k, v (self-attention) or k, v (cross-attention). Whisper's
        # key projection has no bias; CTranslate2 stores zeros there, dropped here.
        w = np.split(ct[src + "/weight"], len(parts), axis=0)
        b = np.split(ct[src + "/bias"], len(parts), axis=0)
        for part, wi, bi in zip(parts, w, b):
            out[f"{dst}.{part}.weight"] = wi
            if part == "key":
                if np.any(bi):
                    sys.exit(f"{src}: key bias is not zero; whisper.cpp has no slot for it")
            else:
                out[f"{dst}.{part}.bias"] = bi

    # Encoder.
    pos = ct.get("encoder/position_encodings/encodings")
    n_audio_ctx, n_audio_state = (pos.shape if pos is not None
                                  else (1500, ct["encoder/conv1/weight"].shape[0]))
    out["encoder.positional_embedding"] = pos if pos is not None else sinusoids(n_audio_ctx, n_audio_state)
    for i in (1, 2):
        linear(f"encoder.conv{i}", f"encoder/conv{i}")
    for i in range(n_enc):
        s, d = f"encoder/layer_{i}", f"encoder.blocks.{i}"
        norm(f"{d}.attn_ln", f"{s}/self_attention/layer_norm")
        fused(f"{d}.attn", f"{s}/self_attention/linear_0", ["query", "key", "value"])
        linear(f"{d}.attn.out", f"{s}/self_attention/linear_1")
        norm(f"{d}.mlp_ln", f"{s}/ffn/layer_norm")
        linear(f"{d}.mlp.0", f"{s}/ffn/linear_0")
        linear(f"{d}.mlp.2", f"{s}/ffn/linear_1")
    norm("encoder.ln_post", "encoder/layer_norm")

    # Decoder.
    out["decoder.token_embedding.weight"] = ct["decoder/embeddings/weight"]
    out["decoder.positional_embedding"] = ct["decoder/position_encodings/encodings"]
    for i in range(n_dec):
        s, d = f"decoder/layer_{i}", f"decoder.blocks.{i}"
        norm(f"{d}.attn_ln", f"{s}/self_attention/layer_norm")
        fused(f"{d}.attn", f"{s}/self_attention/linear_0", ["query", "key", "value"])
        linear(f"{d}.attn.out", f"{s}/self_attention/linear_1")
        norm(f"{d}.cross_attn_ln", f"{s}/attention/layer_norm")
        linear(f"{d}.cross_attn.query", f"{s}/attention/linear_0")
        fused(f"{d}.cross_attn", f"{s}/attention/linear_1", ["key", "value"])
        linear(f"{d}.cross_attn.out", f"{s}/attention/linear_2")
        norm(f"{d}.mlp_ln", f"{s}/ffn/layer_norm")
        linear(f"{d}.mlp.0", f"{s}/ffn/linear_0")
        linear(f"{d}.mlp.2", f"{s}/ffn/linear_1")
    norm("decoder.ln", "decoder/layer_norm")

    n_vocab, n_text_state = ct["decoder/embeddings/weight"].shape
    hparams = {
        "n_vocab": n_vocab,
        "n_audio_ctx": n_audio_ctx,
        "n_audio_state": n_audio_state,
        "n_audio_head": int(ct["encoder/num_heads"]),
        "n_audio_layer": n_enc,
        "n_text_ctx": ct["decoder/position_encodings/encodings"].shape[0],
        "n_text_state": n_text_state,
        "n_text_head": int(ct["decoder/num_heads"]),
        "n_text_layer": n_dec,
        "n_mels": ct["encoder/conv1/weight"].shape[1],
    }
    return hparams, out


def write_ggml(path, hparams, tensors, filters, tokens):
    keep_f32 = {"encoder.conv1.bias", "encoder.conv2.bias",
                "encoder.positional_embedding", "decoder.positional_embedding"}
    tmp = path + ".tmp"
    with open(tmp, "wb") as f:
        f.write(struct.pack("i", 0x67676D6C))  # "ggml"
        for key in ("n_vocab", "n_audio_ctx", "n_audio_state", "n_audio_head", "n_audio_layer",
                    "n_text_ctx", "n_text_state", "n_text_head", "n_text_layer", "n_mels"):
            f.write(struct.pack("i", int(hparams[key])))
        f.write(struct.pack("i", 1))  # use_f16
        f.write(struct.pack("ii", *filters.shape))
        f.write(filters.astype("<f4").tobytes())
        f.write(struct.pack("i", len(tokens)))
        for tok in tokens:
            f.write(struct.pack("i", len(tok)))
            f.write(tok)
        for name, data in tensors.items():
            data = np.asarray(data)
            if name in ("encoder.conv1.bias", "encoder.conv2.bias"):
                data = data.reshape(data.shape[0], 1)
            if data.ndim < 2 or name in keep_f32:
                data, ftype = data.astype("<f4"), 0
            else:
                data, ftype = data.astype("<f2"), 1
            enc = name.encode("utf-8")
            f.write(struct.pack("iii", data.ndim, len(enc), ftype))
            for dim in reversed(data.shape):
                f.write(struct.pack("i", dim))
            f.write(enc)
            f.write(np.ascontiguousarray(data).tobytes())
    os.replace(tmp, path)


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--model-bin", nargs="+", required=True)
    ap.add_argument("--mel-filters", required=True)
    ap.add_argument("--tokenizer", required=True)
    ap.add_argument("--out", required=True)
    args = ap.parse_args()

    data = b"".join(open(p, "rb").read() for p in args.model_bin)
    spec, ct = read_ct2(data)
    if spec != "WhisperSpec":
        sys.exit(f"not a Whisper model: spec {spec}")
    hparams, tensors = to_openai(ct)

    if "encoder/position_encodings/encodings" in ct:
        diff = np.abs(ct["encoder/position_encodings/encodings"].astype(np.float32)
                      - sinusoids(hparams["n_audio_ctx"], hparams["n_audio_state"])).max()
        print(f"stored encoder positional embedding vs sinusoids: max diff {diff:.2e}", file=sys.stderr)

    with np.load(args.mel_filters) as f:
        filters = f[f"mel_{hparams['n_mels']}"]

    ranked = []
    with open(args.tokenizer, "rb") as f:
        for line in f.read().splitlines():
            if line.strip():
                tok, rank = line.split()
                ranked.append((int(rank), base64.b64decode(tok)))
    ranked.sort()
    if [r for r, _ in ranked] != list(range(len(ranked))):
        sys.exit("tokenizer ranks are not contiguous")
    tokens = [t for _, t in ranked]

    print(f"hparams: {hparams}; mel filters {filters.shape}; {len(tokens)} tokens; "
          f"{len(tensors)} tensors", file=sys.stderr)
    write_ggml(args.out, hparams, tensors, filters, tokens)
    print(f"wrote {args.out} ({os.path.getsize(args.out)} bytes)", file=sys.stderr)


if __name__ == "__main__":
    main()
