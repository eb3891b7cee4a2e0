#!/usr/bin/python3
"""Our benchmarks against the PyTorch peer, in one markdown table.

    bazel run -c opt //experiments/benchmarks:compare -- [--repetitions=3] [--bf16]
        [--threads=1,2] [--batch=64,128,256,512] [--rounds=2] [--peer=PATH]

For each thread count: ops_benchmark (Google Benchmark, JSON) and the peer
(shared/peers/run_pytorch_peer.sh, one JSON line per configuration) back to
back, `rounds` times (A B A B by default), each with `repetitions`
repetitions; then one more short process per side for the peak resident
memory of a CNN training step (wait4's ru_maxrss: the whole process, the
peer's Python interpreter and PyTorch included). Prints the table on
stdout, progress on stderr. A benchmark, never a test: figures depend on the
machine and its load (the table prints the load average).

Cells: each round's median, round 1 / round 2; the ratio is ours / peer on
the medians of all repetitions of all rounds. The CNN step's GFLOP/s comes
from its layer shapes (CNN_LAYERS below) and is also given as a fraction of
the same run's sgemm 2048^3. --batch adds batch sizes to ours (in each
workload's unit, see WORKLOADS) besides the peer's; the peer has fixed
batches, so rows at other batches have no peer figure.

--bf16 adds, in every round, ours in bf16 mixed precision (ops_benchmark
--precision=bf16) and the peer in bf16 autocast (its --bf16), and a second
table per thread count: each side's float32 and bf16 figures, our bf16 /
float32 factor, and our bf16 against the peer's faster precision. (On a CPU
without AVX512-BF16 or AMX, ops_benchmark runs bf16 requests in float32 and
reports so; the table names the precision each side ran.)
"""
import argparse
import json
import os
import re
import statistics
import subprocess
import sys
import tempfile

# Our benchmark and the peer's record for each of the peer's workloads.
# batch: the unit of --batch and of the peer's batch; items: what one
# batch feeds (images, sequences); peer_batch/peer_reps read the peer's JSON.
WORKLOADS = [
    {
        "key": "cnn",
        "bench": "BM_CnnTripletTrainStep",
        "label": "cnn triplet step",
        "batch_unit": "triplets",
        "items_per_batch": 3,
        "unit": "images/s",
        "peer_batch": lambda r: r["triplets_per_step"],
        "peer_reps": lambda r: [3 * x for x in r["triplets_per_s"]["reps"]],
    },
    {
        "key": "cnn_batchhard",
        "bench": "BM_CnnBatchHardTrainStep",
        "label": "cnn batch-hard step",
        "batch_unit": "images",
        "items_per_batch": 1,
        "unit": "images/s",
        "peer_batch": lambda r: r["images_per_step"],
        "peer_reps": lambda r: list(r["images_per_s"]["reps"]),
    },
    {
        "key": "cnn_infer",
        "bench": "BM_CnnInference",
        "label": "cnn inference",
        "batch_unit": "images",
        "items_per_batch": 1,
        "unit": "embeddings/s",
        "peer_batch": lambda r: r["batch"],
        "peer_reps": lambda r: list(r["embeddings_per_s"]["reps"]),
    },
    {
        "key": "transformer",
        "bench": "BM_TransformerContrastiveTrainStep",
        "label": "transformer contrastive step",
        "batch_unit": "pairs",
        "items_per_batch": 2,
        "unit": "sequences/s",
        "peer_batch": lambda r: r["pairs_per_step"],
        "peer_reps": lambda r: [2 * x for x in r["pairs_per_s"]["reps"]],
    },
]
MATMUL_N = 2048
PEER_DEFAULT_BATCH = {"cnn": 128, "cnn_batchhard": 256, "cnn_infer": 256, "transformer": 128}

# The benchmark CNN (small_cnn.h, the peer's EmbedCNN with pad 1) on 1x28x28:
# (name, multiply-adds per image, input needs a gradient).
CNN_LAYERS = [
    ("conv1 1->32 3x3 on 28x28", 32 * 28 * 28 * 1 * 9, False),
    ("conv2 32->64 3x3 on 14x14", 64 * 14 * 14 * 32 * 9, True),
    ("fc1 3136->128", 64 * 7 * 7 * 128, True),
    ("fc2 128->64", 128 * 64, True),
]


def cnn_forward_flops():
    """FLOPs of one image's forward pass (2 per multiply-add)."""
    return sum(2 * macs for _, macs, _ in CNN_LAYERS)


def cnn_train_flops():
    """FLOPs of one image in a training step: forward, weight gradient, and
    input gradient of every layer but the first (the images need none).
    Element-wise work, pooling and the loss are left out (under 1%)."""
    return sum(2 * macs * (3 if grad_in else 2) for _, macs, grad_in in CNN_LAYERS)


# --------------------------------------------------------------------------
# Parsing


def ours_filter():
    names = "|".join(w["bench"] for w in WORKLOADS)
    return f"^({names})/batch:|^BM_MatMul/{MATMUL_N}/"


def parse_ours(doc):
    """Google Benchmark JSON -> ({(key, batch): [per-repetition rate]}, context).
    Matmul is keyed ("matmul", n) in GFLOP/s; errors raise."""
    out = {}
    by_bench = {w["bench"]: w["key"] for w in WORKLOADS}
    for b in doc.get("benchmarks", []):
        if b.get("run_type", "iteration") != "iteration":
            continue
        if b.get("error_occurred"):
            raise RuntimeError(f"ours: {b['name']}: {b.get('error_message', 'error')}")
        parts = b["run_name"].split("/")
        if parts[0] == "BM_MatMul":
            out.setdefault(("matmul", int(parts[1])), []).append(b["GFLOP/s"] / 1e9)
        elif parts[0] in by_bench:
            m = re.fullmatch(r"batch:(\d+)", parts[1])
            if not m:
                raise RuntimeError(f"ours: unexpected name {b['run_name']}")
            out.setdefault((by_bench[parts[0]], int(m.group(1))), []).append(
                b["items_per_second"])
    return out, doc.get("context", {})


def parse_peer(text):
    """The peer's stdout (one JSON object a line) -> ({(key, batch): [rates]},
    {key: the record's top level}, for the memory run and the header)."""
    out, tops = {}, {}
    for line in text.splitlines():
        line = line.strip()
        if not line.startswith("{"):
            continue
        doc = json.loads(line)
        for w in WORKLOADS:
            if w["key"] in doc:
                r = doc[w["key"]]
                out.setdefault((w["key"], int(w["peer_batch"](r))), []).extend(w["peer_reps"](r))
                tops[w["key"]] = doc
        if "matmul" in doc:
            r = doc["matmul"]
            out.setdefault(("matmul", int(r["n"])), []).extend(r["reps"])
            tops["matmul"] = doc
    return out, tops


# --------------------------------------------------------------------------
# Table


def fmt(v):
    if v is None:
        return "—"
    return f"{v:,.0f}" if abs(v) >= 100 else f"{v:,.2f}" if abs(v) < 10 else f"{v:,.1f}"


def rounds_cell(rounds, key):
    meds = [statistics.median(r[key]) for r in rounds if r.get(key)]
    return " / ".join(fmt(m) for m in meds) if meds else "—"


def pooled(rounds, key):
    vals = [v for r in rounds for v in r.get(key, [])]
    return statistics.median(vals) if vals else None


def ratio(a, b):
    return f"{a / b:.2f}x" if a is not None and b else "—"


def build_bf16_table(ours32, ours16, peer32, peer16, our_precision="bf16"):
    """Markdown rows: float32 and bf16 of both sides for each workload at the
    peer's batch, our bf16 / float32, and our bf16 / the peer's faster
    precision. Arguments: one {(key, batch): [rates]} per round each."""
    keys = set()
    for r in ours16 + peer16:
        keys.update(k for k in r if k[0] != "matmul")
    keys = {k for k in keys if PEER_DEFAULT_BATCH.get(k[0]) == k[1]}
    order = {w["key"]: i for i, w in enumerate(WORKLOADS)}
    wl = {w["key"]: w for w in WORKLOADS}
    lines = [f"| workload | ours float32 | ours {our_precision} | ours {our_precision} / float32 "
             "| peer float32 | peer bf16 autocast | ours {p} / peer's faster |".format(
                 p=our_precision),
             "|---|---|---|---|---|---|---|"]
    rows = [(k, f"{wl[k[0]]['label']}, batch {k[1]} {wl[k[0]]['batch_unit']}, "
             f"{wl[k[0]]['unit']}") for k in sorted(keys, key=lambda k: (order[k[0]], k[1]))]
    rows.append((("matmul", MATMUL_N), f"matmul {MATMUL_N}³, GFLOP/s"))
    for key, label in rows:
        o32, o16 = pooled(ours32, key), pooled(ours16, key)
        p32, p16 = pooled(peer32, key), pooled(peer16, key)
        best = max((v for v in (p32, p16) if v is not None), default=None)
        lines.append(f"| {label} | {rounds_cell(ours32, key)} | {rounds_cell(ours16, key)} | "
                     f"{ratio(o16, o32)} | {rounds_cell(peer32, key)} | "
                     f"{rounds_cell(peer16, key)} | {ratio(o16, best)} |")
    return lines


def build_table(ours_rounds, peer_rounds, memory=None, bf16=False, our_precision="float32"):
    """Markdown rows for one thread count. ours_rounds/peer_rounds: one
    {(key, batch): [rates]} per round. memory: (ours KiB, peer KiB, label)."""
    keys = set()
    for r in ours_rounds + peer_rounds:
        keys.update(k for k in r if k[0] != "matmul")
    order = {w["key"]: i for i, w in enumerate(WORKLOADS)}
    wl = {w["key"]: w for w in WORKLOADS}
    lines = ["| workload | ours | peer | ratio (ours/peer) |", "|---|---|---|---|"]
    for key in sorted(keys, key=lambda k: (order[k[0]], k[1])):
        w = wl[key[0]]
        items = w["items_per_batch"] * key[1]
        size = f"batch {key[1]} {w['batch_unit']}"
        if w["items_per_batch"] != 1:
            size += f" = {items} {w['unit'].split('/')[0]}"
        lines.append(f"| {w['label']}, {size}, {w['unit']} | {rounds_cell(ours_rounds, key)} | "
                     f"{rounds_cell(peer_rounds, key)} | "
                     f"{ratio(pooled(ours_rounds, key), pooled(peer_rounds, key))} |")
    mm = ("matmul", MATMUL_N)
    peer_mm_label = "bf16" if bf16 else "float32"
    mm_label = (f"matmul {MATMUL_N}³, GFLOP/s (ours {our_precision}, peer {peer_mm_label})")
    lines.append(f"| {mm_label} | {rounds_cell(ours_rounds, mm)} | {rounds_cell(peer_rounds, mm)} | "
                 f"{ratio(pooled(ours_rounds, mm), pooled(peer_rounds, mm))} |")
    flops = cnn_train_flops()
    for key in sorted(k for k in keys if k[0] == "cnn"):
        og, pg = pooled(ours_rounds, key), pooled(peer_rounds, key)
        og = og * flops / 1e9 if og is not None else None
        pg = pg * flops / 1e9 if pg is not None else None
        lines.append(f"| cnn triplet step, batch {key[1]}, GFLOP/s "
                     f"({flops / 1e6:.2f} MFLOP/image, from the layer shapes) | {fmt(og)} | "
                     f"{fmt(pg)} | {ratio(og, pg)} |")
        om, pm = pooled(ours_rounds, mm), pooled(peer_rounds, mm)
        of = og / om if og is not None and om else None
        pf = pg / pm if pg is not None and pm else None
        lines.append(f"| cnn triplet step, batch {key[1]}, GFLOP/s / the run's matmul "
                     f"{MATMUL_N}³ GFLOP/s | {fmt(of)} | {fmt(pf)} | — |")
    if memory is not None:
        ok, pk, label = memory
        om = ok / 1024 if ok else None
        pm = pk / 1024 if pk else None
        lines.append(f"| peak resident memory, {label}, MiB (whole process) | {fmt(om)} | "
                     f"{fmt(pm)} | {ratio(om, pm)} |")
    return lines


# --------------------------------------------------------------------------
# Running


def log(msg):
    print(msg, file=sys.stderr, flush=True)


def cpu_model():
    """lscpu's model name, with family/model (a VM may show only "AMD EPYC")
    and whether the CPU has AVX512-BF16 and AMX (the bf16 paths)."""
    try:
        out = subprocess.run(["lscpu"], capture_output=True, text=True, check=True).stdout
    except (OSError, subprocess.CalledProcessError):
        return "unknown (no lscpu)"
    return describe_cpu(out)


def describe_cpu(lscpu):
    def field(name):
        m = re.search(rf"^{name}:\s*(.+)$", lscpu, re.M)
        return m.group(1).strip() if m else None

    flags = set((field("Flags") or "").split())
    parts = [f"{k} {field(n)}" for k, n in (("family", "CPU family"), ("model", "Model"))
             if field(n)]
    parts.append("AVX512-BF16 " + ("yes" if "avx512_bf16" in flags else "no"))
    parts.append("AMX-BF16 " + ("yes" if "amx_bf16" in flags else "no"))
    return f"{field('Model name') or 'unknown'} ({', '.join(parts)})"


def load_average():
    try:
        with open("/proc/loadavg") as f:
            return [float(x) for x in f.read().split()[:3]]
    except (OSError, ValueError):
        return None


def load_text(load):
    return " ".join(f"{x:.2f}" for x in load) if load else "?"


def run_with_rss(cmd, stdout, env=None):
    """Runs cmd (stdout to the file object `stdout`, stderr to ours); returns
    (exit code, peak resident KiB of that process)."""
    p = subprocess.Popen(cmd, stdout=stdout, stderr=sys.stderr, env=env)
    _, status, usage = os.wait4(p.pid, 0)
    p.returncode = os.waitstatus_to_exitcode(status)
    return p.returncode, usage.ru_maxrss


def run_ours(args, threads, tmp, tag, precision="float32"):
    out = os.path.join(tmp, f"ours_{tag}.json")
    cmd = [args.ours, f"--threads={threads}", f"--benchmark_filter={ours_filter()}",
           f"--benchmark_repetitions={args.repetitions}", f"--benchmark_out={out}",
           "--benchmark_out_format=json", f"--precision={precision}"]
    if args.batch:  # and the peer's batches, for the ratios
        cmd.append("--batch=" + ",".join(str(b) for b in args.batch) + ",peer")
    log(f"[ours {tag}] {' '.join(cmd)}")
    rc, _ = run_with_rss(cmd, sys.stderr)
    if rc != 0:
        sys.exit(f"compare: ops_benchmark exited with {rc}")
    with open(out) as f:
        return parse_ours(json.load(f))


def run_peer(args, threads, tmp, tag, bf16=False):
    cmd = ["bash", args.peer, "--threads", str(threads), "--reps", str(args.repetitions)]
    if bf16:
        cmd.append("--bf16")
    log(f"[peer {tag}] {' '.join(cmd)}")
    out = os.path.join(tmp, f"peer_{tag}.jsonl")
    with open(out, "w") as f:
        rc, _ = run_with_rss(cmd, f)
    if rc != 0:
        sys.exit(f"compare: {args.peer} exited with {rc}")
    with open(out) as f:
        return parse_peer(f.read())


def memory_run(args, threads, peer_tops, tmp):
    """Peak RSS of a process running the cnn training step (batch 128
    triplets, a few steps), ours and the peer's (its tuned configuration:
    the environment and layout its own cnn run reported)."""
    cmd = [args.ours, f"--threads={threads}",
           f"--benchmark_filter=^BM_CnnTripletTrainStep/batch:{PEER_DEFAULT_BATCH['cnn']}/",
           "--benchmark_min_time=0.01"]
    log(f"[memory ours] {' '.join(cmd)}")
    rc, ours_kib = run_with_rss(cmd, sys.stderr)
    if rc != 0:
        ours_kib = None
    peer_kib = None
    top = peer_tops.get("cnn")
    bench = args.peer_bench or os.path.join(os.path.dirname(args.peer), "pytorch_siamese_bench.py")
    if top is not None and os.path.exists(bench):
        env = dict(os.environ)
        env.update(top.get("env", {}))
        cmd = ["/usr/bin/python3", bench, "--threads", str(threads), "--only", "cnn",
               "--warmup", "1", "--reps", "1", "--steps-cnn", "3"]
        if top.get("channels_last"):
            cmd.append("--channels-last")
        log(f"[memory peer] {' '.join(cmd)}")
        with open(os.path.join(tmp, "peer_memory.jsonl"), "w") as f:
            rc, peer_kib = run_with_rss(cmd, f, env)
        if rc != 0:
            peer_kib = None
    else:
        log(f"[memory peer] skipped: no cnn record from the peer or no {bench}")
    return ours_kib, peer_kib


def parse_list(text):
    try:
        vals = [int(x) for x in text.split(",") if x.strip()]
    except ValueError:
        raise argparse.ArgumentTypeError(f"wants integers separated by commas, got {text!r}")
    if not vals or min(vals) <= 0:
        raise argparse.ArgumentTypeError(f"wants positive integers, got {text!r}")
    return vals


def default_ours():
    here = os.path.dirname(os.path.abspath(sys.argv[0]))
    for p in (os.path.join(sys.argv[0] + ".runfiles", "siamese", "experiments", "benchmarks",
                           "ops_benchmark"),
              os.path.join("experiments", "benchmarks", "ops_benchmark"),
              os.path.join(here, "ops_benchmark")):
        if os.path.exists(p):
            return os.path.abspath(p)
    return None


def main(argv):
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--repetitions", type=int, default=3,
                    help="repetitions per round and side (medians)")
    ap.add_argument("--rounds", type=int, default=2, help="ours, peer, ours, peer, ...")
    ap.add_argument("--threads", type=parse_list, default=[2], help="e.g. 1,2")
    ap.add_argument("--batch", type=parse_list, default=None,
                    help="our batches besides the peer's, e.g. 64,128,256,512")
    ap.add_argument("--bf16", action="store_true",
                    help="also ours in bf16 and the peer in bf16 autocast, a second table")
    ap.add_argument("--no-memory", action="store_true", help="skip the peak-memory runs")
    root = os.environ.get("BUILD_WORKSPACE_DIRECTORY", os.getcwd())
    ap.add_argument("--peer", default=os.path.join(root, "..", "shared", "peers",
                                                   "run_pytorch_peer.sh"))
    ap.add_argument("--peer-bench", default=None,
                    help="the peer's python script for the memory run "
                         "(default: pytorch_siamese_bench.py beside --peer)")
    ap.add_argument("--ours", default=default_ours(), help="the ops_benchmark binary")
    args = ap.parse_args(argv)
    if args.repetitions < 1 or args.rounds < 1:
        ap.error("--repetitions and --rounds must be at least 1")
    if not args.ours or not os.path.exists(args.ours):
        ap.error("ops_benchmark not found; run through bazel run or pass --ours")
    args.peer = os.path.normpath(args.peer)
    if not os.path.exists(args.peer):
        ap.error(f"peer script {args.peer} not found; pass --peer")
    if args.batch and any(b % 8 for b in args.batch):
        ap.error("--batch: cnn_batchhard needs multiples of 8 (classes x 8)")

    tmp = tempfile.mkdtemp(prefix="siamese_compare_")
    log(f"raw outputs in {tmp}")
    load_before = load_average()
    sections = []
    for threads in args.threads:
        ours_rounds, peer_rounds, ctx, tops = [], [], {}, {}
        ours16, peer16, ctx16 = [], [], {}
        for r in range(args.rounds):
            tag = f"t{threads}_r{r + 1}"
            o, ctx = run_ours(args, threads, tmp, tag)
            ours_rounds.append(o)
            p, t = run_peer(args, threads, tmp, tag)
            peer_rounds.append(p)
            tops.update(t)
            if args.bf16:
                o, ctx16 = run_ours(args, threads, tmp, tag + "_bf16", "bf16")
                ours16.append(o)
                p, _ = run_peer(args, threads, tmp, tag + "_bf16", bf16=True)
                peer16.append(p)
        memory = None
        if not args.no_memory:
            ok, pk = memory_run(args, threads, tops, tmp)
            memory = (ok, pk, f"cnn triplet step, batch {PEER_DEFAULT_BATCH['cnn']} triplets")
        precision = ctx.get("precision", "float32")
        peer_threads = sorted({str(t.get("num_threads")) for t in tops.values()})
        head = (f"threads: ours {ctx.get('threads', threads)}, peer {', '.join(peer_threads)}; "
                f"precision: ours {precision}, peer float32")
        sections.append((head, build_table(ours_rounds, peer_rounds, memory, False, precision)))
        if args.bf16:
            p16 = ctx16.get("precision", "float32")
            sections.append((f"threads: ours {ctx16.get('threads', threads)}, peer "
                             f"{', '.join(peer_threads)}; float32 and mixed precision "
                             f"(ours ran {p16})",
                             build_bf16_table(ours_rounds, ours16, peer_rounds, peer16, p16)))
    load_after = load_average()

    cpus = os.cpu_count() or 1
    print(f"CPU: {cpu_model()}, {cpus} logical CPUs; "
          f"load average (1/5/15 min) before {load_text(load_before)}, "
          f"after {load_text(load_after)}")
    if load_before and load_before[0] > cpus / 2:
        print("WARNING: the machine was busy before the run (1-min load average "
              f"{load_before[0]:.2f} on {cpus} CPUs): the figures are noisy.")
    print(f"Order: ours, peer x {args.rounds} rounds, {args.repetitions} repetitions each; "
          "cells: each round's median (round 1 / round 2 ...); "
          "ratio: ours / peer on the medians of all repetitions.")
    for head, lines in sections:
        print()
        print(head)
        print()
        print("\n".join(lines))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
