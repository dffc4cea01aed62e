#!/usr/bin/env python3
"""Time and peak memory of pullthrough on large streams built from the corpus
(about 20 MB and 200 MB), to check that time is linear and memory stays
within 3x the input. Medians over several runs; the machine is shared.

Usage: bench/limits.py [--rounds N]   (after cargo build --release)
"""
import argparse, os, statistics, subprocess, sys, tempfile, time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def measure(binary, path):
    with open(path, "rb") as stdin, open(os.devnull, "wb") as out:
        start = time.perf_counter()
        proc = subprocess.Popen([binary, "--registry", "123456789012.dkr.ecr.eu-west-1.amazonaws.com", "-q"],
                                stdin=stdin, stdout=out, stderr=subprocess.DEVNULL)
        _, status, usage = os.wait4(proc.pid, 0)
        elapsed = time.perf_counter() - start
    if os.waitstatus_to_exitcode(status) != 0:
        sys.exit(f"pullthrough failed on {path}")
    return elapsed, usage.ru_maxrss * 1024  # ru_maxrss is in KiB on Linux


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--rounds", type=int, default=3)
    args = ap.parse_args()
    binary = os.path.join(ROOT, "target", "release", "pullthrough")
    corpus = os.path.join(ROOT, "testdata", "corpus")
    whole = b"".join(b"---\n" + open(os.path.join(corpus, f), "rb").read() for f in sorted(os.listdir(corpus)))
    with tempfile.TemporaryDirectory() as tmp:
        rows = []
        for copies in (4, 40):
            path = os.path.join(tmp, f"x{copies}.yaml")
            with open(path, "wb") as f:
                for _ in range(copies):
                    f.write(whole)
            size = os.path.getsize(path)
            runs = [measure(binary, path) for _ in range(args.rounds)]
            t = statistics.median(r[0] for r in runs)
            rss = max(r[1] for r in runs)
            rows.append((size, t, rss))
            print(f"{size / 1e6:7.1f} MB on stdin: {t:6.2f} s median, {size / t / 1e6:5.1f} MB/s, "
                  f"peak RSS {rss / 1e6:6.1f} MB = {rss / size:.2f}x input")
        (s1, t1, _), (s2, t2, _) = rows
        print(f"time ratio {t2 / t1:.1f} for size ratio {s2 / s1:.1f} (linear means equal)")


if __name__ == "__main__":
    main()
