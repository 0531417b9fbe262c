#!/usr/bin/env python3
"""Pillow goldens for the client-side decode and resize tests: python3 with Pillow only (Debian's python3-pil).

Usage: make-resize-goldens.py OUT_DIR [--cases N] [--seed S]

Writes, for each case i, into OUT_DIR:
  src-<i>.png        a synthetic RGB source (gradients, hard edges and noise, so every lobe of the filter shows)
  pil-<i>.png        src.resize((W, H), Image.BICUBIC)
  jpeg-<i>.jpg       src saved as JPEG (random quality, chroma subsampling, progressive)
  decoded-<i>.png    Image.open(jpeg).convert("RGB")
and cases.json: the Pillow version and, per case, the source size, the target size and the file names.
Sizes are random (1..160 a side, targets 1..200) with a few fixed edge cases: 1-pixel sides, a side left unchanged,
and an image more than 100 times taller than wide (which Pillow 12.2+ resizes vertically first). Deterministic
for a seed and a Pillow version.
"""
import argparse
import json
import os
import random

import PIL
from PIL import Image


def source(rng, w, h):
    fx, fy = rng.uniform(0.02, 0.5), rng.uniform(0.02, 0.5)
    edge = rng.randrange(max(w, 1))
    px = []
    for y in range(h):
        for x in range(w):
            r = int(127 + 127 * ((x * fx + y * fy) % 2 - 1))
            g = 255 if x >= edge else 0
            b = rng.randrange(256)
            px.append((r % 256, (g + y * 3) % 256, b))
    im = Image.new("RGB", (w, h))
    im.putdata(px)
    return im


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("out")
    ap.add_argument("--cases", type=int, default=24)
    ap.add_argument("--seed", type=int, default=1)
    args = ap.parse_args()
    rng = random.Random(args.seed)
    os.makedirs(args.out, exist_ok=True)
    sizes = [((1, 1), (5, 3)), ((7, 1), (1, 9)), ((40, 30), (40, 17)), ((40, 30), (23, 30)), ((2, 260), (3, 40))]
    while len(sizes) < args.cases:
        sizes.append(((rng.randint(1, 160), rng.randint(1, 160)), (rng.randint(1, 200), rng.randint(1, 200))))
    cases = []
    for i, ((w, h), (W, H)) in enumerate(sizes[: args.cases]):
        im = source(rng, w, h)
        im.save(os.path.join(args.out, f"src-{i}.png"))
        im.resize((W, H), Image.BICUBIC).save(os.path.join(args.out, f"pil-{i}.png"))
        jpeg = os.path.join(args.out, f"jpeg-{i}.jpg")
        im.save(jpeg, quality=rng.randint(60, 95), subsampling=rng.choice([0, 1, 2]), progressive=rng.random() < 0.3)
        Image.open(jpeg).convert("RGB").save(os.path.join(args.out, f"decoded-{i}.png"))
        cases.append({"width": w, "height": h, "target": [W, H], "src": f"src-{i}.png", "pil": f"pil-{i}.png",
                      "jpeg": f"jpeg-{i}.jpg", "decoded": f"decoded-{i}.png"})
    with open(os.path.join(args.out, "cases.json"), "w") as f:
        json.dump({"pillow": PIL.__version__, "cases": cases}, f, indent=1)
    print(len(cases), "cases, Pillow", PIL.__version__)


if __name__ == "__main__":
    main()
