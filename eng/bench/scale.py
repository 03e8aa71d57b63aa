#!/usr/bin/env python3
"""Scale and cost benchmark: one vrrpd process as master of many virtual routers, against keepalived (issue 6).

For each advertisement interval (1 s, 100 ms, 10 ms), each size and each implementation it builds a fresh lab: a
bridge namespace, the node m that runs the implementation, and a passive peer namespace p on the bridge that runs
nothing (it only gives the bridge a port to forward to). Both implementations read the same keepalived.conf (vrrpd
reads keepalived.conf itself): VRRPv3, priority 100, `state BACKUP`, one virtual address per router. With nobody
else on the link every router becomes master after its Master_Down_Interval and stays master. Sizes:

  1        one IPv4 router (VRID 1), the base for memory per added router
  255      VRIDs 1..255 over IPv4 on lab0
  510      VRIDs 1..255 over IPv4 and VRIDs 1..255 over IPv6 (native_ipv6), on the same lab0

It waits until all routers are master (vrrpctl status; keepalived's "Entering MASTER STATE" lines), then a warm-up
(--warmup, covering the gratuitous ARPs/NAs repeated 5 s after the transition and the JIT's tiering), then measures
several steady windows back to back. For each window:

  CPU             utime+stime of the process from /proc/PID/stat (all threads), per second of wall time; for
                  keepalived its VRRP child (keepalived -P runs the VRRP work in a child of the parent). These are
                  10 ms ticks: ±0.12 % of a core over an 8 s window, too coarse for one router
  CPU (schedstat) the sum over the process's threads of the first field of /proc/PID/task/TID/schedstat, the
                  nanoseconds each thread ran (the scheduler's own clock): fine enough for one router. A thread
                  that exits during the window takes its time with it (it is lost, not counted), and one made during
                  the window counts from its start; the window records the threads at both ends and how many
                  exited or started
  wakeups/s       the sum over the threads of voluntary_ctxt_switches from /proc/PID/task/TID/status, per
                  second: each voluntary switch is one sleep, so one wakeup (exited threads are lost here too)
  adverts         the tx packet counter of lab0 in m's namespace (/sys/class/net/lab0/statistics/tx_packets); in the
                  steady state nothing else is sent, and the count is checked against routers/interval
  CPU per advert  CPU time / adverts, in µs
  RSS             VmRSS from /proc/PID/status at the window's end
  GC (vrrpd)      `vrrpctl process` before and after each window: gen0/gen1/gen2 collections and bytes allocated;
                  two queries back to back before the window tell what one query allocates in vrrpd (its
                  connection and answer), which is taken off to give the steady state's own allocation

Memory per added router is (RSS_N − RSS_1)/(N − 1), from the medians. With --aot PATH it also runs a published
NativeAOT (or trimmed) vrrpd at the sizes given by --aot-sizes (memory only matters there; CPU is reported too).

Needs root, iproute2 and keepalived; builds nothing: run `dotnet build -c Release src/Vrrp.Daemon` and
`dotnet build -c Release src/Vrrp.Control` first.

Addresses: IPv4 198.51.100.0/24 only. The node m is 198.51.100.254/24; router VRID v carries 198.51.100.((v−1) mod 253
+ 1)/24, so VRIDs 254 and 255 reuse the addresses of VRIDs 1 and 2 (a /24 holds 256 addresses, not 255 + the node's
own); both implementations treat adding an address that is there as done. IPv6 routers carry one link-local address
each, fe80::100:V/64 (RFC 9568: the first IPv6 address is link-local), no global address.

Safety: everything runs in namespaces named vrrps-<pid>-*, on interfaces named lab0, with no route out; vrrpd runs
with --require-netns; vrrpctl and keepalived run inside the namespace too; only processes this script started are
signalled, by pid; every lab is removed on exit, also on failure, Ctrl-C or SIGTERM.

usage: sudo eng/bench/scale.py [--intervals 1,0.1,0.01] [--sizes 1,255,510] [--impls ours,keepalived]
                               [--warmup 10] [--windows 3] [--window 8] [--aot PATH] [--json results.json]
"""
import argparse
import json
import os
import re
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from lab import Lab, run  # noqa: E402

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
VRRPD = os.environ.get("VRRPD", os.path.join(ROOT, "src", "Vrrp.Daemon", "bin", "Release", "net10.0", "vrrpd.dll"))
VRRPCTL = os.environ.get("VRRPCTL", os.path.join(ROOT, "src", "Vrrp.Control", "bin", "Release", "net10.0", "vrrpctl.dll"))
NODE = "198.51.100.254"
TICKS = os.sysconf("SC_CLK_TCK")
PREFIX = "vrrps"


def tx_packets(lab):
    return int(lab.exec("m", "cat", "/sys/class/net/lab0/statistics/tx_packets"))


def cpu_seconds(pid):
    with open(f"/proc/{pid}/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    # Fields 14 and 15 of stat(5), counted from the pid; after the ')' the state is field 3.
    return (int(fields[11]) + int(fields[12])) / TICKS


def thread_sample(pid):
    """{tid: (ns on CPU, voluntary context switches, i.e. sleeps and so wakeups)} over the live threads."""
    threads = {}
    for tid in os.listdir(f"/proc/{pid}/task"):
        try:
            with open(f"/proc/{pid}/task/{tid}/schedstat") as f:
                run_ns = int(f.read().split()[0])
            with open(f"/proc/{pid}/task/{tid}/status") as f:
                count = sum(int(line.split()[1]) for line in f if line.startswith("voluntary_ctxt_switches:"))
        except (OSError, ValueError, IndexError):
            continue  # the thread exited between listdir and the read
        threads[int(tid)] = (run_ns, count)
    return threads


def thread_delta(before, after):
    """(ns, switches) over the window: threads alive at both ends by difference, threads started in it in full;
    threads that exited in it are lost (their time is not subtracted either)."""
    ns = switches = 0
    for tid, (run_ns, count) in after.items():
        base_ns, base_count = before.get(tid, (0, 0))
        ns += run_ns - base_ns
        switches += count - base_count
    return ns, switches


def rss_kib(pid):
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    raise RuntimeError(f"no VmRSS for {pid}")


def keepalived_conf(size, interval):
    families = [("4", v) for v in range(1, min(size, 255) + 1)]
    if size > 255:
        families += [("6", v) for v in range(1, size - 255 + 1)]
    blocks = ["global_defs {\n    router_id m\n    vrrp_version 3\n}\n"]
    for family, vrid in families:
        if family == "4":
            address, extra = f"198.51.100.{(vrid - 1) % 253 + 1}/24", ""
        else:
            address, extra = f"fe80::100:{vrid:x}/64", "    native_ipv6\n"
        blocks.append(f"""vrrp_instance VI{family}_{vrid} {{
    interface lab0
    state BACKUP
    virtual_router_id {vrid}
    priority 100
    advert_int {interval:g}
{extra}    virtual_ipaddress {{
        {address} dev lab0
    }}
}}
""")
    return "\n".join(blocks)


class Ours:
    def __init__(self, name="ours", command=None):
        self.name = name
        self.command = command or ["dotnet", VRRPD]
        self.master_line = "-> Master"

    def start(self, lab, conf, workdir):
        self.socket = os.path.join(workdir, f"{lab.tag}.sock")
        process = lab.start("m", *self.command, conf, "--require-netns", "--control", self.socket)
        # The control socket opens once every router runs.
        if not process.wait_for("vrrpd: ready", 60):
            raise RuntimeError(f"{self.name} did not start:\n{process.output()}")
        return process

    def measured_pid(self, process):
        return process.popen.pid

    def masters(self, lab, process):
        status = json.loads(lab.exec("m", "dotnet", VRRPCTL, "--socket", self.socket, "--json", "status"))
        return sum(1 for r in status["routers"] if r["state"] == "Master")

    def gc(self, lab):
        return json.loads(lab.exec("m", "dotnet", VRRPCTL, "--socket", self.socket, "--json", "process"))["process"]


class Keepalived:
    name = "keepalived"
    master_line = "Entering MASTER STATE"

    def start(self, lab, conf, workdir):
        return lab.start("m", "keepalived", "-n", "-l", "-D", "-G", "-P", "-f", conf, "-p", os.path.join(workdir, f"{lab.tag}.pid"),
                         "-r", os.path.join(workdir, f"{lab.tag}-vrrp.pid"))

    def measured_pid(self, process):
        for _ in range(100):
            children = process.children()
            if children:
                return children[0]
            time.sleep(0.05)
        raise RuntimeError("keepalived started no VRRP child:\n" + process.output())

    def masters(self, lab, process):
        return process.count(self.master_line)

    def gc(self, lab):
        return None


def one_point(impl, size, interval, args, workdir):
    lab = Lab(PREFIX, [("m", f"{NODE}/24", "02:00:00:00:01:11"), ("p", None, "02:00:00:00:01:12")])
    try:
        conf = os.path.join(workdir, f"{lab.tag}.conf")
        with open(conf, "w") as f:
            f.write(keepalived_conf(size, interval))
        process = impl.start(lab, conf, workdir)
        pid = impl.measured_pid(process)
        # Every router waits Master_Down_Interval (3.6 intervals) and announces itself; keepalived with hundreds of
        # instances takes longer. Then the gratuitous ARPs/NAs repeat 5 s later; the steady state starts after that.
        deadline = time.time() + 120
        while (masters := impl.masters(lab, process)) != size and time.time() < deadline and process.popen.poll() is None:
            time.sleep(1)
        if masters != size:
            raise RuntimeError(f"{impl.name}: {masters} of {size} routers are master:\n{process.output()}")
        time.sleep(args.warmup)
        windows = []
        for _ in range(args.windows):
            # Two queries back to back first: what one query allocates in vrrpd itself, to take off the window's figure.
            gc_query = impl.gc(lab)
            gc_before = impl.gc(lab)
            # The query's tail (the server seeing the client close, its connection task ending) runs after vrrpctl
            # has its answer: let it finish, or it lands in the window as two wakeups that keepalived never pays (both wait).
            time.sleep(0.5)
            t0, cpu0, tx0 = time.monotonic(), cpu_seconds(pid), tx_packets(lab)
            sched0 = thread_sample(pid)
            time.sleep(args.window)
            sched1 = thread_sample(pid)
            t1, cpu1, tx1 = time.monotonic(), cpu_seconds(pid), tx_packets(lab)
            rss = rss_kib(pid)
            gc_after = impl.gc(lab)
            elapsed, cpu, adverts = t1 - t0, cpu1 - cpu0, tx1 - tx0
            window = {"seconds": elapsed, "cpu_seconds": cpu, "adverts": adverts,
                      "expected_adverts": size / interval * elapsed, "rss_kib": rss,
                      "cpu_percent": 100 * cpu / elapsed, "us_per_advert": 1e6 * cpu / adverts if adverts else None,
                      "parent_rss_kib": rss_kib(process.popen.pid) if pid != process.popen.pid else None}
            # Version 2 fields (the tick-based ones above are unchanged): CPU from schedstat, wakeups, threads.
            sched_ns, sched_switches = thread_delta(sched0, sched1)
            sched_cpu = sched_ns / 1e9
            window.update({"sample_version": 2, "sched_cpu_seconds": sched_cpu,
                           "sched_cpu_percent": 100 * sched_cpu / elapsed,
                           "sched_us_per_advert": 1e6 * sched_cpu / adverts if adverts else None,
                           "wakeups_per_second": sched_switches / elapsed,
                           "threads": [len(sched0), len(sched1)],
                           "threads_exited": len(sched0.keys() - sched1.keys()),
                           "threads_started": len(sched1.keys() - sched0.keys())})
            if gc_before is not None:
                window["gc"] = {k: gc_after[k] - gc_before[k] for k in
                                ("gen0Collections", "gen1Collections", "gen2Collections", "totalAllocatedBytes")}
                window["gc"]["queryAllocatedBytes"] = gc_before["totalAllocatedBytes"] - gc_query["totalAllocatedBytes"]
                window["gc"]["steadyAllocatedBytes"] = window["gc"]["totalAllocatedBytes"] - window["gc"]["queryAllocatedBytes"]
            windows.append(window)
            gc_text = (f", GC {window['gc']['gen0Collections']}/{window['gc']['gen1Collections']}/"
                       f"{window['gc']['gen2Collections']}, {window['gc']['totalAllocatedBytes']} B allocated, "
                       f"{window['gc']['queryAllocatedBytes']} B of it by one query") if "gc" in window else ""
            print(f"  {impl.name:10} {size:3} routers {interval * 1000:6g} ms: {window['cpu_percent']:6.2f}% CPU "
                  f"(schedstat {window['sched_cpu_percent']:.3f}%, {window['sched_us_per_advert'] or 0:.1f} µs/advert, "
                  f"{window['wakeups_per_second']:.1f} wakeups/s, threads {window['threads'][0]}→{window['threads'][1]}), "
                  f"{adverts} adverts ({window['expected_adverts']:.0f} expected), "
                  f"{window['us_per_advert'] or 0:6.1f} µs/advert, RSS {rss / 1024:.1f} MiB{gc_text}", flush=True)
        if process.popen.poll() is not None:
            raise RuntimeError(f"{impl.name} exited during the windows:\n{process.output()}")
        return windows
    finally:
        lab.close()


def median_spread(values, fmt):
    values = [v for v in values if v is not None]
    if not values:
        return "n/a"
    return f"{fmt.format(statistics.median(values))} ({fmt.format(min(values))}–{fmt.format(max(values))})"


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--intervals", default="1,0.1,0.01")
    parser.add_argument("--sizes", default="1,255,510")
    parser.add_argument("--impls", default="ours,keepalived")
    parser.add_argument("--warmup", type=float, default=10, help="seconds from the last master transition to the first window")
    parser.add_argument("--windows", type=int, default=3)
    parser.add_argument("--window", type=float, default=8, help="seconds per window")
    parser.add_argument("--aot", help="a published vrrpd executable (NativeAOT or trimmed) to run as the impl 'aot'")
    parser.add_argument("--aot-sizes", default="1,255")
    parser.add_argument("--aot-intervals", default="0.1")
    parser.add_argument("--json")
    args = parser.parse_args()
    if os.geteuid() != 0:
        sys.exit("needs root: it creates network namespaces")
    for path in (VRRPD, VRRPCTL):
        if not os.path.exists(path):
            sys.exit(f"{path} not found: run 'dotnet build -c Release' on src/Vrrp.Daemon and src/Vrrp.Control first")
    # SIGTERM unwinds like Ctrl-C, so every lab is removed on the way out.
    signal.signal(signal.SIGTERM, lambda *_: (_ for _ in ()).throw(KeyboardInterrupt()))
    Lab.remove_stale(PREFIX)
    impls = {"ours": Ours(), "keepalived": Keepalived()}
    chosen = [impls[name] for name in args.impls.split(",") if name]  # --impls "" with --aot: the AOT build alone
    plan = [(impl, size, interval) for interval in [float(i) for i in args.intervals.split(",")]
            for size in [int(s) for s in args.sizes.split(",")] for impl in chosen]
    if args.aot:
        aot = Ours("aot", [os.path.abspath(args.aot)])
        plan += [(aot, int(size), float(interval)) for interval in args.aot_intervals.split(",") for size in args.aot_sizes.split(",")]
    results = []
    with tempfile.TemporaryDirectory(prefix=f"{PREFIX}-") as workdir:
        # Implementations alternate point by point, so slow drifts of the machine hit both alike.
        for impl, size, interval in plan:
            print(f"{impl.name}, {size} router(s), {interval * 1000:g} ms", flush=True)
            results.append({"impl": impl.name, "size": size, "interval": interval,
                            "windows": one_point(impl, size, interval, args, workdir)})
    if args.json:
        with open(args.json, "w") as f:
            json.dump(results, f, indent=1)
    print_table(results)


def print_table(results):
    def med(r, key):
        return statistics.median(w[key] for w in r["windows"])

    base = {(r["impl"], r["interval"]): med(r, "rss_kib") for r in results if r["size"] == 1}
    print()
    print("| impl | routers | interval | CPU % of a core | CPU per advert (µs) | adverts/s (expected) | RSS (MiB) | "
          "RSS per added router (KiB) | GC gen0/1/2 per window | allocated per window / by one query alone (B) | "
          "CPU % (schedstat) | µs per advert (schedstat) | wakeups/s |")
    print("|---|---:|---:|---:|---:|---:|---:|---:|---|---:|---:|---:|---:|")
    for r in results:
        ws = r["windows"]
        rss = med(r, "rss_kib")
        per_router = f"{(rss - base[(r['impl'], r['interval'])]) / (r['size'] - 1):.1f}" \
            if r["size"] > 1 and (r["impl"], r["interval"]) in base else "—"
        gcs = "—" if "gc" not in ws[0] else ", ".join(
            f"{w['gc']['gen0Collections']}/{w['gc']['gen1Collections']}/{w['gc']['gen2Collections']}" for w in ws)
        allocated = "—" if "gc" not in ws[0] else (median_spread([w["gc"]["totalAllocatedBytes"] for w in ws], "{:.0f}") + " / " +
                                                   median_spread([w["gc"]["queryAllocatedBytes"] for w in ws], "{:.0f}"))
        rate = statistics.median(w["adverts"] / w["seconds"] for w in ws)
        print(f"| {r['impl']} | {r['size']} | {r['interval'] * 1000:g} ms | "
              f"{median_spread([w['cpu_percent'] for w in ws], '{:.2f}')} | "
              f"{median_spread([w['us_per_advert'] for w in ws], '{:.1f}')} | {rate:.0f} ({r['size'] / r['interval']:.0f}) | "
              f"{rss / 1024:.1f} | {per_router} | {gcs} | {allocated} | "
              f"{median_spread([w.get('sched_cpu_percent') for w in ws], '{:.3f}')} | "
              f"{median_spread([w.get('sched_us_per_advert') for w in ws], '{:.1f}')} | "
              f"{median_spread([w.get('wakeups_per_second') for w in ws], '{:.1f}')} |")


if __name__ == "__main__":
    main()
