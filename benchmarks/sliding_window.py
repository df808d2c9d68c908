"""One pass of a fully convolutional LeNet over a 32x256 strip vs cropping every 32x32 window (06).

Prints the windows, the largest difference between the two output maps, the multiply-adds of each
way and the best-of-N seconds of three ways to get the same 57 answers: one pass over the strip,
the 57 crops in one batch, and one model call per crop (the naive sliding window). Timing does not
depend on the weights, so the net is untrained. Runs on one thread unless --threads says otherwise.
Run: .venv/bin/python benchmarks/sliding_window.py [--width 256] [--repeats 50] [--threads 1]
"""

from __future__ import annotations

import argparse

import torch

from helpers.anatomy import count_connections, totals
from helpers.data import load_digits
from helpers.sliding_window import FullyConvLeNet
from helpers.sliding_window_reader import crop_windows, time_passes
from helpers.sliding_window_strips import strip_of_width
from helpers.train import set_seed


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--width", type=int, default=256)
    parser.add_argument("--repeats", type=int, default=50)
    parser.add_argument("--threads", type=int, default=1)
    args = parser.parse_args(argv)
    torch.set_num_threads(args.threads)
    set_seed(0)
    model = FullyConvLeNet().eval()
    image = strip_of_width(*load_digits("test", size=28), args.width, seed=0).image
    crops = crop_windows(image)
    with torch.no_grad():
        one = model(image[None])[0, :, 0]  # (11, n)
        each = model(crops)[:, :, 0, 0].T  # (11, n)
    diff = (one - each).abs().max().item()
    macs_one = totals(count_connections(model, tuple(image.shape), biases=False))["connections"]
    macs_crops = len(crops) * totals(count_connections(model, tuple(crops.shape[1:]), biases=False))["connections"]
    t = time_passes(model, image, repeats=args.repeats)
    print(f"strip 32x{args.width}: {crops.shape[0]} windows of 32x32 at stride 4, torch {torch.__version__}, threads: {torch.get_num_threads()}")
    print(f"largest difference between the two output maps: {diff:.2e} (should be <= 1e-5)")
    print(f"multiply-adds: one pass {macs_one / 1e6:.2f} M, every window {macs_crops / 1e6:.2f} M, ratio {macs_crops / macs_one:.2f}x")
    print(f"one pass over the strip        {t.one_pass * 1e3:8.3f} ms")
    print(f"every window cropped, batched  {t.crops_batched * 1e3:8.3f} ms   ratio {t.ratio('crops_batched'):6.1f}x")
    print(f"every window cropped, looped   {t.crops_looped * 1e3:8.3f} ms   ratio {t.ratio('crops_looped'):6.1f}x")
    return 0 if diff <= 1e-5 else 1


if __name__ == "__main__":
    raise SystemExit(main())
