#!/usr/bin/env python3
"""Goldens for audio decoding and preparation: python3 with numpy, soundfile and torchaudio (Debian's
python3-soundfile and python3-torchaudio).

Usage: make-audio-goldens.py OUT_DIR [--seed S] [--random N]

Writes small WAV files (8 to 96 kHz; 1, 2, 3, 5 and 9 channels; unsigned 8-bit, 16, 24, 32-bit PCM, float32,
float64; plain and WAVE_FORMAT_EXTENSIBLE headers) and, for each, the reference outputs of VLM2Vec's eval collator
audio path (src/data/collator/eval_collator.py, MultimodalEvalDataCollator.__call__, Stars1233/VLM2Vec 44f991d),
re-implemented here step by step:
  read:      sf.read(path, start=frame_offset, frames=num_frames, dtype="float32") for a path item with start/end
             (frame_offset = int(start*sr) clamped to frames-1, num_frames = max(1, int((end-start)*sr)) clamped to
             what remains), or sf.read(io.BytesIO(bytes), dtype="float32") whole for a bytes item;
  mono:      d.mean(axis=1) for more than one channel                   -> mono-<i>.f32 (when short)
  resample:  torchaudio.functional.resample(wave, sr, 16000)            (skipped when the rates match)
  crop:      None under the minimum, else the head / middle max samples  -> out-<i>.f32 (absent when None)
and cases.json describing every case. .f32 files are raw little-endian float32.

The resampled length follows torchaudio 2.x (what VLM2Vec's torch 2.11 installs): ceil of new*length/orig taken
through a float32 tensor. Debian's torchaudio 0.13 takes it in float64 and may return one sample more; the script
cuts to the 2.x length (after checking the 0.13 output is at least that long). The kernel and conv1d are the same
code in both versions.
Deterministic for a seed and library versions.
"""
import argparse
import io
import json
import math
import os
import struct

import numpy as np
import soundfile as sf
import torch
import torchaudio

GUID_TAIL = bytes([0x00, 0x00, 0x00, 0x00, 0x10, 0x00, 0x80, 0x00, 0x00, 0xAA, 0x00, 0x38, 0x9B, 0x71])
ENCODINGS = {  # name: (format tag, bits, numpy dtype)
    "u8": (1, 8, "<u1"),
    "s16": (1, 16, "<i2"),
    "s24": (1, 24, None),
    "s32": (1, 32, "<i4"),
    "f32": (3, 32, "<f4"),
    "f64": (3, 64, "<f8"),
}


def wav_bytes(x, rate, encoding, extensible):
    """A WAV file of x (frames, channels) in [-1, 1] (floats may exceed it), written by hand so every header
    layout under test is controlled."""
    tag, bits, dtype = ENCODINGS[encoding]
    frames, channels = x.shape
    if encoding == "u8":
        data = np.clip(np.round(x * 128) + 128, 0, 255).astype("<u1").tobytes()
    elif encoding == "s16":
        data = np.clip(np.round(x * 32767), -32768, 32767).astype("<i2").tobytes()
    elif encoding == "s24":
        v = np.clip(np.round(x * 8388607), -8388608, 8388607).astype("<i4").reshape(-1)
        b = v.view(np.uint8).reshape(-1, 4)[:, :3]
        data = b.tobytes()
    elif encoding == "s32":
        data = np.clip(np.round(x.astype(np.float64) * 2147483647), -2147483648, 2147483647).astype("<i4").tobytes()
    else:
        data = x.astype(dtype).tobytes()
    block = channels * bits // 8
    if extensible:
        fmt = struct.pack("<HHIIHH", 0xFFFE, channels, rate, rate * block, block, bits)
        fmt += struct.pack("<HHI", 22, bits, (1 << channels) - 1 if channels < 32 else 0) + struct.pack("<H", tag) + GUID_TAIL
    else:
        fmt = struct.pack("<HHIIHH", tag, channels, rate, rate * block, block, bits)
    chunks = b"fmt " + struct.pack("<I", len(fmt)) + fmt
    if encoding in ("f32", "f64") and not extensible:
        chunks += b"fact" + struct.pack("<II", 4, frames)
    chunks += b"data" + struct.pack("<I", len(data)) + data + (b"\0" if len(data) % 2 else b"")
    return b"RIFF" + struct.pack("<I", 4 + len(chunks)) + b"WAVE" + chunks


def signal(rng, rate, frames, channels, amplitude):
    t = np.arange(frames) / rate
    out = np.zeros((frames, channels))
    for c in range(channels):
        for _ in range(3):
            f = rng.uniform(20, rate / 2)
            out[:, c] += np.sin(2 * np.pi * f * t + rng.uniform(0, 2 * np.pi)) / 4
        out[:, c] += rng.normal(0, 0.08, frames)
    return np.clip(out, -1, 1) * amplitude


def limits(opts, target):
    min_samples = opts.get("minSamples", int(target * 0.025))
    if "maxSeconds" in opts:
        max_samples = int(float(opts["maxSeconds"]) * target)
    elif "maxSamples" in opts:
        max_samples = int(opts["maxSamples"])
    else:
        max_samples = int(opts.get("maxFrames", 1024)) * 160
    return min_samples, max_samples, opts.get("crop", "head")


def reference(path, raw, case, target):
    """The collator's steps on one item; returns (mono float32 array, final float32 array or None, resampled length)."""
    if case["bytes"]:
        d, sr = sf.read(io.BytesIO(raw), dtype="float32")
    else:
        info = sf.info(path)
        sr = info.samplerate
        total = int(info.frames or 0)
        start, end = case["start"], case["end"]
        start_t = float(start if start is not None else 0.0)
        offset = max(0, int(start_t * sr))
        if total > 0:
            offset = min(offset, max(0, total - 1))
        if end is not None:
            n = max(1, int((float(end) - start_t) * sr))
            if total > 0:
                n = min(n, max(1, total - offset))
        else:
            n = -1
        d, sr = sf.read(path, start=offset, frames=(n if n and n > 0 else -1), dtype="float32")
    mono = d.mean(axis=1) if d.ndim > 1 else d
    wave = torch.from_numpy(mono).float()
    if wave.numel() > 0 and sr != target:
        length = wave.numel()
        wave = torchaudio.functional.resample(wave, sr, target)
        g = math.gcd(sr, target)
        want = math.ceil(np.float32((target // g) * length / (sr // g)))
        assert wave.numel() >= want, (wave.numel(), want)
        wave = wave[:want]
    resampled = wave.numel()
    min_samples, max_samples, crop = limits(case["options"], target)
    if wave.numel() < min_samples:
        return mono, None, resampled
    if wave.numel() > max_samples:
        s = 0 if crop == "head" else (wave.numel() - max_samples) // 2
        wave = wave[s : s + max_samples]
    return mono, wave.numpy().astype("<f4"), resampled


def fixed_cases():
    """(rate, channels, encoding, extensible, seconds or frames, start, end, bytes item, options)"""
    return [
        (44100, 2, "s16", False, 0.3, None, None, False, {}),
        (48000, 1, "s24", False, 0.3, 0.1, 0.25, False, {}),
        (22050, 5, "f32", True, 0.2, 0.05, None, False, {}),
        (8000, 1, "s16", False, 0.15, None, None, False, {}),
        # 320·L/441 = k + 1/441 above 2^16: float32 rounds it to k, torchaudio 2.x keeps k samples
        (22050, 1, "u8", False, "long", None, None, False, {}),
        (16000, 2, "s16", False, 0.3, None, None, False, {"maxSeconds": 0.125, "crop": "center"}),
        (44100, 2, "f64", False, 0.2, 0.05, 0.1, True, {}),
        (32000, 1, "s32", False, 0.1, 0.01, 0.04, False, {}),
        (44100, 1, "s16", False, 0.2, 0.1, 0.12, False, {}),
        (48000, 2, "s16", True, 0.1, 5.0, 6.0, False, {}),
        (11025, 3, "s24", True, 0.25, None, None, False, {"maxSeconds": 0.1}),
        (22050, 9, "f32", True, 0.05, None, None, False, {}),
        (44100, 2, "s16", False, 0.2, None, None, False, {"maxSamples": 2000, "crop": "multi_crop"}),
        (37800, 1, "f32", False, 0.1, 0.0, 0.07, False, {"minSamples": 1200}),
        (96000, 2, "s24", True, 0.1, 0.02, None, False, {}),
        (8000, 2, "u8", False, 0.2, 0.1, 0.9, False, {"maxFrames": 10}),
    ]


def random_case(rng):
    rate = int(rng.choice([8000, 11025, 16000, 22050, 24000, 32000, 44100, 48000]))
    channels = int(rng.integers(1, 7))
    encoding = str(rng.choice(list(ENCODINGS)))
    seconds = float(rng.uniform(0.02, 0.25))
    start = end = None
    if rng.random() < 0.6:
        start = round(float(rng.uniform(0, seconds)), 4)
        end = round(start + float(rng.uniform(0.005, seconds)), 4) if rng.random() < 0.7 else None
    return (rate, channels, encoding, bool(rng.random() < 0.3), seconds, start, end, bool(rng.random() < 0.2), {})


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("out")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--random", type=int, default=4, help="random cases after the fixed ones")
    args = ap.parse_args()
    os.makedirs(args.out, exist_ok=True)
    rng = np.random.default_rng(args.seed)
    target = 16000
    cases = []
    specs = fixed_cases() + [random_case(rng) for _ in range(args.random)]
    for i, (rate, channels, encoding, ext, seconds, start, end, is_bytes, opts) in enumerate(specs):
        if seconds == "long":
            inv = pow(320, -1, 441)
            frames = 91000 + ((inv - 91000) % 441)  # 320·frames ≡ 1 (mod 441)
        else:
            frames = max(1, int(seconds * rate))
        amp = 1.5 if encoding in ("f32", "f64") and i % 2 == 0 else 0.9
        x = signal(rng, rate, frames, channels, amp)
        raw = wav_bytes(x, rate, encoding, ext)
        name = f"in-{i}.wav"
        path = os.path.join(args.out, name)
        with open(path, "wb") as f:
            f.write(raw)
        case = {"input": name, "rate": rate, "channels": channels, "encoding": encoding, "extensible": ext,
                "frames": frames, "start": start, "end": end, "bytes": is_bytes, "options": opts}
        mono, out, resampled = reference(path, raw, case, target)
        case["monoLength"] = int(mono.shape[0])
        case["resampledLength"] = resampled
        if mono.shape[0] <= 20000:
            case["mono"] = f"mono-{i}.f32"
            mono.astype("<f4").tofile(os.path.join(args.out, case["mono"]))
        if out is None:
            case["output"] = None
        else:
            case["output"] = f"out-{i}.f32"
            case["outputLength"] = int(out.shape[0])
            out.tofile(os.path.join(args.out, case["output"]))
        cases.append(case)
    meta = {"torch": torch.__version__, "torchaudio": torchaudio.__version__, "soundfile": sf.__version__,
            "libsndfile": sf.__libsndfile_version__, "numpy": np.__version__, "seed": args.seed,
            "sampleRate": target, "cases": cases}
    with open(os.path.join(args.out, "cases.json"), "w") as f:
        json.dump(meta, f, indent=1)
        f.write("\n")


if __name__ == "__main__":
    main()
