#!/usr/bin/env python3
"""Compares pullthrough with `cat` and kustomize's images transformer on the
corpus, in the same run. Reports the median wall time of each over several
rounds, and ratios. The machine is shared and noisy: trust medians and ratios,
not single numbers.

Usage: bench/compare.py [--rounds N] [--corpus DIR]
Needs: a release build (cargo build --release) and kubectl (kustomize built in).
"""
import argparse, os, shutil, statistics, subprocess, sys, tempfile, time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
REGISTRY = "123456789012.dkr.ecr.eu-west-1.amazonaws.com"


def timed(argv, stdin_path=None, cwd=None):
    with open(stdin_path or os.devnull, "rb") as stdin:
        start = time.perf_counter()
        r = subprocess.run(argv, stdin=stdin, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, cwd=cwd)
        elapsed = time.perf_counter() - start
    return elapsed, r.returncode


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--rounds", type=int, default=5)
    ap.add_argument("--corpus", default=os.path.join(ROOT, "testdata", "corpus"))
    args = ap.parse_args()
    binary = os.path.join(ROOT, "target", "release", "pullthrough")
    if not os.path.exists(binary):
        sys.exit("build first: cargo build --release")
    kubectl = shutil.which("kubectl")
    files = sorted(os.path.join(args.corpus, f) for f in os.listdir(args.corpus))
    size = sum(os.path.getsize(f) for f in files)

    # One kustomization per file (charts share resource names, which a single
    # kustomization rejects), with an images transformer entry.
    work = tempfile.mkdtemp(prefix="pullthrough-bench-")
    kdirs = {}
    for f in files:
        d = os.path.join(work, os.path.basename(f))
        os.makedirs(d)
        shutil.copy(f, os.path.join(d, "all.yaml"))
        with open(os.path.join(d, "kustomization.yaml"), "w") as k:
            k.write("resources: [all.yaml]\nimages:\n- name: docker.io/bitnami/nginx\n"
                    f"  newName: {REGISTRY}/docker-hub/bitnami/nginx\n")
        kdirs[f] = d
    # Keep only files every tool accepts, so all three do the same work.
    usable = []
    for f in files:
        ok = timed([binary, "--registry", REGISTRY, "-q"], f)[1] == 0
        if kubectl:
            ok = ok and timed([kubectl, "kustomize", kdirs[f]])[1] == 0
        if ok:
            usable.append(f)
    usable_size = sum(os.path.getsize(f) for f in usable)

    whole = os.path.join(work, "whole-stream.yaml")
    with open(whole, "wb") as out:
        for f in files:
            out.write(b"---\n" + open(f, "rb").read())

    tools = {
        "cat (per file)": lambda f: ["cat", f],
        "pullthrough (per file)": lambda f: [binary, "--registry", REGISTRY, "-q", f],
    }
    if kubectl:
        tools["kustomize images (per file)"] = lambda f: [kubectl, "kustomize", kdirs[f]]
    results = {name: [] for name in tools}
    stream = {"cat (one stream)": [], "pullthrough (one stream)": []}
    for _ in range(args.rounds):
        for name, argv in tools.items():
            total = 0.0
            for f in usable:
                total += timed(argv(f))[0]
            results[name].append(total)
        stream["cat (one stream)"].append(timed(["cat", whole])[0])
        stream["pullthrough (one stream)"].append(timed([binary, "--registry", REGISTRY, "-q", whole])[0])
    shutil.rmtree(work)

    print(f"corpus: {len(files)} files, {size / 1e6:.1f} MB; per-file runs use the {len(usable)} files "
          f"({usable_size / 1e6:.1f} MB) every tool accepts; {args.rounds} rounds; medians")
    base = statistics.median(results["cat (per file)"])
    for name, times in results.items():
        m = statistics.median(times)
        print(f"  {name:32} {m * 1000:9.1f} ms   {m / base:7.1f}x cat")
    if kubectl:
        k = statistics.median(results["kustomize images (per file)"])
        p = statistics.median(results["pullthrough (per file)"])
        print(f"  kustomize / pullthrough: {k / p:.1f}x")
    cat1 = statistics.median(stream["cat (one stream)"])
    p1 = statistics.median(stream["pullthrough (one stream)"])
    print(f"  {'cat (one stream)':32} {cat1 * 1000:9.1f} ms")
    print(f"  {'pullthrough (one stream)':32} {p1 * 1000:9.1f} ms   {p1 / cat1:7.1f}x cat, "
          f"{size / p1 / 1e6:.0f} MB/s")


if __name__ == "__main__":
    main()
