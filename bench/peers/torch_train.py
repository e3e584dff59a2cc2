#!/usr/bin/python3
"""PyTorch peer for `npm run bench:train`: training throughput of paper 1's
six architectures in float64, the way ampfit trains them.

One run = one architecture at one thread setting. Prints one JSON line on
stdout, e.g. {"arch": "skdnn-4d", "params": 34993, "samples_per_s": 72000.0, ...};
"foreign_cpus" is how many CPUs other processes kept busy on average during
the timed steps (from /proc/stat minus this process's own CPU time), so a run
disturbed by a concurrent job can be recognised.

    OMP_NUM_THREADS=1 OPENBLAS_NUM_THREADS=1 MKL_NUM_THREADS=1 \
      /usr/bin/python3 bench/peers/torch_train.py --arch skdnn-4d --threads 1 --seconds 2

Protocol (identical to bench/train.ts's ampfit side): float64 everywhere,
uniform inputs in [0,1)^D and a smooth target on `--rows` training rows,
batch 512 drawn from a reshuffled permutation, MSE loss, Adam(lr=1e-3,
betas=(0.9, 0.999), eps=1e-7) as Keras/ampfit use; `--warmup` untimed steps,
then whole steps until at least `--seconds` have passed; samples/s = rows
stepped / wall time of the timed steps.

Threads: Debian's python3-torch does its matrix products through OpenBLAS,
whose thread pool is sized by OPENBLAS_NUM_THREADS / OMP_NUM_THREADS when the
library loads and ignores torch.set_num_threads — so the caller must set the
environment; this script also calls torch.set_num_threads(--threads) for
torch's own (OpenMP) element-wise kernels and checks the environment agrees.
`--blas-threads` (default: --threads) lets the two pools differ.
"""

import argparse
import json
import os
import sys
import time

# name -> (type, input dim, depth (layers or blocks), width, parameter count incl. biases)
ARCHS = {
    "dnn-2d": ("dnn", 2, 8, 56, 22569),
    "dnn-4d": ("dnn", 4, 8, 72, 37225),
    "dnn-8d": ("dnn", 8, 8, 100, 71701),
    "skdnn-2d": ("skdnn", 2, 9, 28, 21281),
    "skdnn-4d": ("skdnn", 4, 9, 36, 34993),
    "skdnn-8d": ("skdnn", 8, 9, 50, 67201),
}

SLOPE = 0.3  # Keras' LeakyReLU default, ampfit's default (PyTorch's is 0.01)


def parse_args():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--arch", required=True, choices=sorted(ARCHS))
    p.add_argument("--threads", type=int, default=1,
                   help="torch's own threads (torch.set_num_threads; OMP_NUM_THREADS must match)")
    p.add_argument("--blas-threads", type=int, default=None,
                   help="OpenBLAS threads (OPENBLAS_NUM_THREADS must match); default --threads")
    p.add_argument("--seconds", type=float, default=2.0, help="minimum timed wall time")
    p.add_argument("--warmup", type=int, default=20, help="untimed steps first")
    p.add_argument("--batch", type=int, default=512)
    p.add_argument("--rows", type=int, default=100_000, help="training rows to draw batches from")
    p.add_argument("--seed", type=int, default=1)
    p.add_argument(
        "--adam",
        choices=["foreach", "loop"],
        default="foreach",
        help="torch.optim.Adam implementation (the two measured the same on this CPU build)",
    )
    return p.parse_args()


def main():
    args = parse_args()
    if args.blas_threads is None:
        args.blas_threads = args.threads
    for var, want, opt in (("OMP_NUM_THREADS", args.threads, "--threads"),
                           ("OPENBLAS_NUM_THREADS", args.blas_threads, "--blas-threads")):
        if os.environ.get(var) != str(want):
            sys.exit(f"torch_train.py: {var}={os.environ.get(var)!r} but {opt} {want}; "
                     "OpenMP and OpenBLAS size their pools from the environment, set it to match")

    import torch
    import torch.nn as nn
    import torch.nn.functional as F

    torch.set_default_dtype(torch.float64)
    torch.set_num_threads(args.threads)
    torch.manual_seed(args.seed)

    kind, dim, depth, width, expected = ARCHS[args.arch]

    class DNN(nn.Module):
        """depth × (Dense(width) + LeakyReLU), then a linear Dense(1)."""

        def __init__(self):
            super().__init__()
            dims = [dim] + [width] * depth
            self.hidden = nn.ModuleList(nn.Linear(a, b) for a, b in zip(dims[:-1], dims[1:]))
            self.out = nn.Linear(width, 1)

        def forward(self, x):
            for layer in self.hidden:
                x = F.leaky_relu(layer(x), SLOPE)
            return self.out(x)

    class Block(nn.Module):
        """g(h(x) + W x), h = Dense(w, g) → Dense(w, g) → Dense(w, linear);
        W a bias-free trainable linear map if the input width differs, else identity."""

        def __init__(self, n_in):
            super().__init__()
            self.l1 = nn.Linear(n_in, width)
            self.l2 = nn.Linear(width, width)
            self.l3 = nn.Linear(width, width)
            self.skip = nn.Linear(n_in, width, bias=False) if n_in != width else None

        def forward(self, x):
            h = F.leaky_relu(self.l1(x), SLOPE)
            h = F.leaky_relu(self.l2(h), SLOPE)
            h = self.l3(h)
            s = x if self.skip is None else self.skip(x)
            return F.leaky_relu(h + s, SLOPE)

    class SkDNN(nn.Module):
        def __init__(self):
            super().__init__()
            self.blocks = nn.Sequential(*[Block(dim if i == 0 else width) for i in range(depth)])
            self.out = nn.Linear(width, 1)

        def forward(self, x):
            return self.out(self.blocks(x))

    model = DNN() if kind == "dnn" else SkDNN()
    # Glorot-uniform weights, zero biases (Keras' / ampfit's initialisation).
    for mod in model.modules():
        if isinstance(mod, nn.Linear):
            nn.init.xavier_uniform_(mod.weight)
            if mod.bias is not None:
                nn.init.zeros_(mod.bias)
    n_params = sum(p.numel() for p in model.parameters())
    assert n_params == expected, f"{args.arch}: built {n_params} parameters, paper 1 has {expected}"
    assert all(p.dtype == torch.float64 for p in model.parameters())

    opt = torch.optim.Adam(model.parameters(), lr=1e-3, betas=(0.9, 0.999), eps=1e-7,
                           foreach=(args.adam == "foreach"))

    # Data: uniform inputs, a smooth positive target (the same formula as bench/train.ts).
    gen = torch.Generator().manual_seed(args.seed)
    x_train = torch.rand(args.rows, dim, generator=gen)
    j = torch.arange(1, dim + 1, dtype=torch.float64)
    y_train = (1.0 + 0.5 * torch.sin(torch.pi * (x_train * j).sum(1) / dim)
               + 0.25 * torch.exp(-((x_train - 0.5) ** 2).sum(1))).unsqueeze(1)
    assert x_train.dtype == torch.float64 and y_train.dtype == torch.float64

    batch = args.batch
    perm = torch.randperm(args.rows, generator=gen)
    pos = 0

    def step():
        nonlocal perm, pos
        if pos + batch > args.rows:
            perm = torch.randperm(args.rows, generator=gen)
            pos = 0
        idx = perm[pos:pos + batch]
        pos += batch
        xb = x_train.index_select(0, idx)
        yb = y_train.index_select(0, idx)
        opt.zero_grad(set_to_none=True)
        loss = F.mse_loss(model(xb), yb)
        loss.backward()
        opt.step()
        return loss

    model.train()
    for _ in range(args.warmup):
        step()
    steps = 0
    busy0, own0 = _machine_busy_s(), _own_cpu_s()
    t0 = time.perf_counter()
    while True:
        loss = step()
        steps += 1
        elapsed = time.perf_counter() - t0
        if elapsed >= args.seconds:
            break
    busy1, own1 = _machine_busy_s(), _own_cpu_s()
    foreign = None if busy0 is None or busy1 is None else max(0.0, (busy1 - busy0) - (own1 - own0)) / elapsed
    final_loss = float(loss.item())
    if not (final_loss == final_loss and abs(final_loss) < float("inf")):
        sys.exit(f"torch_train.py: {args.arch}: loss is {final_loss}")

    print(json.dumps({
        "arch": args.arch,
        "params": n_params,
        "threads": args.threads,
        "blas_threads": args.blas_threads,
        "torch_threads": torch.get_num_threads(),
        "omp_wait_policy": os.environ.get("OMP_WAIT_POLICY"),
        "adam": args.adam,
        "batch": batch,
        "steps": steps,
        "seconds": elapsed,
        "samples_per_s": steps * batch / elapsed,
        "final_loss": final_loss,
        "foreign_cpus": foreign,
        "torch": torch.__version__,
        "blas": _blas_info(torch),
    }))


def _machine_busy_s():
    """CPU seconds all processes on the machine have spent busy (from /proc/stat), or None."""
    try:
        with open("/proc/stat") as f:
            fields = [int(v) for v in f.readline().split()[1:]]
    except (OSError, ValueError):
        return None
    idle = fields[3] + (fields[4] if len(fields) > 4 else 0)
    guest = sum(fields[8:10])  # already counted in user/nice
    return (sum(fields) - idle - guest) / os.sysconf("SC_CLK_TCK")


def _own_cpu_s():
    """CPU seconds of this process, all threads (OpenBLAS and OpenMP workers included)."""
    t = os.times()
    return t.user + t.system


def _blas_info(torch):
    """The BLAS library torch actually loaded (Debian: the libblas.so.3 alternative)."""
    try:
        with open("/proc/self/maps") as maps:
            libs = {line.split()[-1] for line in maps if "blas" in os.path.basename(line.split()[-1])}
    except OSError:
        return None
    found = sorted(n for n in libs if "openblas" in n) or sorted(libs)
    return found[-1] if found else None


if __name__ == "__main__":
    main()
