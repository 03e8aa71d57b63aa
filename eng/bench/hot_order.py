#!/usr/bin/env python3
"""The order file that lays vrrpd's steady-state code out together when it is published NativeAOT (issue 6).

At one router a master's advert costs ~100 µs of CPU, most of it in the kernel; of the user-space part much is the
cost of coming back to cold caches after each sleep: every 4 KiB page of code the timer path touches is a TLB miss,
and the compiler scattered that path's ~40 methods over ~20 pages. ILC places methods in the order a file names them
(IlcOrderFile, which src/Vrrp.Daemon sets when PublishAot is true). This script writes that file from a profile:

  1. a lab (a bridge namespace, hosts m and b in 198.51.100.0/24, no route out) with vrrpd on both, one router each
     at 10 ms: m master (priority 100), b backup (priority 50), so both the send and the receive path run;
  2. `perf record -g` of both for --seconds;
  3. every method of vrrpd's own image seen in a sampled call chain, most often seen first; runtime helpers written in
     assembly, C or C++ (Rhp*, Pal*, SystemNative_*, minipal_*, the GC's WKS::*) and PLT stubs are not ILC's to place and
     are left out.

--check BINARY.dbg lists the names in the order file that the binary has no method for (renamed or inlined since the
file was made), without a lab; it exits 1 if any are missing.

usage: sudo eng/bench/hot_order.py --vrrpd /tmp/vrrpd-aot/vrrpd [--seconds 20] [--out src/Vrrp.Daemon/hot-path.order]
       eng/bench/hot_order.py --check /tmp/vrrpd-aot/vrrpd.dbg
"""
import argparse
import collections
import os
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from lab import Lab  # noqa: E402
from scale import ROOT, keepalived_conf  # noqa: E402

ORDER = os.path.join(ROOT, "src", "Vrrp.Daemon", "hot-path.order")
NOT_ILCS = ("Rhp", "Pal", "SystemNative_", "minipal_", "__")


def profile(vrrpd, seconds, workdir):
    lab = Lab("vrrpo", [("m", "198.51.100.254/24", "02:00:00:00:01:11"), ("b", "198.51.100.253/24", "02:00:00:00:01:12")])
    try:
        pids, records = [], []
        for host, priority in (("m", 100), ("b", 50)):
            conf = os.path.join(workdir, f"{host}.conf")
            with open(conf, "w") as f:
                f.write(keepalived_conf(1, 0.01).replace("priority 100", f"priority {priority}"))
            process = lab.start(host, vrrpd, conf, "--require-netns", "--control", os.path.join(workdir, f"{host}.sock"))
            if not process.wait_for("vrrpd: ready", 60):
                raise RuntimeError(f"vrrpd on {host} did not start:\n{process.output()}")
            pids.append(process.popen.pid)
        time.sleep(15)  # past the first transitions, the announcements and the heap's settle
        perfs = []
        for pid in pids:
            out = os.path.join(workdir, f"{pid}.perf")
            records.append(out)
            perfs.append(subprocess.Popen(["perf", "record", "-q", "-g", "-e", "cpu-clock", "-F", "10000", "-p", str(pid),
                                           "-o", out, "--", "sleep", str(seconds)],
                                          stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL))
        for p in perfs:
            p.wait()
        return records
    finally:
        lab.close()


def methods(records):
    seen = collections.Counter()
    for record in records:
        script = subprocess.run(["perf", "script", "-i", record, "-F", "ip,sym,dso"], stdout=subprocess.PIPE,
                                stderr=subprocess.DEVNULL, text=True, check=True).stdout
        for line in script.splitlines():
            parts = line.split()
            if len(parts) >= 3 and parts[-1].endswith("/vrrpd)"):
                name = parts[1]
                if not name.startswith(NOT_ILCS) and "@plt" not in name and "::" not in name and not name.startswith("[unknown]"):
                    seen[name] += 1
    return [name for name, _ in seen.most_common()]


def symbols(dbg):
    out = subprocess.run(["nm", "--defined-only", dbg], stdout=subprocess.PIPE, text=True, check=True).stdout
    return {parts[2] for parts in (line.split() for line in out.splitlines()) if len(parts) == 3}


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--vrrpd", help="a NativeAOT-published vrrpd (its .dbg beside it)")
    parser.add_argument("--seconds", type=float, default=20)
    parser.add_argument("--out", default=ORDER)
    parser.add_argument("--check", metavar="DBG", help="list the order file's names that DBG has no symbol for")
    args = parser.parse_args()

    if args.check:
        known = symbols(args.check)
        with open(args.out) as f:
            names = [line.strip() for line in f if line.strip() and not line.startswith("#")]
        missing = [n for n in names if n not in known]
        print(f"{len(names) - len(missing)} of {len(names)} names in {args.out} are methods of {args.check}")
        for n in missing:
            print(f"  missing: {n}")
        sys.exit(1 if missing else 0)

    if not args.vrrpd:
        parser.error("--vrrpd or --check")
    if os.geteuid() != 0:
        sys.exit("needs root (namespaces, perf of another process)")
    with tempfile.TemporaryDirectory() as workdir:
        names = methods(profile(os.path.abspath(args.vrrpd), args.seconds, workdir))
    with open(args.out, "w") as f:
        f.write("# eng/bench/hot_order.py: vrrpd's steady-state methods, most often sampled first (ILC skips lines naming no method)\n")
        f.write("\n".join(names) + "\n")
    print(f"{len(names)} methods written to {args.out}")


if __name__ == "__main__":
    main()
