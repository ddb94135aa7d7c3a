"""Writes BENCHMARKS.md (to stdout) from one run of scripts/bench.sh: the hyperfine JSON files, the
peak RSS files, env.tsv and notes.tsv of a results folder. Every ratio is computed here from medians
of that one run; nothing is carried over from earlier runs except the hand-written speed-work
section (speed-work.md beside this file), which says which run its figures come from.

usage: report.py RESULTS_DIR
"""
import json
import os
import statistics
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
GIB = 1 << 30


def load(rdir):
    runs = {}
    for f in sorted(os.listdir(rdir)):
        if not f.endswith(".json"):
            continue
        try:
            with open(os.path.join(rdir, f)) as fh:
                doc = json.load(fh)
        except (OSError, ValueError):
            continue  # a benchmark that failed part-way (bench.sh stopped there and said why)
        r = doc["results"][0]
        rid = f[: -len(".json")]
        times = r["times"]
        rss = None
        try:
            with open(os.path.join(rdir, rid + ".rss")) as fh:
                rss = int(fh.read().split()[-1])
        except (OSError, ValueError, IndexError):
            pass
        q = statistics.quantiles(times, n=4) if len(times) >= 2 else [times[0]] * 3
        runs[rid] = {
            "command": r["command"],
            "median": r["median"],
            "min": r["min"],
            "max": r["max"],
            "q1": q[0],
            "q3": q[2],
            "n": len(times),
            "user": r.get("user"),
            "system": r.get("system"),
            "rss_kib": rss,
        }
    return runs


def tsv(path):
    out = {}
    try:
        with open(path) as fh:
            for line in fh:
                k, _, v = line.rstrip("\n").partition("\t")
                out[k] = v
    except OSError:
        pass
    return out


def fmt_t(s):
    if s is None:
        return "–"
    if s < 1:
        return f"{s * 1000:.1f} ms"
    return f"{s:.2f} s"


def fmt_rss(kib):
    return "–" if kib is None else f"{kib / 1024:.0f} MiB"


# (id, what it is)
SECTIONS = [
    ("Stage: statemgr, one-shot operations on a ZooKeeper node (whole processes)", [
        ("statemgr-get-ours", "`heron-statemgr get executionstate` (connect, read, decode, JSON, close)"),
        ("statemgr-get-kazoo", "kazoo + heronpy from a fresh Python: the same read, decode, JSON"),
        ("statemgr-get-zkcli", "`zkCli.sh get` (one JVM, raw bytes)"),
        ("statemgr-set-ours", "`heron-statemgr set executionstate --replace < bytes` (decoded and checked first)"),
        ("statemgr-set-kazoo", "kazoo + heronpy: decode the same bytes, `set`"),
        ("statemgr-set-zkcli", "`zkCli.sh set` (JSON text as the data: it takes no binary)"),
        ("statemgr-list-ours", "`heron-statemgr list` (21 topologies; the nine folders)"),
        ("statemgr-list-kazoo", "kazoo: children of the nine folders, JSON"),
        ("statemgr-list-zkcli", "`zkCli.sh ls` of one folder"),
    ]),
    ("Stage: render one Aurora job file", [
        ("render-ours", "`heron-aurora-render` with the cluster's heron.aurora, 13 bindings, to a file"),
    ]),
    ("Stage: upload 1 GiB (incompressible) to local disk", [
        ("upload-local-ours", "`heron-uploader upload` (localfs, prints the URI; kernel copy, no sha256, rename into place)"),
        ("upload-local-cp", "`cp`"),
        ("upload-local-ours-json", "`heron-uploader --format json upload` (sha256 computed alongside the copy and reported)"),
        ("upload-local-cp-sha256", "`cp` then `openssl dgst -sha256` of the copy"),
        ("upload-local-sha256", "`openssl dgst -sha256` of the same 1 GiB (no copy): the hash alone"),
    ]),
    ("Stage: upload 1 GiB to S3 (s3s-fs on loopback: one thread completes the upload)", [
        ("upload-s3-ours", "`heron-uploader upload` (multipart, sha256 in the metadata; object absent before)"),
        ("upload-s3-aws", "`aws s3 cp` (awscli defaults: 8 MiB parts, 10 in flight)"),
        ("upload-s3-ours-unsigned", "`heron-uploader upload` with `heron.uploader.s3.payload.signing=unsigned` (UNSIGNED-PAYLOAD bodies, what https endpoints get by default)"),
    ]),
    ("Stage: upload 1 GiB to S3 (SeaweedFS on loopback: parts served on several threads)", [
        ("upload-swfs-ours", "`heron-uploader upload` (multipart, signed bodies, sha256 in the metadata; object absent before)"),
        ("upload-swfs-aws", "`aws s3 cp` (awscli defaults: 8 MiB parts, 10 in flight)"),
        ("upload-swfs-ours-unsigned", "`heron-uploader upload` with `heron.uploader.s3.payload.signing=unsigned`"),
    ]),
    ("Stage: upload 1 GiB to S3 (MinIO on loopback, one drive: parts served on several threads)", [
        ("upload-minio-ours", "`heron-uploader upload` (multipart, signed bodies, sha256 in the metadata; object absent before)"),
        ("upload-minio-aws", "`aws s3 cp` (awscli defaults: 8 MiB parts, 10 in flight)"),
        ("upload-minio-ours-unsigned", "`heron-uploader upload` with `heron.uploader.s3.payload.signing=unsigned`"),
    ]),
    ("Stage: upload to HDFS (MiniDFSCluster on loopback: 1 NameNode + 1 DataNode in one JVM)", [
        ("upload-hdfs-ours", "1 GiB: `heron-uploader upload` (hdfs-native, no JVM; prints the URI)"),
        ("upload-hdfs-hadoop", "1 GiB: `hadoop fs -put` (Hadoop 3.5.0 FsShell, one JVM)"),
        ("upload-hdfs-ours-json", "1 GiB: `heron-uploader --format json upload` (sha256 computed on the way and recorded, as `heron submit` asks)"),
        ("upload-hdfs-ours-200m", "200 MB (a fat jar): `heron-uploader upload`"),
        ("upload-hdfs-hadoop-200m", "200 MB: `hadoop fs -put`"),
    ]),
    ("Package build: topology.tar.gz of a 200 MB jar (+ defn + conf folder)", [
        ("package-ours", "heron's package builder (`heron_cli::topology::package::build`), as a whole process"),
        ("package-before", "the same builder before the speed work: one `flate2` encoder (fast level), fsync"),
        ("package-gnutar", "GNU `tar -chzf` (gzip -6)"),
        ("package-pytarfile", "Python `tarfile.open(..., 'w:gz', dereference=True)` as Heron's CLI (gzip -9)"),
    ]),
    ("Submit end to end (YAML or .defn topology: no program to run)", [
        ("submit-yaml", "`heron submit` of a YAML topology: local-disk state and package, aurora stand-in"),
        ("submit-floor", "the chain's floor: the same YAML `heron submit` with every stage (statemgr, uploader, render, aurora) a tiny static program that only prints its answer"),
        ("submit-defn", "`heron submit` of a .defn topology, same backends"),
        ("submit-java-version", "`java -version` (one JVM start; Heron's own CLI starts Python and at least one JVM per submit)"),
    ]),
]

# Bytes each upload row moves (for its throughput column).
UPLOAD_BYTES = {rid: GIB for rid in (
    "upload-local-ours", "upload-local-cp", "upload-local-sha256", "upload-local-ours-json",
    "upload-local-cp-sha256", "upload-s3-ours", "upload-s3-aws", "upload-s3-ours-unsigned",
    "upload-swfs-ours", "upload-swfs-aws", "upload-swfs-ours-unsigned",
    "upload-minio-ours", "upload-minio-aws", "upload-minio-ours-unsigned",
    "upload-hdfs-ours", "upload-hdfs-hadoop", "upload-hdfs-ours-json")}
UPLOAD_BYTES.update({"upload-hdfs-ours-200m": 200 * 1000 * 1000, "upload-hdfs-hadoop-200m": 200 * 1000 * 1000})

# (label, ours, baseline, required, mode). mode "faster": ratio = baseline / ours, required is its
# minimum. mode "within": ratio = ours / baseline (how far above the floor we are), required is its
# maximum.
TARGETS = [
    ("one-shot statemgr get vs kazoo (fresh Python)", "statemgr-get-ours", "statemgr-get-kazoo", 5.0, "faster"),
    ("one-shot statemgr get vs zkCli.sh", "statemgr-get-ours", "statemgr-get-zkcli", None, "faster"),
    ("statemgr set vs kazoo", "statemgr-set-ours", "statemgr-set-kazoo", None, "faster"),
    ("statemgr list vs kazoo", "statemgr-list-ours", "statemgr-list-kazoo", None, "faster"),
    ("upload 1 GiB to S3 (SeaweedFS) vs `aws s3 cp`, signed bodies", "upload-swfs-ours", "upload-swfs-aws", 1.5, "faster"),
    ("upload 1 GiB to S3 (SeaweedFS), unsigned bodies, vs `aws s3 cp`", "upload-swfs-ours-unsigned", "upload-swfs-aws", None, "faster"),
    ("upload 1 GiB to S3 (MinIO) vs `aws s3 cp`, signed bodies", "upload-minio-ours", "upload-minio-aws", None, "faster"),
    ("upload 1 GiB to S3 (MinIO), unsigned bodies, vs `aws s3 cp`", "upload-minio-ours-unsigned", "upload-minio-aws", None, "faster"),
    ("upload 1 GiB to S3 (s3s-fs) vs `aws s3 cp`, signed bodies", "upload-s3-ours", "upload-s3-aws", None, "faster"),
    ("upload 1 GiB to S3 (s3s-fs), unsigned bodies, vs `aws s3 cp`", "upload-s3-ours-unsigned", "upload-s3-aws", None, "faster"),
    ("upload 1 GiB to local disk vs `cp`", "upload-local-ours", "upload-local-cp", 0.9, "faster"),
    ("upload 1 GiB to local disk with its sha256 (`--format json`) vs `cp` + `openssl dgst -sha256`",
     "upload-local-ours-json", "upload-local-cp-sha256", None, "faster"),
    ("upload 1 GiB to HDFS vs `hadoop fs -put`", "upload-hdfs-ours", "upload-hdfs-hadoop", 1.5, "faster"),
    ("upload 1 GiB to HDFS with its sha256 (`--format json`) vs `hadoop fs -put`", "upload-hdfs-ours-json",
     "upload-hdfs-hadoop", None, "faster"),
    ("upload 200 MB to HDFS vs `hadoop fs -put`", "upload-hdfs-ours-200m", "upload-hdfs-hadoop-200m", None, "faster"),
    ("package build vs GNU tar + gzip", "package-ours", "package-gnutar", 3.0, "faster"),
    ("package build vs Python tarfile", "package-ours", "package-pytarfile", 3.0, "faster"),
    ("package build vs our own builder before the speed work", "package-ours", "package-before", None, "faster"),
    ("YAML submit within 1.3x of the chain's floor (ratio = submit / floor)", "submit-yaml", "submit-floor", 1.3,
     "within"),
    ("YAML submit vs one JVM start (`java -version`), for information", "submit-yaml", "submit-java-version",
     None, "faster"),
    (".defn submit vs one JVM start", "submit-defn", "submit-java-version", None, "faster"),
]

# (note prefix, server name, row ids: ours, baseline, ours unsigned; baseline name)
SERVER_CPU = [
    ("s3", "s3s-fs", "upload-s3-ours", "upload-s3-aws", "`aws s3 cp`"),
    ("swfs", "SeaweedFS", "upload-swfs-ours", "upload-swfs-aws", "`aws s3 cp`"),
    ("minio", "MinIO", "upload-minio-ours", "upload-minio-aws", "`aws s3 cp`"),
    ("hdfs", "MiniDFSCluster (NameNode + DataNode JVM)", "upload-hdfs-ours", "upload-hdfs-hadoop", "`hadoop fs -put`"),
]


# Section title prefix -> (bench.sh section that reruns it, what bounds its figures where known).
RERUN = {
    "Stage: statemgr": ("statemgr", "process start and one ZooKeeper round trip for ours; the Python or JVM start for the others"),
    "Stage: render": ("render", "CPU: config load, template compile, the Python check of the output"),
    "Stage: upload 1 GiB (incompressible) to local disk": ("upload-local", "the kernel's copy (memory bandwidth, page cache); with JSON, the sha256 (one core)"),
    "Stage: upload 1 GiB to S3 (s3s-fs": ("upload-s3", "the server's CPU (MD5 of the whole object on one thread at completion) on the two shared cores"),
    "Stage: upload 1 GiB to S3 (SeaweedFS": ("upload-s3", "the server's CPU: four MD5 passes over every byte, ~11 s per GiB, on the two shared cores"),
    "Stage: upload 1 GiB to S3 (MinIO": ("upload-s3", "the server's CPU on the two shared cores (its CPU per upload is listed under Targets)"),
    "Stage: upload to HDFS": ("upload-hdfs", "hdfs-native's write path: a fixed 500 ms sleep before it retries `complete` at close, a wait at each block boundary, its software CRC32C and per-packet syscalls (speed-work notes below); with JSON the sha256"),
    "Package build": ("package", "CPU (deflate of compressible entries) and the disk"),
    "Submit end to end": ("submit", "process starts and each stage's config load (callgrind table in the notes below)"),
}


def rerun_line(title):
    for prefix, (section, bound) in RERUN.items():
        if title.startswith(prefix):
            return f"Rerun: `scripts/bench.sh {section}`. Bound by: {bound}."
    return None


def main():
    rdir = sys.argv[1]
    runs = load(rdir)
    env = tsv(os.path.join(rdir, "env.tsv"))
    notes = tsv(os.path.join(rdir, "notes.tsv"))
    run_id = os.path.basename(os.path.normpath(rdir))
    timed = open(os.path.join(rdir, "timed_seconds")).read().strip() if os.path.exists(
        os.path.join(rdir, "timed_seconds")) else "?"
    w = []
    p = w.append
    p("# Benchmarks")
    p("")
    p(f"Written by `scripts/bench.sh` (run `{run_id}`, timed part {timed} s; the release build before it is not "
      "timed). Every figure and every ratio below comes from this one run on this one machine; ratios are "
      "baseline median / our median, so above 1 means we are faster. Times are whole processes "
      "(hyperfine; run without a shell unless the command needs one, then with the shell's start-up subtracted) unless a row says otherwise. Peak RSS is GNU time's "
      "maximum resident set of the largest single process of the command, from one extra run.")
    if env.get("quick") == "1":
        p("")
        p("**Quick mode (HERON_BENCH_QUICK=1): fewer runs and a smaller scale test; not for quoting.**")
    p("")
    p("## Environment")
    p("")
    p("| | |")
    p("|---|---|")
    for k, v in env.items():
        if k not in ("quick",):
            p(f"| {k} | {v} |")
    p("")
    p("## Targets")
    p("")
    p("| target | ours (median) | baseline (median) | ratio | required | met |")
    p("|---|---|---|---|---|---|")
    for label, ours, base, need, mode in TARGETS:
        if ours not in runs or base not in runs:
            continue
        o, b = runs[ours]["median"], runs[base]["median"]
        ratio = b / o if mode == "faster" else o / b
        if need is None:
            met = "(no target)"
        elif mode == "faster":
            met = "**yes**" if ratio >= need else "**NO**"
        else:
            met = "**yes**" if ratio <= need else "**NO**"
        need_s = "–" if need is None else (f"≥ {need:g}x" if mode == "faster" else f"≤ {need:g}x")
        p(f"| {label} | {fmt_t(o)} | {fmt_t(b)} | {ratio:.2f}x | {need_s} | {met} |")
    scale = scale_rows(runs, notes)
    if scale:
        p(f"| cost grows linearly with the number of topologies (kill per topology at the largest / smallest N) "
          f"| {scale['kill_ratio']:.2f} | – | – | ≤ 1.5 | {'**yes**' if scale['kill_ratio'] <= 1.5 else '**NO**'} |")
        if scale["explorer_vs_kill"] is not None:
            n1 = scale["largest"]
            last = scale["rows"][-1][1]
            p(f"| `heron explorer topologies` over {n1:,} topologies costs no more per topology than `heron kill` "
              f"(kill per topology / explorer per topology) | {fmt_t(last['topologies'] / n1)} | "
              f"{fmt_t(last['kill'] / n1)} | {scale['explorer_vs_kill']:.0f}x | ≥ 1x | "
              f"{'**yes**' if scale['explorer_vs_kill'] >= 1 else '**NO**'} |")
        p(f"| `list` time grows at most linearly (time at largest N / smallest N, vs N ratio {scale['n_ratio']:g}) "
          f"| {scale['list_ratio']:.1f} | – | – | ≤ {scale['n_ratio']:g} | "
          f"{'**yes**' if scale['list_ratio'] <= scale['n_ratio'] else '**NO**'} |")
    cpu_lines = []
    for prefix, server, ours, base, base_name in SERVER_CPU:
        key = f"{prefix}_server_cpu_seconds_per_upload_"
        if key + "ours" not in notes:
            continue
        other = "aws" if prefix != "hdfs" else "hadoop"
        line = (f"- {server}: its own CPU time per 1 GiB upload (/proc/PID/stat before/after, prepare steps "
                f"included) {notes[key + 'ours']} s for ours, {notes.get(key + other, '?')} s for {base_name}")
        if key + "ours_unsigned" in notes:
            line += f", {notes[key + 'ours_unsigned']} s for ours with unsigned bodies"
        line += (f"; the clients' own CPU (user + sys, mean): {fmt_t(cpu_of(runs, ours))} for ours, "
                 f"{fmt_t(cpu_of(runs, base))} for {base_name}.")
        ceiling = cpu_ceiling(notes, key, other, cpu_of(runs, ours), cpu_of(runs, base))
        if ceiling is not None:
            both_ours, both_base, server_ours = ceiling
            line += (f" Client and server CPU together: {both_ours:.2f} s for ours, {both_base:.2f} s for "
                     f"{base_name}. Where the shared cores are the bound, wall time follows these sums: ours "
                     f"can then be at most {both_base / both_ours:.2f}x faster, and a client that used no CPU "
                     f"at all at most {both_base / server_ours:.2f}x.")
        cpu_lines.append(line)
    if cpu_lines:
        p("")
        p("Servers' CPU (client and server share the two cores: when their CPU together is more than twice the "
          "wall time, the cores bound the figure, whichever client runs):")
        p("")
        for line in cpu_lines:
            p(line)
    for title, rows in SECTIONS:
        present = [(rid, what) for rid, what in rows if rid in runs]
        if not present:
            continue
        p("")
        p(f"## {title}")
        p("")
        line = rerun_line(title)
        if line:
            p(line)
            p("")
        upload = any(rid in UPLOAD_BYTES for rid, _ in present)
        head = "| command | median | spread (min–max; IQR) | runs | user + sys CPU (mean) | peak RSS |"
        if upload:
            head += " throughput |"
        p(head)
        p("|---|---|---|---|---|---|" + ("---|" if upload else ""))
        for rid, what in present:
            r = runs[rid]
            cpu = "–" if r["user"] is None else fmt_t(r["user"] + r["system"])
            line = (f"| {what} | {fmt_t(r['median'])} | {fmt_t(r['min'])}–{fmt_t(r['max'])}; "
                    f"{fmt_t(r['q1'])}–{fmt_t(r['q3'])} | {r['n']} | {cpu} | {fmt_rss(r['rss_kib'])} |")
            if upload:
                size = UPLOAD_BYTES.get(rid)
                line += f" {size / r['median'] / (1 << 20):.0f} MiB/s |" if size else " – |"
            p(line)
        if title.startswith("Package") and "package_bytes_ours" in notes:
            p("")
            p(f"Package sizes: ours {int(notes['package_bytes_ours']):,} bytes, GNU tar "
              f"{int(notes['package_bytes_gnutar']):,}, Python tarfile {int(notes['package_bytes_pytarfile']):,}. "
              f"Checked in this run: {notes.get('package_readers', '')}.")
    if scale:
        p("")
        p("## Scale: topologies in ZooKeeper (local packages, aurora stand-in)")
        p("")
        p("Each N: N real `heron submit`s (two at a time), then `heron-statemgr list`, then `heron explorer "
          "topologies` (role, env, state, submitter and release of every topology: one `heron-statemgr dump` "
          "reading each topology's execution state and topology node), then a script running "
          "one `heron kill` per topology in sequence (stand-in killall, statemgr clean in Heron's order, "
          "package delete).")
        p("")
        p("Rerun: `scripts/bench.sh scale`. Bound by: process starts and ZooKeeper round trips (one kill is "
          "several stages in sequence).")
        p("")
        p("| topologies | submit all (2 parallel) | list: median (min–max) | list peak RSS "
          "| explorer topologies: median | explorer peak RSS | kill all, sequential | kill per topology |")
        p("|---|---|---|---|---|---|---|---|")
        for n, row in scale["rows"]:
            p(f"| {n} | {row['submit']:.1f} s | {fmt_t(row['list'])} ({fmt_t(row['list_min'])}–{fmt_t(row['list_max'])}) "
              f"| {fmt_rss(row['list_rss'])} | {'–' if row['topologies'] is None else fmt_t(row['topologies'])} "
              f"| {'–' if row['topologies_rss'] is None else fmt_rss(row['topologies_rss'])} "
              f"| {row['kill']:.1f} s | {row['kill'] / n * 1000:.1f} ms |")
    work = os.path.join(HERE, "speed-work.md")
    if os.path.exists(work):
        p("")
        with open(work) as fh:
            p(fh.read().rstrip("\n"))
    p("")
    p("## Reproduce")
    p("")
    p("```sh")
    p("scripts/install.sh            # hyperfine, ZooKeeper, s3s-fs, the venvs, the MiniDFSCluster")
    p("scripts/install.sh seaweedfs  # the second S3 server (bench.sh runs it too; ~10 min to build once)")
    p("scripts/install.sh minio      # the third S3 server (bench.sh runs it too; ~10 min to build once)")
    p("scripts/bench.sh              # builds target/release, starts (or reuses) the services, writes this file")
    p("scripts/bench.sh statemgr     # one section: statemgr render upload-local upload-s3 upload-hdfs package submit scale")
    p("```")
    print("\n".join(w))


def cpu_ceiling(notes, key, other, ours_cpu, base_cpu):
    """(ours, baseline) client + server CPU seconds per upload and the server's own for ours.

    When the cores are the bound, wall time is at least the CPU spent over the cores, so the
    ratio of these sums is the best ratio a client can reach against this server here."""
    try:
        server_ours = float(notes[key + "ours"])
        server_base = float(notes[key + other])
    except (KeyError, ValueError):
        return None
    if ours_cpu is None or base_cpu is None or server_ours <= 0:
        return None
    return server_ours + ours_cpu, server_base + base_cpu, server_ours


def cpu_of(runs, rid):
    r = runs.get(rid)
    return None if r is None or r["user"] is None else r["user"] + r["system"]


def scale_rows(runs, notes):
    ns = sorted(int(k.rsplit("-", 1)[1]) for k in runs if k.startswith("scale-list-"))
    rows = []
    for n in ns:
        kill = notes.get(f"scale_kill_seconds_{n}")
        sub = notes.get(f"scale_submit_seconds_{n}")
        if kill is None or sub is None:
            continue
        r = runs[f"scale-list-{n}"]
        t = runs.get(f"scale-topologies-{n}")
        rows.append((n, {"submit": float(sub), "kill": float(kill), "list": r["median"], "list_min": r["min"],
                         "list_max": r["max"], "list_rss": r["rss_kib"],
                         "topologies": None if t is None else t["median"],
                         "topologies_rss": None if t is None else t["rss_kib"]}))
    if len(rows) < 2:
        return None
    (n0, a), (n1, b) = rows[0], rows[-1]
    return {
        "rows": rows,
        # `heron explorer topologies` per topology listed, against `heron kill` per topology killed.
        "explorer_vs_kill": None if b["topologies"] is None else (b["kill"] / n1) / (b["topologies"] / n1),
        "largest": n1,
        "kill_ratio": (b["kill"] / n1) / (a["kill"] / n0),
        "list_ratio": b["list"] / a["list"],
        "n_ratio": n1 / n0,
    }


if __name__ == "__main__":
    main()
