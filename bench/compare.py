#!/usr/bin/env python3
"""Benchmarks pullthrough against `cat` and kustomize's images transformer
on the corpus, in one run, and prints the exact command of every figure.

1. Throughput (MB/s): the corpus as one stream (every file, each after a
   `---` line) through `cat`, pullthrough with one thread (`--threads 1`)
   and with all cores (no flag); kustomize's images transformer (`kubectl
   kustomize` on a kustomization with an `images:` entry) cannot take the
   charts as one stream (they share resource names), so it runs once per
   file and its MB/s includes a start-up per file.
2. Per-file cost: 25 corpus files (every 4th of the sorted names), one
   process each, for `/bin/true`, `cat`, the static musl binary and
   kustomize; reported as ms per file above `/bin/true`.

Medians of --rounds rounds (default 5); the machine is shared and noisy, so
trust medians and ratios. Beside them, instruction counts from `valgrind
--tool=callgrind` (stable under load): pullthrough with one thread and with
all cores on the stream, the static binary on the per-file sample (summed).
Valgrind runs threads one at a time, so a count is the total work of all
threads, not the time.

Usage: bench/compare.py [--rounds N] [--corpus DIR] [--no-callgrind]
Needs: cargo build --release, and for part 2 cargo build --release --target
x86_64-unknown-linux-musl; kubectl (kustomize built in) and valgrind are used
when found.
"""
import argparse, os, re, shlex, shutil, statistics, subprocess, sys, tempfile, time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
REGISTRY = "123456789012.dkr.ecr.eu-west-1.amazonaws.com"
SAMPLE_EVERY, SAMPLE_SIZE = 4, 25


def run_once(argv, stdin_path=None):
    """Wall time, CPU time (user + system) and exit code of one run; its
    stdout and stderr are dropped. CPU time moves less than wall time when
    other work shares the cores."""
    with open(stdin_path or os.devnull, "rb") as stdin:
        start = time.perf_counter()
        p = subprocess.Popen(argv, stdin=stdin, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        _, status, usage = os.wait4(p.pid, 0)
        elapsed = time.perf_counter() - start
    return elapsed, usage.ru_utime + usage.ru_stime, os.waitstatus_to_exitcode(status)


def instructions(argv):
    """Instructions callgrind counts for one run (all threads together)."""
    with tempfile.TemporaryDirectory() as tmp:
        out = os.path.join(tmp, "callgrind.out")
        r = subprocess.run(["valgrind", "--tool=callgrind", f"--callgrind-out-file={out}"] + argv,
                           stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    m = re.search(r"Collected : (\d+)", r.stderr)
    if not m:
        sys.exit(f"callgrind gave no count for {shlex.join(argv)}:\n{r.stderr[-2000:]}")
    return int(m.group(1))


def show(argv):
    return shlex.join(argv).replace(ROOT + "/", "")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--rounds", type=int, default=5)
    ap.add_argument("--corpus", default=os.path.join(ROOT, "testdata", "corpus"))
    ap.add_argument("--no-callgrind", action="store_true", help="skip the instruction counts")
    args = ap.parse_args()
    binary = os.path.join(ROOT, "target", "release", "pullthrough")
    static = os.path.join(ROOT, "target", "x86_64-unknown-linux-musl", "release", "pullthrough")
    if not os.path.exists(binary):
        sys.exit("build first: cargo build --release")
    if not os.path.exists(static):
        print(f"note: no {show([static])} (cargo build --release --target x86_64-unknown-linux-musl): "
              "the per-file part uses target/release/pullthrough")
        static = binary
    kubectl = shutil.which("kubectl")
    callgrind = not args.no_callgrind and shutil.which("valgrind")
    # Until the parallel path is there, "all cores" is the same run as one thread.
    help_text = subprocess.run([binary, "--help"], capture_output=True, text=True).stdout
    threads = "--threads" in help_text
    cores = os.cpu_count()
    files = sorted(os.path.join(args.corpus, f) for f in os.listdir(args.corpus))
    sample = files[::SAMPLE_EVERY][:SAMPLE_SIZE]

    work = tempfile.mkdtemp(prefix="pullthrough-bench-")
    whole = os.path.join(work, "whole.yaml")
    with open(whole, "wb") as out:
        for f in files:
            out.write(b"---\n" + open(f, "rb").read())
    size = os.path.getsize(whole)
    # One kustomization per file (charts share resource names, which a single
    # kustomization rejects), with an images transformer entry.
    kdirs = {}
    for f in files:
        d = os.path.join(work, os.path.basename(f))
        os.makedirs(d)
        shutil.copy(f, os.path.join(d, "all.yaml"))
        with open(os.path.join(d, "kustomization.yaml"), "w") as k:
            k.write("resources: [all.yaml]\nimages:\n- name: docker.io/bitnami/nginx\n"
                    f"  newName: {REGISTRY}/docker-hub/bitnami/nginx\n")
        kdirs[f] = d
    kustomize = lambda f: [kubectl, "kustomize", kdirs[f]]
    tool = [binary, "--registry", REGISTRY, "-q"]
    one_thread = tool + (["--threads", "1"] if threads else [])

    # Part 1: the stream. Each entry: name, argv, stdin.
    stream = [("cat", ["cat"], whole),
              ("pullthrough, 1 thread", one_thread, whole),
              (f"pullthrough, all cores ({cores})" if threads else "pullthrough, all cores (no --threads yet)",
               tool, whole)]
    k_files = [f for f in files if kubectl and run_once(kustomize(f))[2] == 0]
    # Part 2: one process per file.
    per_file = [("/bin/true", lambda f: ["/bin/true", f]),
                ("cat", lambda f: ["cat", f]),
                ("pullthrough static (musl)", lambda f: [static, "--registry", REGISTRY, "-q", f])]
    if kubectl:
        per_file.append(("kustomize images", kustomize))
    for f in sample:
        if run_once(per_file[2][1](f))[2] != 0:
            sys.exit(f"pullthrough failed on {f}")

    # Wall and CPU seconds of each round.
    t_stream = {name: [] for name, _, _ in stream}
    t_kustomize = []
    t_file = {name: [] for name, _ in per_file}
    total = lambda runs: tuple(map(sum, zip(*((w, c) for w, c, _ in runs))))
    for _ in range(args.rounds):
        for name, argv, stdin in stream:
            t_stream[name].append(run_once(argv, stdin)[:2])
        if kubectl:
            t_kustomize.append(total(run_once(kustomize(f)) for f in k_files))
        for name, argv in per_file:
            t_file[name].append(total(run_once(argv(f)) for f in sample))
    wall = lambda rounds: statistics.median(r[0] for r in rounds)
    cpu = lambda rounds: statistics.median(r[1] for r in rounds)

    counts = {}
    if callgrind:
        counts["pullthrough, 1 thread"] = instructions(one_thread + [whole])
        if threads:
            counts[stream[2][0]] = instructions(tool + [whole])
        counts["pullthrough static (musl)"] = sum(
            instructions([static, "--registry", REGISTRY, "-q", f]) for f in sample)
    shutil.rmtree(work)

    counted = ("instruction counts from valgrind --tool=callgrind (all threads' work summed)"
               if callgrind else "no instruction counts (no valgrind, or --no-callgrind)")
    print(f"{args.rounds} rounds, medians; {cores} cores; CPU is user + system time; {counted}")
    print(f"\n1. Throughput: the corpus as one stream ({len(files)} files, {size / 1e6:.1f} MB, "
          f"each after a '---' line), stdin from the file")
    cat = wall(t_stream["cat"])
    for name, argv, stdin in stream:
        m, c = wall(t_stream[name]), cpu(t_stream[name])
        count = f"   {counts[name] / 1e9:6.3f} G instr" if name in counts else ""
        print(f"  {name:38} {m * 1000:8.1f} ms  {size / m / 1e6:7.1f} MB/s  {m / cat:6.1f}x cat   "
              f"CPU {c * 1000:7.1f} ms{count}")
        print(f"      $ {show(argv)} < whole.yaml")
    if kubectl:
        k_size = sum(os.path.getsize(f) for f in k_files)
        m = wall(t_kustomize)
        print(f"  {'kustomize images, per file':38} {m * 1000:8.1f} ms  {k_size / m / 1e6:7.1f} MB/s  "
              f"{m / cat * size / k_size:6.1f}x cat (same bytes), start-up included: "
              f"{len(k_files)} files, {k_size / 1e6:.1f} MB")
        print(f"      $ {show(kustomize(files[0])).replace(kdirs[files[0]], 'WORK/FILE')} "
              "(kustomization.yaml: resources: [all.yaml], an images: entry)")

    n = len(sample)
    sample_size = sum(os.path.getsize(f) for f in sample)
    print(f"\n2. Per-file cost: {n} corpus files (every {SAMPLE_EVERY}th sorted name, "
          f"{sample_size / 1e3:.0f} KB in all), one process each")
    true, true_cpu = wall(t_file["/bin/true"]), cpu(t_file["/bin/true"])
    cat = wall(t_file["cat"])
    for name, argv in per_file:
        m, c = wall(t_file[name]), cpu(t_file[name])
        count = f"   {counts[name] / 1e6 / n:6.2f} M instr per file" if name in counts else ""
        print(f"  {name:28} {m / n * 1000:7.3f} ms per file  {(m - true) / n * 1000:7.3f} ms above /bin/true  "
              f"{m / cat:6.1f}x cat   CPU {(c - true_cpu) / n * 1000:6.3f} ms above /bin/true{count}")
        shown = show(argv(sample[0])).replace(kdirs[sample[0]], "WORK/FILE")
        print(f"      $ {shown.replace(os.path.basename(sample[0]), 'FILE')}")
    if kubectl:
        k = wall(t_file["kustomize images"])
        p = wall(t_file["pullthrough static (musl)"])
        print(f"  kustomize / pullthrough, per file: {k / p:.1f}x")


if __name__ == "__main__":
    main()
