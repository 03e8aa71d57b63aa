#!/usr/bin/env python3
"""Runs `keepalived -t` over the real-world corpus and records what keepalived 2.2.7 thinks of each file (issue 19, item 4).

For each file it writes (or updates) the header line `# keepalived-t: valid` (exit code 0) or `# keepalived-t: invalid`
right after the file's `# kind:` line, and writes every message keepalived printed, with its exit code, to
eng/differential/keepalived-t.txt (the corpus folder's path shortened to the file name). The header line is written
before keepalived reads the file, so the line numbers in the messages are those of the file as committed.

keepalived runs in a throwaway namespace (vdiff-<pid>-kt) that holds two veth pairs whose ends are lab0 and lab1,
with 198.51.100.11/24 on lab0 and 198.51.100.211/28 on lab1, so that the interface checks pass; pid files go to a
temporary folder. Nothing runs in the root namespace and nothing is sent anywhere.

usage: sudo python3 eng/differential/keepalived_t.py [FILES...]   (default: every tests/.../Corpus/real/*.conf)
"""
import glob
import os
import re
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.abspath(os.path.join(HERE, "..", ".."))
sys.path.insert(0, os.path.join(ROOT, "eng", "bench"))
from lab import Lab, run  # noqa: E402

CORPUS = os.path.join(ROOT, "tests", "Vrrp.Keepalived.Tests", "Corpus", "real")
KEEPALIVED = os.environ.get("KEEPALIVED", "/usr/sbin/keepalived")
HEADER = "# keepalived-t: "


def set_header(path, verdict):
    with open(path) as f:
        lines = f.read().split("\n")
    existing = [i for i, line in enumerate(lines) if line.startswith(HEADER)]
    if existing:
        lines[existing[0]] = HEADER + verdict
    else:
        kind = next((i for i, line in enumerate(lines) if line.startswith("# kind:")), 1)
        lines.insert(kind + 1, HEADER + verdict)
    with open(path, "w") as f:
        f.write("\n".join(lines))


def main(files):
    Lab.remove_stale("vdiff")
    ns = f"vdiff-{os.getpid()}-kt"
    report = []
    run("ip", "netns", "add", ns)
    try:
        for link, address in (("lab0", "198.51.100.11/24"), ("lab1", "198.51.100.211/28")):
            run("ip", "-n", ns, "link", "add", link, "type", "veth", "peer", "name", link + "p")
            run("ip", "-n", ns, "addr", "add", address, "dev", link)
            run("ip", "-n", ns, "link", "set", link, "up")
            run("ip", "-n", ns, "link", "set", link + "p", "up")
        run("ip", "-n", ns, "link", "set", "lo", "up")
        with tempfile.TemporaryDirectory(prefix="vdiff-kt-") as tmp:
            for path in files:
                set_header(path, "pending")
                result = subprocess.run(
                    ["ip", "netns", "exec", ns, KEEPALIVED, "-t", "-l", "-G", "-f", path,
                     "-p", os.path.join(tmp, "k.pid"), "-r", os.path.join(tmp, "v.pid"), "-c", os.path.join(tmp, "c.pid")],
                    stdout=subprocess.PIPE, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL, text=True, timeout=60)
                verdict = "valid" if result.returncode == 0 else "invalid"
                set_header(path, verdict)
                name = os.path.basename(path)
                messages = [re.sub(re.escape(os.path.dirname(path)) + "/", "", line) for line in result.stdout.splitlines() if line.strip()]
                report.append(f"== {name}: exit {result.returncode} ({verdict})")
                report.extend(f"   {line}" for line in messages)
                print(f"{name}: exit {result.returncode} ({verdict}), {len(messages)} message(s)")
    finally:
        for pid in run("ip", "netns", "pids", ns, check=False).split():
            try:
                os.kill(int(pid), 9)
            except (ProcessLookupError, ValueError):
                pass
        run("ip", "netns", "del", ns, check=False)
    with open(os.path.join(HERE, "keepalived-t.txt"), "w") as f:
        f.write(f"# `keepalived -t -l -G -f FILE` ({run(KEEPALIVED, '-v').splitlines()[0].strip()}) over {os.path.relpath(CORPUS, ROOT)}:\n")
        f.write("# exit code, then every message keepalived printed (file paths shortened to the file name).\n")
        f.write("# Written by eng/differential/keepalived_t.py.\n\n")
        f.write("\n".join(report) + "\n")


if __name__ == "__main__":
    if os.geteuid() != 0:
        sys.exit("keepalived_t.py needs root (it makes a network namespace)")
    main([os.path.abspath(f) for f in sys.argv[1:]] or sorted(glob.glob(os.path.join(CORPUS, "*.conf"))))
