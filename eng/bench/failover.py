#!/usr/bin/env python3
"""Failover benchmark: our vrrpd against keepalived, side by side, in the same kind of namespaces (issue 4).

For each advertisement interval (1 s, 100 ms, 10 ms), each fault (SIGTERM, SIGKILL, link down) and each
implementation, it builds a fresh lab (a bridge namespace, nodes n1 (priority 100) and n2 (90), a client c that
pings the virtual address every 10 ms), captures on the client's interface, injects the fault on the master and
reads the capture back with tshark:

  fault -> takeover          from the fault to the first advertisement of n2 on the wire
  last advert -> takeover    from n1's last advertisement to n2's first (RFC: Master_Down_Interval, or Skew_Time
                             after a priority-0 advertisement)
  fault -> client reach      from the fault to the first echo reply carrying n2's MAC (10 ms ping resolution)

The fault time is taken just before the kill(2) or the `ip link set down` call. Needs root, iproute2, tcpdump,
tshark, ping and keepalived; builds nothing: run `dotnet build -c Release src/Vrrp.Daemon` first.

Safety: everything runs in namespaces named vrrpb-<pid>-*, in 198.51.100.0/24 on interfaces named lab0; no route
leads out; the daemons run with --require-netns; only processes this script started are signalled, by pid; the lab
is removed on exit, also on failure or Ctrl-C.

usage: sudo eng/bench/failover.py [--runs N] [--intervals 1,0.1,0.01] [--faults term,kill,link]
                                  [--impls ours,keepalived] [--json results.json]
"""
import argparse
import json
import random
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
VIP = "198.51.100.100"
N1, N2 = "198.51.100.11", "198.51.100.12"
N2_MAC = "02:00:00:00:00:0c"
PRIORITY_NEW_MASTER = 90


class Ours:
    name = "ours"
    master_line, backup_line = "-> Master", "-> Backup"

    def start(self, lab, host, priority, interval, workdir):
        config = os.path.join(workdir, f"{host}.json")
        with open(config, "w") as f:
            json.dump({"routers": [{"name": "VI_51", "interface": "lab0", "virtualRouterId": 51, "priority": priority,
                                    "advertisementInterval": f"00:00:{interval:09.6f}", "virtualAddresses": [f"{VIP}/24"]}]}, f)
        # VRRPD names the JIT build's vrrpd.dll or a published binary (NativeAOT).
        program = ["dotnet", VRRPD] if VRRPD.endswith(".dll") else [VRRPD]
        return lab.start(host, *program, config, "--require-netns", "--no-control")

    def processes_to_kill(self, process):
        return [process.popen.pid]


class Keepalived:
    name = "keepalived"
    master_line, backup_line = "Entering MASTER STATE", "Entering BACKUP STATE"

    def start(self, lab, host, priority, interval, workdir):
        conf = os.path.join(workdir, f"{host}.conf")
        with open(conf, "w") as f:
            f.write(f"""global_defs {{
    router_id {host}
    vrrp_version 3
}}
vrrp_instance VI_51 {{
    interface lab0
    state BACKUP
    virtual_router_id 51
    priority {priority}
    advert_int {interval:g}
    virtual_ipaddress {{
        {VIP}/24 dev lab0
    }}
}}
""")
        return lab.start(host, "keepalived", "-n", "-l", "-D", "-G", "-P", "-f", conf,
                         "-p", os.path.join(workdir, f"{host}.pid"), "-r", os.path.join(workdir, f"{host}-vrrp.pid"))

    def processes_to_kill(self, process):
        # The parent respawns a dead VRRP child: a crash takes both at once.
        return [*process.children(), process.popen.pid]


def skew(priority, interval):
    return (256 - priority) * interval / 256


def master_down(priority, interval):
    return 3 * interval + skew(priority, interval)


def one_run(impl, interval, fault, workdir):
    lab = Lab("vrrpb", ["n1", "n2", "c"])
    try:
        Lab.runs = getattr(Lab, "runs", 0) + 1
        pcap = os.path.join(workdir, f"{impl.name}-{interval:g}-{fault}-{Lab.runs}.pcap")
        capture = lab.start("c", "tcpdump", "-i", "lab0", "-n", "-U", "-w", pcap, "--time-stamp-precision=nano",
                            "ip proto 112 or icmp or arp")
        if not capture.wait_for("listening on", 10):
            raise RuntimeError("tcpdump did not start: " + capture.output())
        n1 = impl.start(lab, "n1", 100, interval, workdir)
        if not n1.wait_for(impl.master_line, 30):
            raise RuntimeError(f"{impl.name}: n1 did not become master:\n{n1.output()}")
        n2 = impl.start(lab, "n2", PRIORITY_NEW_MASTER, interval, workdir)
        if not n2.wait_for(impl.backup_line, 30):
            raise RuntimeError(f"{impl.name} did not elect n1:\n{n1.output()}\n{n2.output()}")
        lab.start("c", "ping", "-q", "-n", "-i", "0.01", VIP, capture=False)
        # A fault lands at a uniformly random phase of the master's advertisement interval, as it would in life:
        # fault -> takeover then spreads over Master_Down_Interval minus up to one interval, alike for both.
        time.sleep(max(1.0, 5 * interval) + random.uniform(0, interval))

        victims = impl.processes_to_kill(n1)
        fault_at = time.time()
        if fault == "term":
            os.kill(n1.popen.pid, signal.SIGTERM)
        elif fault == "kill":
            for pid in victims:
                os.kill(pid, signal.SIGKILL)
        else:
            run("ip", "-n", lab.ns("n1"), "link", "set", "lab0", "down")
        time.sleep(master_down(PRIORITY_NEW_MASTER, interval) + max(1.0, 10 * interval))
        capture.popen.send_signal(signal.SIGINT)
        capture.popen.wait(10)
        if not n2.wait_for(impl.master_line, 0, after=fault_at):
            raise RuntimeError(f"{impl.name}: n2 did not take over after {fault}:\n{n2.output()}")
        return analyse(pcap, fault_at, fault, interval)
    finally:
        lab.close()


def analyse(pcap, fault_at, fault, interval):
    fields = ["frame.time_epoch", "eth.src", "ip.src", "ip.proto", "vrrp.prio", "icmp.type"]
    out = run("tshark", "-r", pcap, "-T", "fields", *sum((["-e", f] for f in fields), []), "-E", "separator=,")
    takeover = last_n1 = reach = None
    last_n1_priority = None
    rows = [row for row in (line.split(",") for line in out.splitlines()) if len(row) == len(fields)]
    if not rows:
        raise RuntimeError(f"{pcap}: tshark read nothing: {out[:500]}")
    for epoch, mac, src, proto, prio, icmp in rows:
        t = float(epoch)
        if proto == "112" and src == N2 and t > fault_at - interval and takeover is None:
            takeover = t
    for epoch, mac, src, proto, prio, icmp in rows:
        t = float(epoch)
        if proto == "112" and src == N1 and takeover is not None and t < takeover:
            last_n1, last_n1_priority = t, int(prio)
        if icmp == "0" and mac == N2_MAC and t > fault_at and reach is None:
            reach = t
    if takeover is None or last_n1 is None:
        raise RuntimeError(f"{pcap}: no takeover found")
    graceful = last_n1_priority == 0
    if graceful != (fault == "term"):
        raise RuntimeError(f"{pcap}: last advert of n1 had priority {last_n1_priority} after fault {fault}")
    expected = skew(PRIORITY_NEW_MASTER, interval) if graceful else master_down(PRIORITY_NEW_MASTER, interval)
    return {
        "fault_to_takeover": (takeover - fault_at) * 1000,
        "last_advert_to_takeover": (takeover - last_n1) * 1000,
        "fault_to_client": (reach - fault_at) * 1000 if reach else None,
        "rfc": expected * 1000,
    }


def summarize(values):
    values = [v for v in values if v is not None]
    if not values:
        return "n/a"
    return f"{statistics.median(values):.1f} ({min(values):.1f}–{max(values):.1f})"


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--intervals", default="1,0.1,0.01")
    parser.add_argument("--faults", default="term,kill,link")
    parser.add_argument("--impls", default="ours,keepalived")
    parser.add_argument("--json")
    parser.add_argument("--keep", help="a folder to keep the captures and configurations in")
    args = parser.parse_args()
    if os.geteuid() != 0:
        sys.exit("needs root: it creates network namespaces")
    if not os.path.exists(VRRPD):
        sys.exit(f"{VRRPD} not found: run 'dotnet build -c Release src/Vrrp.Daemon' first")
    # SIGTERM unwinds like Ctrl-C, so every lab is removed on the way out.
    signal.signal(signal.SIGTERM, lambda *_: (_ for _ in ()).throw(KeyboardInterrupt()))
    Lab.remove_stale("vrrpb")
    impls = {"ours": Ours(), "keepalived": Keepalived()}
    chosen = [impls[name] for name in args.impls.split(",")]
    results = {}
    with tempfile.TemporaryDirectory(prefix="vrrpb-") as scratch:
        workdir = args.keep or scratch
        os.makedirs(workdir, exist_ok=True)
        for interval in [float(i) for i in args.intervals.split(",")]:
            for fault in args.faults.split(","):
                # Alternate the implementations run by run, so slow drifts of the machine hit both alike.
                for run_index in range(args.runs):
                    for impl in chosen:
                        r = one_run(impl, interval, fault, workdir)
                        results.setdefault((interval, fault, impl.name), []).append(r)
                        print(f"{interval:g}s {fault:4} {impl.name:10} run {run_index + 1}: "
                              f"fault->takeover {r['fault_to_takeover']:.1f} ms, last advert->takeover "
                              f"{r['last_advert_to_takeover']:.1f} ms (RFC {r['rfc']:.1f}), fault->client "
                              f"{r['fault_to_client'] if r['fault_to_client'] is None else round(r['fault_to_client'], 1)} ms",
                              flush=True)
    names = [impl.name for impl in chosen]
    print()
    print("| interval | fault | measure | RFC (ms) | " + " | ".join(f"{n}: median (min–max) ms" for n in names) + " |")
    print("|---|---|---|---|" + "---|" * len(names))
    for interval in [float(i) for i in args.intervals.split(",")]:
        for fault in args.faults.split(","):
            runs = {n: results[(interval, fault, n)] for n in names}
            rfc = runs[names[0]][0]["rfc"]
            for measure, label, reference in [("fault_to_takeover", "fault → takeover", "—"),
                                              ("last_advert_to_takeover", "last advert → takeover", f"{rfc:.1f}"),
                                              ("fault_to_client", "fault → client reaches new master", "—")]:
                cells = " | ".join(summarize([r[measure] for r in runs[n]]) for n in names)
                print(f"| {interval * 1000:g} ms | {fault} | {label} | {reference} | {cells} |")
    if args.json:
        with open(args.json, "w") as f:
            json.dump([{"interval": k[0], "fault": k[1], "impl": k[2], "runs": v} for k, v in results.items()], f, indent=1)


if __name__ == "__main__":
    main()
