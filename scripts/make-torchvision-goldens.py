#!/usr/bin/env python3
"""torchvision goldens for the Qwen3-VL-Embedding video frame chain's second resize (test/torchvision-resize.test.ts).

Usage: make-torchvision-goldens.py OUT_DIR [--src DIR] [--cases N] [--seed S]

qwen-vl-utils' fetch_video stacks the frames it resized with Pillow as
`torch.stack([torch.from_numpy(np.array(image).transpose(2, 0, 1)) for image in images])` (a uint8 T×C×H×W
tensor) and calls `torchvision.transforms.functional.resize(video, [h, w], interpolation=BICUBIC,
antialias=True)` on it. This script makes exactly that call, one frame a tensor, and writes each result as PNG:

  <name>@<W>x<H>.png   for every image file in --src (decoded with Pillow, .convert("RGB")) and each target size
  rnd-<i>.png          a synthetic RGB source (gradients, an edge, noise), and rnd-<i>@<W>x<H>.png its resize
  chain-<name>@<W1>x<H1>-<W2>x<H2>.png   a whole frame chain: Pillow's `image.resize((W1, H1))` (bicubic, what
                       fetch_image does) and then the call above to W2×H2, for the CHAINS entries found in --src

and cases.json: the torch / torchvision / Pillow / numpy versions, torch's CPU capability where it reports one,
and per case the source file, its size, the target size and the golden file. Random sizes are 1..64 a side
(targets 1..80), deterministic for a seed. Needs python3 with torch, torchvision, numpy and Pillow (Debian:
python3-torchvision python3-pil).
"""
import argparse
import json
import os
import random

import numpy as np
import PIL
import torch
import torchvision
from PIL import Image
from torchvision.transforms import InterpolationMode
from torchvision.transforms import functional as TF

# targets per committed source frame (width, height): down both sides, one side up and the other down, one side
# unchanged, strong downscale, upscale
SOURCE_TARGETS = {
    "frame-176x144.jpg": [(128, 96), (192, 128), (176, 80)],
    "frame-320x240.jpg": [(160, 120), (100, 240)],
    "photo-a.jpg": [(33, 47), (96, 64)],
    "tiny-rgba.png": [(37, 29), (7, 5)],
}

# whole frame chains per source: fetch_image's Pillow size, then fetch_video's size (qwen-vl-utils 0.0.14 sizes for
# a 176×144 frame list: smart_resize at factor 64, then at factor 32 with min_pixels 131,072)
CHAINS = {"frame-176x144.jpg": [((192, 128), (448, 320))]}


def tv_resize(im, w, h):
    """The reference call on one RGB Pillow image, as fetch_video builds its tensor."""
    video = torch.stack([torch.from_numpy(np.array(im).transpose(2, 0, 1))])
    out = TF.resize(video, [h, w], interpolation=InterpolationMode.BICUBIC, antialias=True)
    assert out.dtype == torch.uint8, out.dtype
    return Image.fromarray(out[0].permute(1, 2, 0).contiguous().numpy(), "RGB")


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


def cpu_capability():
    try:
        return torch.backends.cpu.get_cpu_capability()
    except AttributeError:
        return os.environ.get("ATEN_CPU_CAPABILITY") or "(not reported by this torch)"


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("out")
    ap.add_argument("--src", help="folder of source images (the targets of SOURCE_TARGETS are used for known names)")
    ap.add_argument("--cases", type=int, default=12)
    ap.add_argument("--seed", type=int, default=1)
    args = ap.parse_args()
    os.makedirs(args.out, exist_ok=True)
    cases = []
    chains = []
    if args.src:
        for name in sorted(os.listdir(args.src)):
            if name not in SOURCE_TARGETS:
                continue
            im = Image.open(os.path.join(args.src, name)).convert("RGB")
            for w, h in SOURCE_TARGETS[name]:
                out = f"{os.path.splitext(name)[0]}@{w}x{h}.png"
                tv_resize(im, w, h).save(os.path.join(args.out, out))
                cases.append({"source": name, "width": im.width, "height": im.height, "target": [w, h], "golden": out})
            for (w1, h1), (w2, h2) in CHAINS.get(name, []):
                out = f"chain-{os.path.splitext(name)[0]}@{w1}x{h1}-{w2}x{h2}.png"
                tv_resize(im.resize((w1, h1), Image.BICUBIC), w2, h2).save(os.path.join(args.out, out))
                chains.append({"source": name, "pil_size": [w1, h1], "torchvision_size": [w2, h2], "golden": out})
    rng = random.Random(args.seed)
    sizes = [((1, 1), (3, 2)), ((9, 1), (4, 3)), ((30, 20), (30, 7)), ((20, 30), (41, 30))]
    while len(sizes) < args.cases:
        sizes.append(((rng.randint(1, 64), rng.randint(1, 64)), (rng.randint(1, 80), rng.randint(1, 80))))
    for i, ((w, h), (tw, th)) in enumerate(sizes[: args.cases]):
        im = source(rng, w, h)
        src = f"rnd-{i}.png"
        im.save(os.path.join(args.out, src))
        out = f"rnd-{i}@{tw}x{th}.png"
        tv_resize(im, tw, th).save(os.path.join(args.out, out))
        cases.append({"source": src, "width": w, "height": h, "target": [tw, th], "golden": out})
    meta = {
        "torch": torch.__version__,
        "torchvision": torchvision.__version__,
        "pillow": PIL.__version__,
        "numpy": np.__version__,
        "cpu_capability": cpu_capability(),
        "seed": args.seed,
        "cases": cases,
        "chains": chains,
    }
    with open(os.path.join(args.out, "cases.json"), "w") as f:
        json.dump(meta, f, indent=1)
        f.write("\n")


if __name__ == "__main__":
    main()
