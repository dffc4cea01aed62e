#!/usr/bin/env python3
"""The Argo CD sidecar under load: many `pullthrough generate` requests at
once, as argocd-cmp-server runs them (one process per request, each in its
own copy of the app, all sharing one HOME and one set of Helm directories).

  size   peak memory and time of 4 and 16 concurrent requests on the largest
         chart of the corpus (its rendered manifests as a chart's template):
         what the sidecar's requests and limits in deploy/argocd follow from.
  cache  time per request, 16 at once, cold and warm caches, of a chart that
         depends on a chart from a chart repository on 127.0.0.1, for three
         ways to keep concurrent `helm dependency build`s apart: `shared`
         (one repository cache, as before; it races), `lock` (one cache, the
         dependency build serialised with an advisory file lock, flock(1)),
         `own` (a repository cache per request, what generate does now).

Memory is read from /proc every 10 ms over each request's process tree
(pullthrough and the helm it runs): per process the peak (VmHWM), and the
peak of the sum over all requests of PSS (shared pages, such as the helm
binary's, counted once in all: what a memory cgroup charges) and of
anonymous memory (RssAnon: the heap alone). pullthrough's own peak is also
read exactly (wait4) from a run on helm's output, as it lives only moments
after helm exits. Times are medians over the rounds; the machine is shared
and noisy.

Usage: bench/sidecar.py size [--rounds N] [--corpus DIR]
       bench/sidecar.py cache [--rounds N] [--latency MS] [--index-entries N]
Needs: a release build (cargo build --release), .tools/bin/helm3
(scripts/install-hosts.sh), flock(1) for `cache`.
"""
import argparse, functools, http.server, os, shutil, statistics, subprocess, sys, tempfile, threading, time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
REGISTRY = "123456789012.dkr.ecr.eu-west-1.amazonaws.com"
BINARY = os.path.join(ROOT, "target", "release", "pullthrough")
HELM = os.path.join(ROOT, ".tools", "bin", "helm3")


def status(pid):
    """The command name, VmHWM, Pss and RssAnon (bytes) of a live process."""
    try:
        with open(f"/proc/{pid}/status") as f:
            fields = dict(line.split(":", 1) for line in f if ":" in line)
        with open(f"/proc/{pid}/smaps_rollup") as f:
            fields.update(line.split(":", 1) for line in f if line.startswith("Pss:"))
    except (OSError, ValueError):
        return None
    kib = lambda k: int(fields.get(k, "0 kB").split()[0]) * 1024
    return fields["Name"].strip(), kib("VmHWM"), kib("Pss"), kib("RssAnon")


def tree(pid):
    """pid and its descendants, through /proc/PID/task/*/children."""
    out, todo = [], [pid]
    while todo:
        p = todo.pop()
        out.append(p)
        try:
            for task in os.listdir(f"/proc/{p}/task"):
                with open(f"/proc/{p}/task/{task}/children") as f:
                    todo.extend(int(c) for c in f.read().split())
        except OSError:
            pass
    return out


class Sampler(threading.Thread):
    """Samples the process trees of `roots` until stopped."""

    def __init__(self):
        super().__init__(daemon=True)
        self.roots, self.stop = [], threading.Event()
        self.peak_pss = self.peak_anon = 0
        self.hwm = {}  # pid -> (name, VmHWM)

    def run(self):
        while not self.stop.is_set():
            pss = anon = 0
            for root in list(self.roots):
                for pid in tree(root):
                    s = status(pid)
                    if s is None:
                        continue
                    name, hwm, p, a = s
                    pss, anon = pss + p, anon + a
                    self.hwm[pid] = (name, max(hwm, self.hwm.get(pid, (name, 0))[1]))
            self.peak_pss, self.peak_anon = max(self.peak_pss, pss), max(self.peak_anon, anon)
            time.sleep(0.01)

    def per_process(self, name):
        return max((h for n, h in self.hwm.values() if n.startswith(name)), default=0)


def sidecar_env(home, helm_bin):
    os.makedirs(home, exist_ok=True)
    return {
        "PATH": f"{helm_bin}:/usr/bin:/bin",
        "HOME": home,
        "TMPDIR": home,
        "HELM_CACHE_HOME": os.path.join(home, "helm/cache"),
        "HELM_CONFIG_HOME": os.path.join(home, "helm/config"),
        "HELM_DATA_HOME": os.path.join(home, "helm/data"),
        "PULLTHROUGH_REGISTRY": REGISTRY,
    }


def batch(chart, n, env, work, check):
    """n requests at once, each in its own copy of `chart`; returns the
    per-request wall times, the batch's wall time and the sampler."""
    dirs = []
    for i in range(n):
        d = os.path.join(work, f"req{i}", "app")
        shutil.copytree(chart, d)
        dirs.append(d)
    sampler = Sampler()
    sampler.start()
    procs, start = [], time.perf_counter()
    for i, d in enumerate(dirs):
        e = dict(env, ARGOCD_APP_NAME=f"app-{i}", ARGOCD_APP_NAMESPACE="shop", ARGOCD_APP_SOURCE_PATH="app",
                 KUBE_VERSION="1.32.4")
        p = subprocess.Popen([BINARY, "generate", "--quiet"], cwd=d, env=e, stdin=subprocess.DEVNULL,
                             stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        procs.append((p, time.perf_counter()))
        sampler.roots.append(p.pid)
    results = [None] * n

    def wait(i, p, began):
        out, err = p.communicate()
        results[i] = (time.perf_counter() - began, p.returncode, out, err)

    waiters = [threading.Thread(target=wait, args=(i, p, b)) for i, (p, b) in enumerate(procs)]
    for w in waiters:
        w.start()
    for w in waiters:
        w.join()
    wall = time.perf_counter() - start
    sampler.stop.set()
    sampler.join()
    failures = 0
    for i, (_, code, out, err) in enumerate(results):
        if code != 0 or not check(i, out.decode()):
            failures += 1
            print(f"    request {i} failed (exit {code}): {err.decode().strip()[-300:]}", file=sys.stderr)
    return [r[0] for r in results], wall, sampler, failures


def mb(b):
    return f"{b / 2**20:6.1f} MiB"


def size(args):
    files = [os.path.join(args.corpus, f) for f in os.listdir(args.corpus) if f.endswith(".yaml")]
    largest = max(files, key=os.path.getsize)
    with tempfile.TemporaryDirectory(prefix="pullthrough-bench-") as tmp:
        chart = os.path.join(tmp, "chart")
        os.makedirs(os.path.join(chart, "templates"))
        name = os.path.basename(largest)[: -len(".yaml")]
        with open(os.path.join(chart, "Chart.yaml"), "w") as f:
            f.write(f"apiVersion: v2\nname: {name}\nversion: 1.0.0\n")
        shutil.copy(largest, os.path.join(chart, "templates", "all.yaml"))
        helm_bin = os.path.join(tmp, "bin")
        os.makedirs(helm_bin)
        os.symlink(HELM, os.path.join(helm_bin, "helm"))
        print(f"{os.path.basename(largest)} ({os.path.getsize(largest) / 1e6:.2f} MB rendered) as a chart, "
              f"helm template + rewrite; {args.rounds} rounds", flush=True)
        check = lambda i, out: f"{REGISTRY}/docker-hub/" in out
        for n in (1, 4, 16):
            times, walls, pss, anon, pt, helm = [], [], 0, 0, 0, 0
            for r in range(args.rounds):
                work = os.path.join(tmp, f"n{n}-r{r}")
                env = sidecar_env(os.path.join(work, "home"), helm_bin)
                t, wall, s, failures = batch(chart, n, env, work, check)
                if failures:
                    sys.exit(f"{failures} of {n} requests failed")
                times += t
                walls.append(wall)
                pss, anon = max(pss, s.peak_pss), max(anon, s.peak_anon)
                pt, helm = max(pt, s.per_process("pullthrough")), max(helm, s.per_process("helm"))
                shutil.rmtree(work)
            print(f"  {n:2} at once: per request {statistics.median(times):5.2f} s median "
                  f"(max {max(times):5.2f} s), all {statistics.median(walls):5.2f} s; "
                  f"peak per process: pullthrough {mb(pt)}, helm {mb(helm)}; "
                  f"peak sum: PSS {mb(pss)}, anonymous {mb(anon)}", flush=True)
        # pullthrough alone on what helm rendered: its exact peak, from
        # /usr/bin/time (a small parent: a child of this Python process
        # would report Python's own high-water mark, which exec carries over).
        if os.path.exists("/usr/bin/time"):
            rendered = os.path.join(tmp, "rendered.yaml")
            with open(rendered, "wb") as out:
                subprocess.run([HELM, "template", "app-0", chart, "--include-crds"], stdout=out, check=True,
                               env=sidecar_env(os.path.join(tmp, "home"), helm_bin))
            with open(rendered, "rb") as stdin:
                r = subprocess.run(["/usr/bin/time", "-f", "%M", BINARY, "--registry", REGISTRY, "-q"],
                                   stdin=stdin, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, check=True)
            kib = int(r.stderr.split()[-1])
            print(f"  pullthrough alone on helm's output ({os.path.getsize(rendered) / 1e6:.2f} MB): "
                  f"peak RSS {mb(kib * 1024)}", flush=True)


class Repo(http.server.SimpleHTTPRequestHandler):
    latency = 0.0

    def do_GET(self):
        time.sleep(self.latency)
        super().do_GET()

    def log_message(self, *a):
        pass


def cache(args):
    with tempfile.TemporaryDirectory(prefix="pullthrough-bench-") as tmp:
        served = os.path.join(tmp, "served")
        lib = os.path.join(tmp, "src", "common")
        os.makedirs(os.path.join(lib, "templates"))
        with open(os.path.join(lib, "Chart.yaml"), "w") as f:
            f.write("apiVersion: v2\nname: common\nversion: 1.2.3\n")
        with open(os.path.join(lib, "templates", "cache.yaml"), "w") as f:
            f.write("apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: {{ .Release.Name }}-cache\n"
                    "spec:\n  template:\n    spec:\n      containers:\n        - name: c\n          image: redis:7.4\n")
        helm_env = dict(os.environ, HOME=tmp, HELM_CACHE_HOME=f"{tmp}/c", HELM_CONFIG_HOME=f"{tmp}/g",
                        HELM_DATA_HOME=f"{tmp}/d")
        subprocess.run([HELM, "package", lib, "-d", served], check=True, capture_output=True, env=helm_env)
        Repo.latency = args.latency / 1000
        httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(Repo, directory=served))
        url = f"http://127.0.0.1:{httpd.server_address[1]}"
        subprocess.run([HELM, "repo", "index", served, "--url", url], check=True, env=helm_env)
        if args.index_entries:
            # A repository with many charts, like a public one: a larger index to fetch and parse.
            with open(os.path.join(served, "index.yaml")) as f:
                index = f.read()
            head, rest = index.split("entries:\n", 1)
            filler = "".join(f"  filler-{i}:\n  - apiVersion: v2\n    name: filler-{i}\n    version: 1.0.{i}\n"
                             f"    digest: {i:064x}\n    created: \"2026-01-01T00:00:00Z\"\n"
                             f"    urls:\n    - {url}/filler-{i}-1.0.{i}.tgz\n" for i in range(args.index_entries))
            with open(os.path.join(served, "index.yaml"), "w") as f:
                f.write(head + "entries:\n" + filler + rest)
        threading.Thread(target=httpd.serve_forever, daemon=True).start()
        chart = os.path.join(tmp, "app")
        os.makedirs(os.path.join(chart, "templates"))
        with open(os.path.join(chart, "Chart.yaml"), "w") as f:
            f.write(f"apiVersion: v2\nname: app\nversion: 0.1.0\ndependencies:\n"
                    f"  - name: common\n    version: 1.2.3\n    repository: {url}\n")
        with open(os.path.join(chart, "templates", "pod.yaml"), "w") as f:
            f.write("apiVersion: v1\nkind: Pod\nmetadata:\n  name: web\nspec:\n  containers:\n"
                    "    - name: web\n      image: nginx:1.27\n")
        # The three variants as the `helm` on the sidecar's PATH: `shared` and
        # `lock` undo generate's own cache (HELM_REPOSITORY_CACHE), `lock`
        # also serialises `helm dependency` with flock(1) on one lock file.
        wrappers = {
            "shared": 'unset HELM_REPOSITORY_CACHE\nexec "$REAL_HELM" "$@"\n',
            "lock": 'unset HELM_REPOSITORY_CACHE\nif [ "$1" = dependency ]; then\n'
                    '  exec flock "$HOME/helm-dependency.lock" "$REAL_HELM" "$@"\nfi\nexec "$REAL_HELM" "$@"\n',
            "own": 'exec "$REAL_HELM" "$@"\n',
        }
        size_kb = os.path.getsize(os.path.join(served, "index.yaml")) / 1024
        print(f"16 at once, a chart with one dependency from {url} (index {size_kb:.0f} KiB, "
              f"{args.latency} ms per response); {args.rounds} rounds each", flush=True)
        check = lambda i, out: f"{REGISTRY}/docker-hub/library/redis:7.4" in out
        for variant, script in wrappers.items():
            helm_bin = os.path.join(tmp, f"bin-{variant}")
            os.makedirs(helm_bin)
            with open(os.path.join(helm_bin, "helm"), "w") as f:
                f.write("#!/bin/sh\n" + script)
            os.chmod(os.path.join(helm_bin, "helm"), 0o755)
            for temperature in ("cold", "warm"):
                times, walls, failed, helm, pss = [], [], 0, 0, 0
                warm_home = os.path.join(tmp, f"home-{variant}")
                # warm: one round first to fill the shared directories, not counted.
                for r in range(args.rounds + (temperature == "warm")):
                    work = os.path.join(tmp, f"{variant}-{temperature}-{r}")
                    home = warm_home if temperature == "warm" else os.path.join(work, "home")
                    env = dict(sidecar_env(home, helm_bin), REAL_HELM=HELM)
                    t, wall, sampler, failures = batch(chart, 16, env, work, check)
                    shutil.rmtree(work)
                    if temperature == "warm" and r == 0:
                        continue
                    helm, pss = max(helm, sampler.per_process("helm")), max(pss, sampler.peak_pss)
                    times += t
                    walls.append(wall)
                    failed += failures
                print(f"  {variant:6} {temperature}: per request {statistics.median(times):5.2f} s median "
                      f"(max {max(times):5.2f} s), 16 in {statistics.median(walls):5.2f} s; "
                      f"{failed} of {16 * args.rounds} failed; peak helm {mb(helm)}, sum PSS {mb(pss)}",
                      flush=True)
        httpd.shutdown()


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    sub = ap.add_subparsers(dest="what", required=True)
    s = sub.add_parser("size")
    s.add_argument("--rounds", type=int, default=3)
    s.add_argument("--corpus", default=os.path.join(ROOT, "..", "shared", "corpus")
                   if os.path.isdir(os.path.join(ROOT, "..", "shared", "corpus"))
                   else os.path.join(ROOT, "testdata", "corpus"))
    c = sub.add_parser("cache")
    c.add_argument("--rounds", type=int, default=3)
    c.add_argument("--latency", type=int, default=0, help="ms the repository waits before each response")
    c.add_argument("--index-entries", type=int, default=0, help="filler charts in the repository index")
    args = ap.parse_args()
    for path, hint in ((BINARY, "cargo build --release"), (HELM, "scripts/install-hosts.sh")):
        if not os.path.exists(path):
            sys.exit(f"{path} is missing: run {hint}")
    if args.what == "size":
        size(args)
    else:
        cache(args)


if __name__ == "__main__":
    main()
