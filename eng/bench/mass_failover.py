#!/usr/bin/env python3
"""Mass failover benchmark: N virtual routers fail over at once from a killed master, vrrpd against keepalived.

For each implementation, each size N and each run it builds a fresh lab: a bridge namespace and two hosts, n1
(198.51.100.11, priority 100 for every router) and n2 (198.51.100.12, priority 90 for every router), both running
the same implementation with the same configuration: N VRRPv3 routers, VRIDs 1..N, advertisement interval 100 ms,
one IPv4 virtual address each, preemption on (the default of both). vrrpd reads a JSON file (as in failover.py),
keepalived a keepalived.conf (`vrrp_version 3`, `state BACKUP`, `advert_int 0.1`, one vrrp_instance per router) and
runs as `keepalived -n -l -D -G -P -f CONF -p PIDFILE -r VRRP_PIDFILE`.

A run: start n1, wait until its log says it is master of all N routers; start n2, wait until its log says it is
backup of all N (n1 first, so n2 never is master before the fault and every "-> master" line of n2 after the fault is
a takeover); steady state (--steady seconds, 3 by default) plus a uniformly random phase of one interval; capture on
n2's lab0 (tcpdump, nanosecond timestamps, `ip proto 112`); SIGKILL n1 (for keepalived: SIGSTOP the parent so it
cannot respawn its VRRP child, SIGKILL the child, SIGKILL the parent; the kill time is taken just before the first
SIGKILL); wait until n2's log says it is master of all N (or --timeout); stop the capture and read it with tshark.

  lateness (ms)         per router k: (n2's first advert of VRID k − n1's last advert of VRID k) − Master_Down_Interval
                        of the backup, 3 × 100 ms + (256 − 90) × 100 ms / 256 = 364.84 ms (RFC 9568). Pooled over all
                        routers of all runs: median, p99 (nearest rank), max
  backup CPU (ms)       utime+stime from /proc/PID/stat (10 ms ticks; exited threads included) summed over the
                        implementation's processes on n2 (vrrpd's one process; keepalived's parent and VRRP child),
                        read just before the kill and one second after it: the CPU spent in the failover second.
                        Also, finer, the sum over the threads of /proc/PID/task/TID/schedstat (ns on CPU; threads that
                        exit in the second are lost). Median over runs
  1st→2nd gap (ms)      n2's first advert of the router that took over first, to n2's first advert of the router that
                        took over second (needs N ≥ 2). Median over runs. Also the first→last spread
  took over             routers for which n2 sent an advert after the fault, over N × runs

Addresses: only 198.51.100.0/24 in the namespaces. The hosts hold .11 and .12; that leaves 252 addresses (.1–.10,
.13–.254; .0 and .255 are not host addresses of a /24). Router k carries the ((k − 1) mod 252)-th of them as a /24, so
VRIDs 1..252 have distinct addresses and VRIDs 253, 254, 255 reuse the addresses of VRIDs 1, 2, 3 (as scale.py does:
both implementations take adding an address that is there as done). No virtual address is left out, since keepalived
needs one per instance.

Needs root, iproute2, tcpdump, tshark and keepalived; builds nothing: run `dotnet build -c Release src/Vrrp.Daemon` first.

Safety: everything runs in namespaces named vrrpm-<pid>-*, those of dead runs are removed at start, in 198.51.100.0/24
on interfaces named lab0; no route leads out; vrrpd runs with --require-netns, keepalived and tcpdump are started
inside the lab's namespaces; only processes this script started are signalled, by pid; every lab is removed on exit,
also on failure, Ctrl-C or SIGTERM.

usage: sudo eng/bench/mass_failover.py [--sizes 1,50,255] [--runs 3] [--impls ours,keepalived] [--json PATH]
"""
import argparse
import json
import math
import os
import random
import re
import signal
import statistics
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from lab import Lab, run  # noqa: E402

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
VRRPD = os.environ.get("VRRPD", os.path.join(ROOT, "src", "Vrrp.Daemon", "bin", "Release", "net10.0", "vrrpd.dll"))
PREFIX = "vrrpm"
N1, N2 = "198.51.100.11", "198.51.100.12"
PRIORITY = {"n1": 100, "n2": 90}
INTERVAL = 0.1
TICKS = os.sysconf("SC_CLK_TCK")
ADDRESSES = [f"198.51.100.{x}" for x in range(1, 255) if x not in (11, 12)]


def address(vrid):
    return ADDRESSES[(vrid - 1) % len(ADDRESSES)]


def master_down(priority, interval):
    return 3 * interval + (256 - priority) * interval / 256


MASTER_DOWN_MS = master_down(PRIORITY["n2"], INTERVAL) * 1000


class Ours:
    name = "ours"
    pattern = re.compile(r"(VI_\d+): \w+ -> (\w+)")

    def start(self, lab, host, size, workdir):
        config = os.path.join(workdir, f"{lab.tag}-{host}.json")
        with open(config, "w") as f:
            json.dump({"routers": [{"name": f"VI_{k}", "interface": "lab0", "virtualRouterId": k,
                                    "priority": PRIORITY[host],
                                    "advertisementInterval": f"00:00:{INTERVAL:09.6f}",
                                    "virtualAddresses": [f"{address(k)}/24"]} for k in range(1, size + 1)]}, f)
        # VRRPD names either the JIT build's vrrpd.dll or a published binary (NativeAOT: `dotnet publish
        # src/Vrrp.Daemon -c Release -r linux-x64 -p:PublishAot=true -o DIR`, then VRRPD=DIR/vrrpd).
        program = ["dotnet", VRRPD] if VRRPD.endswith(".dll") else [VRRPD]
        return lab.start(host, *program, config, "--require-netns", "--no-control")

    def pids(self, process):
        return [process.popen.pid]


class Keepalived:
    name = "keepalived"
    pattern = re.compile(r"\((VI_\d+)\) Entering (\w+) STATE")

    def start(self, lab, host, size, workdir):
        conf = os.path.join(workdir, f"{lab.tag}-{host}.conf")
        blocks = [f"global_defs {{\n    router_id {host}\n    vrrp_version 3\n}}\n"]
        for k in range(1, size + 1):
            blocks.append(f"""vrrp_instance VI_{k} {{
    interface lab0
    state BACKUP
    virtual_router_id {k}
    priority {PRIORITY[host]}
    advert_int {INTERVAL:g}
    virtual_ipaddress {{
        {address(k)}/24 dev lab0
    }}
}}
""")
        with open(conf, "w") as f:
            f.write("\n".join(blocks))
        return lab.start(host, "keepalived", "-n", "-l", "-D", "-G", "-P", "-f", conf,
                         "-p", os.path.join(workdir, f"{lab.tag}-{host}.pid"),
                         "-r", os.path.join(workdir, f"{lab.tag}-{host}-vrrp.pid"))

    def pids(self, process):
        return [process.popen.pid, *process.children()]


def states(impl, process, after=0.0):
    """{router: last state} from the log lines at or after `after`."""
    result = {}
    for t, line in list(process.lines):
        if t >= after:
            match = impl.pattern.search(line)
            if match:
                result[match.group(1)] = match.group(2).lower()
    return result


def wait_states(impl, process, size, state, timeout, after=0.0):
    deadline = time.time() + timeout
    while True:
        current = states(impl, process, after)
        count = sum(1 for s in current.values() if s == state)
        if count >= size or time.time() >= deadline or process.popen.poll() is not None:
            return count
        time.sleep(0.02)


def cpu_ticks(pids):
    total = 0
    for pid in pids:
        with open(f"/proc/{pid}/stat") as f:
            fields = f.read().rsplit(")", 1)[1].split()
        total += int(fields[11]) + int(fields[12])
    return total


def sched_ns(pids):
    total = 0
    for pid in pids:
        for tid in os.listdir(f"/proc/{pid}/task"):
            try:
                with open(f"/proc/{pid}/task/{tid}/schedstat") as f:
                    total += int(f.read().split()[0])
            except (OSError, ValueError, IndexError):
                pass
    return total


def kill_master(impl, n1):
    """SIGKILLs n1's processes; returns the time just before the first SIGKILL."""
    if isinstance(impl, Keepalived):
        parent, children = n1.popen.pid, n1.children()
        os.kill(parent, signal.SIGSTOP)  # a stopped parent cannot respawn the child it is about to lose
        children = sorted(set(children) | set(n1.children()))
        at = time.time()
        for pid in children:
            os.kill(pid, signal.SIGKILL)
        os.kill(parent, signal.SIGKILL)
        return at, [*children, parent]
    at = time.time()
    os.kill(n1.popen.pid, signal.SIGKILL)
    return at, [n1.popen.pid]


def one_run(impl, size, args, workdir, index):
    lab = Lab(PREFIX, ["n1", "n2"])
    try:
        t_start = time.time()
        n1 = impl.start(lab, "n1", size, workdir)
        masters = wait_states(impl, n1, size, "master", args.converge)
        if masters != size:
            raise RuntimeError(f"{impl.name}: n1 is master of {masters} of {size}:\n{n1.output(40)}")
        n2 = impl.start(lab, "n2", size, workdir)
        backups = wait_states(impl, n2, size, "backup", args.converge)
        if backups != size or any(s != "backup" for s in states(impl, n2).values()):
            raise RuntimeError(f"{impl.name}: n2 is backup of {backups} of {size}:\n{n2.output(40)}")
        converged = time.time() - t_start
        pcap = os.path.join(workdir, f"{impl.name}-{size}-{index}.pcap")
        capture = lab.start("n2", "tcpdump", "-i", "lab0", "-n", "-U", "-B", "8192", "-w", pcap,
                            "--time-stamp-precision=nano", "ip proto 112")
        if not capture.wait_for("listening on", 10):
            raise RuntimeError("tcpdump did not start: " + capture.output())
        # The fault lands at a uniformly random phase of the master's advertisement interval.
        time.sleep(args.steady + random.uniform(0, INTERVAL))
        if any(s != "master" for s in states(impl, n1).values()) or any(s != "backup" for s in states(impl, n2).values()):
            raise RuntimeError(f"{impl.name}: not steady before the fault:\n{n1.output(20)}\n{n2.output(20)}")

        backup_pids = impl.pids(n2)
        ticks0, sched0 = cpu_ticks(backup_pids), sched_ns(backup_pids)
        kill_at, killed = kill_master(impl, n1)
        time.sleep(max(0.0, kill_at + 1.0 - time.time()))
        backup_pids_after = impl.pids(n2)
        ticks1, sched1 = cpu_ticks(backup_pids), sched_ns(backup_pids)
        taken = wait_states(impl, n2, size, "master", args.timeout, after=kill_at)
        took_over_log_at = time.time()
        time.sleep(0.3)  # the last takeovers' adverts reach the capture
        survivors = run("ip", "netns", "pids", lab.ns("n1"), check=False).split()
        capture.popen.send_signal(signal.SIGINT)
        capture.popen.wait(10)
        dropped = re.search(r"(\d+) packets? dropped by kernel", capture.output())
        result = analyse(pcap, size, kill_at)
        result.update({
            "run": index, "converged_s": converged, "log_masters": taken,
            "log_all_master_after_s": took_over_log_at - kill_at if taken == size else None,
            "cpu_ms": (ticks1 - ticks0) * 1000 / TICKS, "sched_cpu_ms": (sched1 - sched0) / 1e6,
            "backup_pids": backup_pids, "backup_pids_changed": sorted(backup_pids) != sorted(backup_pids_after),
            "killed_pids": killed, "n1_survivors": survivors,
            "capture_dropped": int(dropped.group(1)) if dropped else None,
            "n2_alive": n2.popen.poll() is None,
        })
        return result
    finally:
        lab.close()


def analyse(pcap, size, kill_at):
    fields = ["frame.time_epoch", "ip.src", "vrrp.virt_rtr_id", "vrrp.prio"]
    out = run("tshark", "-r", pcap, "-T", "fields", *sum((["-e", f] for f in fields), []), "-E", "separator=,",
              timeout=120)
    n1_times, n2_first = {}, {}
    n1_zero = 0
    for line in out.splitlines():
        row = line.split(",")
        if len(row) != len(fields) or not row[2]:
            continue
        t, src, vrid, prio = float(row[0]), row[1], int(row[2]), int(row[3])
        if src == N1:
            n1_times.setdefault(vrid, []).append(t)
            n1_zero += prio == 0
        elif src == N2 and vrid not in n2_first:
            n2_first[vrid] = t
    lateness, routers = [], {}
    for vrid in range(1, size + 1):
        first = n2_first.get(vrid)
        before = [t for t in n1_times.get(vrid, []) if first is None or t < first]
        last = max(before) if before else None
        entry = {"n1_last_minus_kill_ms": (last - kill_at) * 1000 if last else None,
                 "n2_first_minus_kill_ms": (first - kill_at) * 1000 if first else None}
        if first is not None and last is not None:
            entry["lateness_ms"] = (first - last) * 1000 - MASTER_DOWN_MS
            lateness.append(entry["lateness_ms"])
        routers[vrid] = entry
    firsts = sorted(n2_first[v] for v in n2_first if 1 <= v <= size)
    return {
        "routers": routers, "lateness_ms": lateness, "took_over": len(firsts),
        "first_second_gap_ms": (firsts[1] - firsts[0]) * 1000 if len(firsts) >= 2 else None,
        "first_last_spread_ms": (firsts[-1] - firsts[0]) * 1000 if len(firsts) >= 2 else None,
        "kill_to_first_takeover_ms": (firsts[0] - kill_at) * 1000 if firsts else None,
        "n1_adverts_after_kill": sum(1 for ts in n1_times.values() for t in ts if t > kill_at + 0.001),
        "n1_priority0_adverts": n1_zero,
        "n2_adverts_before_kill": sum(1 for t in n2_first.values() if t < kill_at),
    }


def percentile(values, p):
    ordered = sorted(values)
    return ordered[max(0, math.ceil(p / 100 * len(ordered)) - 1)]


def summary(runs, size):
    pooled = [x for r in runs for x in r["lateness_ms"]]

    def med(key):
        values = [r[key] for r in runs if r[key] is not None]
        return statistics.median(values) if values else None

    return {
        "lateness_median_ms": statistics.median(pooled) if pooled else None,
        "lateness_p99_ms": percentile(pooled, 99) if pooled else None,
        "lateness_max_ms": max(pooled) if pooled else None,
        "lateness_min_ms": min(pooled) if pooled else None,
        "cpu_ms_median": med("cpu_ms"), "sched_cpu_ms_median": med("sched_cpu_ms"),
        "first_second_gap_ms_median": med("first_second_gap_ms"),
        "first_last_spread_ms_median": med("first_last_spread_ms"),
        "kill_to_first_takeover_ms_median": med("kill_to_first_takeover_ms"),
        "took_over": sum(r["took_over"] for r in runs), "routers_total": size * len(runs),
        "runs": len(runs),
    }


def fmt(value, digits=1):
    return "—" if value is None else f"{value:.{digits}f}"


def print_table(summaries, names, sizes):
    print()
    print(f"Takeover lateness = (n2 first advert − n1 last advert) − Master_Down_Interval ({MASTER_DOWN_MS:.2f} ms); "
          "pooled over all routers of all runs. CPU: n2's processes in the second after the kill, median over runs "
          "(stat ticks / schedstat). Gap: n2's 1st → 2nd takeover advert, median over runs.")
    print()
    measures = [("lateness median (ms)", "lateness_median_ms", 2), ("lateness p99 (ms)", "lateness_p99_ms", 2),
                ("lateness max (ms)", "lateness_max_ms", 2), ("backup CPU, stat (ms)", "cpu_ms_median", 0),
                ("backup CPU, schedstat (ms)", "sched_cpu_ms_median", 1),
                ("1st → 2nd takeover gap (ms)", "first_second_gap_ms_median", 3),
                ("1st → last takeover spread (ms)", "first_last_spread_ms_median", 2)]
    print("| routers | measure | " + " | ".join(names) + " |")
    print("|---:|---|" + "---:|" * len(names))
    for size in sizes:
        for label, key, digits in measures:
            cells = " | ".join(fmt(summaries[(n, size)][key], digits) if (n, size) in summaries else "—" for n in names)
            print(f"| {size} | {label} | {cells} |")
        cells = " | ".join(f"{summaries[(n, size)]['took_over']}/{summaries[(n, size)]['routers_total']}"
                           if (n, size) in summaries else "—" for n in names)
        print(f"| {size} | took over | {cells} |")


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sizes", default="1,50,255")
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--impls", default="ours,keepalived")
    parser.add_argument("--steady", type=float, default=3.0, help="seconds of steady state before the fault")
    parser.add_argument("--converge", type=float, default=90.0, help="seconds allowed for the start-up elections")
    parser.add_argument("--timeout", type=float, default=15.0, help="seconds allowed for n2 to take over all routers")
    parser.add_argument("--json")
    parser.add_argument("--keep", help="a folder to keep the captures and configurations in")
    args = parser.parse_args()
    if os.geteuid() != 0:
        sys.exit("needs root: it creates network namespaces")
    if not os.path.exists(VRRPD):
        sys.exit(f"{VRRPD} not found: run 'dotnet build -c Release src/Vrrp.Daemon' first")
    signal.signal(signal.SIGTERM, lambda *_: (_ for _ in ()).throw(KeyboardInterrupt()))
    Lab.remove_stale(PREFIX)
    impls = {"ours": Ours(), "keepalived": Keepalived()}
    chosen = [impls[name] for name in args.impls.split(",")]
    sizes = [int(s) for s in args.sizes.split(",")]
    if any(not 1 <= s <= 255 for s in sizes):
        sys.exit("sizes must be 1..255 (VRIDs)")
    results = {}
    started = time.time()
    with tempfile.TemporaryDirectory(prefix=f"{PREFIX}-") as scratch:
        workdir = args.keep or scratch
        os.makedirs(workdir, exist_ok=True)
        for size in sizes:
            # Alternate the implementations run by run, so slow drifts of the machine hit both alike.
            for index in range(1, args.runs + 1):
                for impl in chosen:
                    r = one_run(impl, size, args, workdir, index)
                    results.setdefault((impl.name, size), []).append(r)
                    lat = r["lateness_ms"]
                    print(f"{impl.name:10} N={size:3} run {index}: took over {r['took_over']}/{size} "
                          f"(log {r['log_masters']}), lateness median {fmt(statistics.median(lat) if lat else None, 2)} "
                          f"max {fmt(max(lat) if lat else None, 2)} ms, kill→1st takeover "
                          f"{fmt(r['kill_to_first_takeover_ms'])} ms, 1st→2nd {fmt(r['first_second_gap_ms'], 3)} ms, "
                          f"spread {fmt(r['first_last_spread_ms'], 2)} ms, backup CPU {r['cpu_ms']:.0f} ms "
                          f"(schedstat {r['sched_cpu_ms']:.1f}), dropped {r['capture_dropped']}, "
                          f"n1 left {r['n1_survivors']}, converged in {r['converged_s']:.1f} s", flush=True)
    names = [impl.name for impl in chosen]
    summaries = {key: summary(runs, key[1]) for key, runs in results.items()}
    print_table(summaries, names, sizes)
    print(f"\n{sum(len(v) for v in results.values())} runs in {time.time() - started:.0f} s")
    if args.json:
        with open(args.json, "w") as f:
            json.dump({"interval_s": INTERVAL, "master_down_ms": MASTER_DOWN_MS, "priorities": PRIORITY,
                       "sizes": sizes, "runs_per_point": args.runs, "steady_s": args.steady,
                       "results": [{"impl": k[0], "size": k[1], "summary": summaries[k], "runs": v}
                                   for k, v in results.items()]}, f, indent=1)


if __name__ == "__main__":
    main()
