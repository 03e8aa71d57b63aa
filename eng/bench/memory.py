#!/usr/bin/env python3
"""Where vrrpd's memory goes: one vrrpd as master of N routers in a lab (the lab and keepalived.conf of scale.py).

Waits until every router is master, then a settle time (--settle, past vrrpd's second heap settle 10 s after start),
and prints: VmRSS; RSS by kind of mapping from /proc/PID/smaps (file-backed code and data, JIT code in the runtime's
doublemapper, the brk heap, anonymous memory, which holds the GC heap and malloc arenas); threads; `vrrpctl process`
(GC counts, bytes allocated since start, GC heap size). With --dump PATH-TO-dotnet-dump it writes a heap dump and
prints the GC's segments (`eeheap -gc`) and the largest types, live only (`dumpheap -stat -live`) and all objects,
garbage included (`dumpheap -stat`): without a collection since start, the difference is what nobody holds.
Run it at two sizes and subtract, e.g. 1 and 255: live bytes per type divided by 254 is what each router keeps.

  sudo eng/bench/memory.py --size 255 [--interval 1] [--settle 12] [--dump ~/.dotnet/tools/dotnet-dump] [--top 40]

Needs root; builds nothing (as scale.py). Safety as scale.py: namespaces vrrpm-<pid>-*, removed on exit.
"""
import argparse
import json
import os
import re
import signal
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import scale  # noqa: E402
from lab import Lab  # noqa: E402

PREFIX = "vrrpm"


def smaps_by_kind(pid):
    kinds, kind = {}, None
    with open(f"/proc/{pid}/smaps") as f:
        for line in f:
            if re.match(r"^[0-9a-f]+-[0-9a-f]+ ", line):
                parts = line.split(None, 5)
                name = parts[5].strip() if len(parts) > 5 else ""
                kind = ("jit code" if "doublemapper" in name else "file" if name.startswith("/")
                        else name if name.startswith("[") else "anonymous")
            elif line.startswith("Rss:"):
                kinds[kind] = kinds.get(kind, 0) + int(line.split()[1])
    return kinds


def analyze(dump_tool, core, command, top):
    out = subprocess.run([dump_tool, "analyze", core, "-c", command, "-c", "exit"], capture_output=True, text=True).stdout
    lines = [line for line in out.splitlines() if line.strip()]
    return lines[-top:] if top else lines


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--size", type=int, default=255)
    parser.add_argument("--interval", type=float, default=1)
    parser.add_argument("--settle", type=float, default=12, help="seconds from all-master to the measurement")
    parser.add_argument("--dump", help="path of dotnet-dump: write a heap dump and print its statistics")
    parser.add_argument("--top", type=int, default=40)
    parser.add_argument("--aot", help="a published vrrpd executable (NativeAOT or trimmed) to measure instead of the JIT build")
    parser.add_argument("--core", help="with --dump: keep the heap dump at this path (for gcroot and the like)")
    args = parser.parse_args()
    if os.geteuid() != 0:
        sys.exit("needs root: it creates network namespaces")
    signal.signal(signal.SIGTERM, lambda *_: (_ for _ in ()).throw(KeyboardInterrupt()))
    Lab.remove_stale(PREFIX)
    impl = scale.Ours("aot", [os.path.abspath(args.aot)]) if args.aot else scale.Ours()
    lab = Lab(PREFIX, [("m", f"{scale.NODE}/24", "02:00:00:00:01:11"), ("p", None, "02:00:00:00:01:12")])
    with tempfile.TemporaryDirectory(prefix=f"{PREFIX}-") as workdir:
        try:
            conf = os.path.join(workdir, f"{lab.tag}.conf")
            with open(conf, "w") as f:
                f.write(scale.keepalived_conf(args.size, args.interval))
            process = impl.start(lab, conf, workdir)
            pid = process.popen.pid
            deadline = time.time() + 120
            while (masters := impl.masters(lab, process)) != args.size and time.time() < deadline:
                time.sleep(1)
            if masters != args.size:
                raise RuntimeError(f"{masters} of {args.size} routers are master:\n{process.output()}")
            time.sleep(args.settle)
            print(f"{args.size} router(s) at {args.interval * 1000:g} ms: RSS {scale.rss_kib(pid)} KiB, "
                  f"{len(os.listdir(f'/proc/{pid}/task'))} threads")
            print("RSS by kind (KiB):", json.dumps(smaps_by_kind(pid)))
            print("vrrpctl process:", json.dumps(impl.gc(lab)))
            if args.dump:
                core = args.core or os.path.join(workdir, "core")
                subprocess.run([args.dump, "collect", "-p", str(pid), "--type", "Heap", "-o", core], capture_output=True, check=True)
                print("\n".join(analyze(args.dump, core, "eeheap -gc", 0)[-3:]))
                print("-- live objects (dumpheap -stat -live):")
                print("\n".join(analyze(args.dump, core, "dumpheap -stat -live", args.top)))
                print("-- all objects, garbage included (dumpheap -stat):")
                print("\n".join(analyze(args.dump, core, "dumpheap -stat", args.top)))
        finally:
            lab.close()


if __name__ == "__main__":
    main()
