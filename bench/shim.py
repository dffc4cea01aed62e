#!/usr/bin/env python3
"""What a render through the helm shim costs beyond the pipe's own time.

For each sampled corpus file, in one run and interleaved round by round:

  native  `helm template shop .` with the real tool alone on PATH
  shim    the same with the shims first on PATH (install-shims' copy)
  pipe    `pullthrough --registry R FILE`: the pipe on the same bytes

The real tool is a stand-in that prints the file (`exec cat FILE`), so the
figures hold the shim's work and not Helm's own noise (a real `helm
template` varies by more than the budget between two runs). The shim's
extra cost is median(shim) - median(native) - median(pipe): what the shim
adds beyond running the tool and then the pipe, that is its own start, the
supervisor's, and the settings. Budget (issue 18): at most 2 ms.

Usage: bench/shim.py [--rounds N] [--binary PATH]
Needs: cargo build --release (or the static musl binary, which is used when
present, as the init container copies it).
"""
import argparse, os, shlex, shutil, statistics, subprocess, sys, tempfile, time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
REGISTRY = "123456789012.dkr.ecr.eu-west-1.amazonaws.com"
BUDGET_MS = 2.0


def run_once(argv, env, cwd):
    """Wall time of one run, its stdout read through a pipe as Argo CD reads
    it (to /dev/null, cat would not copy the bytes at all)."""
    start = time.perf_counter()
    p = subprocess.run(argv, env=env, cwd=cwd, stdin=subprocess.DEVNULL,
                       stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
    elapsed = time.perf_counter() - start
    if p.returncode != 0:
        sys.exit(f"failed ({p.returncode}): {shlex.join(argv)}")
    return elapsed


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--rounds", type=int, default=30)
    ap.add_argument("--binary")
    args = ap.parse_args()
    static = os.path.join(ROOT, "target/x86_64-unknown-linux-musl/release/pullthrough")
    binary = args.binary or (static if os.path.exists(static) else os.path.join(ROOT, "target/release/pullthrough"))
    if not os.path.exists(binary):
        sys.exit(f"{binary} is missing: cargo build --release")
    corpus = sorted(os.path.join(ROOT, "testdata/corpus", f) for f in os.listdir(os.path.join(ROOT, "testdata/corpus")))
    by_size = sorted(corpus, key=os.path.getsize)
    # The smallest, the median and the largest chart.
    sample = [by_size[0], by_size[len(by_size) // 2], by_size[-1]]
    with tempfile.TemporaryDirectory() as tmp:
        shims, real = os.path.join(tmp, "shims"), os.path.join(tmp, "real")
        os.mkdir(shims)
        os.mkdir(real)
        subprocess.run([binary, "install-shims", shims], check=True, stderr=subprocess.DEVNULL)
        base = {"HOME": tmp, "PULLTHROUGH_REGISTRY": REGISTRY, "PULLTHROUGH_THREADS": "1"}
        print(f"binary: {os.path.relpath(binary, ROOT)}; {args.rounds} rounds, medians in ms")
        print(f"{'file':<40} {'KB':>6} {'native':>8} {'shim':>8} {'pipe':>8} {'extra':>8}")
        worst = 0.0
        for path in sample:
            with open(os.path.join(real, "helm"), "w") as f:
                f.write(f"#!/bin/sh\nexec cat {shlex.quote(path)}\n")
            os.chmod(os.path.join(real, "helm"), 0o755)
            env_native = dict(base, PATH=f"{real}:/usr/bin:/bin")
            env_shim = dict(base, PATH=f"{shims}:{real}:/usr/bin:/bin")
            helm = ["helm", "template", "shop", "."]
            pipe = [binary, "--registry", REGISTRY, "--threads", "1", path]
            times = {"native": [], "shim": [], "pipe": []}
            for _ in range(3):  # warm the page cache
                run_once(helm, env_shim, tmp)
            for _ in range(args.rounds):
                times["native"].append(run_once(helm, env_native, tmp))
                times["shim"].append(run_once(helm, env_shim, tmp))
                times["pipe"].append(run_once(pipe, base, tmp))
            med = {k: statistics.median(v) * 1000 for k, v in times.items()}
            extra = med["shim"] - med["native"] - med["pipe"]
            worst = max(worst, extra)
            print(f"{os.path.basename(path):<40} {os.path.getsize(path) // 1024:>6} "
                  f"{med['native']:>8.2f} {med['shim']:>8.2f} {med['pipe']:>8.2f} {extra:>8.2f}")
        print("commands:")
        print(f"  native: PATH=REAL:/usr/bin:/bin {shlex.join(helm)}   (REAL/helm: exec cat FILE)")
        print(f"  shim:   PATH=SHIMS:REAL:/usr/bin:/bin {shlex.join(helm)}   (SHIMS: {os.path.relpath(binary, ROOT)} install-shims SHIMS)")
        print(f"  pipe:   {shlex.join(pipe).replace(ROOT + '/', '')}")
        verdict = "within" if worst <= BUDGET_MS else "OVER"
        print(f"worst extra: {worst:.2f} ms ({verdict} the {BUDGET_MS} ms budget)")


if __name__ == "__main__":
    main()
