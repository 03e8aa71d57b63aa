#!/usr/bin/env python3
"""Fault run in namespaces (issue 6): a three-node vrrpd cluster under random faults, checked after every heal.

It builds one lab (a bridge namespace, nodes n1, n2, n3 running our vrrpd with priorities 100, 90, 80, a 100 ms
advertisement interval and one IPv4 virtual address, each with its own control socket, and a client c that pings the
virtual address every 100 ms), then, for --minutes, injects one random fault at a time on a random node:

  kill    SIGKILL the daemon; restart it after a random delay
  link    `ip link set lab0 down`, up again after a random delay
  drop    nftables in the node's namespace drops VRRP (ip protocol 112) on input or output for a random duration
  netem   `tc qdisc add dev lab0 root netem` with random delay/jitter and loss, for a random duration; on a kernel
          without sch_netem (checked at start) it becomes `loss`: nftables drops 10-75 % of the node's IPv4 packets
          in and out (`numgen random mod 100 < N drop`), without delay or jitter

Checks. While a node is killed or its link is down, and again after every heal, the cluster must converge within
the bound (below): exactly one node says Master (asked through its control socket), it is the highest-priority node
whose daemon runs and whose link is up, the virtual address is on that node's lab0 only (a killed node's leftover is
expected while it is dead and ignored), the client's one-shot ping gets an answer and its neighbour entry for the
virtual address holds the master's MAC. The first poll that starts at or after the bound must pass; the time to
the first passing poll (an upper bound: when that poll ended) is the convergence time. A passing poll that started
within the bound but ended after it is reported as inconclusive, with the slowest poll per kind. Once converged, each node is
asked once more with the real `vrrpctl --json status`, to check the verdict with the operator's tool. After a kill,
when the restarted daemon says "ready" and is not master, its lab0 must not hold the virtual address (a crashed
run's leftover is removed at start). At the end every daemon gets SIGTERM, and no node may hold the address.

Bound: Master_Down_Interval of the lowest running priority (3 x interval + Skew_Time, 368.75 ms for 80 at 100 ms),
plus one interval (a heal lands at a random phase of the master's advertisement interval, e.g. an output drop
that ends just after an advertisement was dropped) plus --slack (default 100 ms: netlink round trips, gratuitous
ARP and scheduling on a loaded 2-core VM). For a restart it counts from the daemon's "ready" line, not from exec:
.NET start-up is not the protocol.

Needs root, iproute2 (ip, tc with netem: the sch_netem module), nftables (`DEBIAN_FRONTEND=noninteractive apt-get
install -y nftables` if `nft` is missing) and ping. Builds nothing: run `dotnet build -c Release src/Vrrp.Daemon`
and `dotnet build -c Release src/Vrrp.Control` first. Exits 1 on any violation; a violation line carries the
seed, the fault's number and its time into the run, so `--seed` replays the same sequence of faults (timings on a
shared machine will differ).

Safety: everything runs in namespaces named vrrpf-<pid>-*, in 198.51.100.0/24 on interfaces named lab0; no route
leads out; the daemons run with --require-netns; nftables rules and qdiscs are made only inside the lab's
namespaces; only processes this script started are signalled, by pid; the lab is removed on exit, also on failure,
Ctrl-C or SIGTERM; labs of dead runs (their pid gone) are removed at start.

usage: sudo eng/bench/faults.py [--minutes 5] [--seed N] [--faults kill,link,drop,netem] [--slack 0.1]
                                [--router-option NAME=JSON ...] [--json results.json] [--keep DIR]
"""
import argparse
import json
import os
import random
import re
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from lab import Lab, mac_of, run  # noqa: E402

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
VRRPD = os.environ.get("VRRPD", os.path.join(ROOT, "src", "Vrrp.Daemon", "bin", "Release", "net10.0", "vrrpd.dll"))
VRRPCTL = os.environ.get("VRRPCTL", os.path.join(ROOT, "src", "Vrrp.Control", "bin", "Release", "net10.0", "vrrpctl.dll"))
VIP = "198.51.100.100"
INTERVAL = 0.1
NODES = {"n1": 100, "n2": 90, "n3": 80}
HOSTS = ["n1", "n2", "n3", "c"]
PREFIX = "vrrpf"


def master_down(priority):
    return 3 * INTERVAL + (256 - priority) * INTERVAL / 256


class Node:
    def __init__(self, lab, name, priority, workdir, extra):
        self.lab, self.name, self.priority = lab, name, priority
        self.index = HOSTS.index(name)
        self.mac = mac_of(self.index)
        self.ns = lab.ns(name)
        self.socket = os.path.join(workdir, f"{name}.sock")
        self.config = os.path.join(workdir, f"{name}.json")
        with open(self.config, "w") as f:
            json.dump({"routers": [{"name": "VI_51", "interface": "lab0", "virtualRouterId": 51, "priority": priority,
                                    "advertisementInterval": f"00:00:{INTERVAL:09.6f}",
                                    "virtualAddresses": [f"{VIP}/24"], **extra}]}, f)
        self.process = None
        self.link_up = True

    @property
    def running(self):
        return self.process is not None and self.process.popen.poll() is None

    def start(self):
        self.process = self.lab.start(self.name, "dotnet", VRRPD, self.config, "--require-netns", "--control", self.socket)
        ready = self.process.wait_for("vrrpd: ready", 60)
        if ready is None:
            raise RuntimeError(f"vrrpd in {self.name} did not start:\n{self.process.output()}")
        return ready

    def status(self, timeout=1.0):
        """The router's status through the control socket (the protocol vrrpctl speaks), or None."""
        try:
            with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as s:
                s.settimeout(timeout)
                s.connect(self.socket)
                s.sendall(b"status\n")
                data = b""
                while not data.endswith(b"\n"):
                    chunk = s.recv(65536)
                    if not chunk:
                        break
                    data += chunk
            routers = json.loads(data)["routers"]
            return routers[0] if routers else None
        except (OSError, ValueError, KeyError):
            return None

    def vrrpctl_state(self):
        out = run("ip", "netns", "exec", self.ns, "dotnet", VRRPCTL, "--socket", self.socket, "--json", "status",
                  check=False)
        try:
            return json.loads(out.strip().splitlines()[-1])["routers"][0]["state"]
        except (ValueError, KeyError, IndexError):
            return f"unreadable: {out.strip()[:200]}"

    def holds_vip(self):
        return f" {VIP}/" in run("ip", "-n", self.ns, "-o", "-4", "addr", "show", "dev", "lab0")


class Faults:
    def __init__(self, args):
        self.args = args
        self.rng = random.Random(args.seed)
        self.kinds = args.faults.split(",")
        self.start = time.time()
        self.injected = {}
        self.survived = {}
        self.violations = []
        self.convergence = {}  # kind/phase -> [seconds]
        self.events = []
        self.slowest_poll = {}
        self.inconclusive = []
        self.leftovers_cleaned = 0  # restarts that found the crash's address and were seen without it at "ready"

    def elapsed(self):
        return time.time() - self.start


def expected_master(nodes):
    candidates = [n for n in nodes if n.running and n.link_up]
    return max(candidates, key=lambda n: n.priority) if candidates else None


def bound(nodes, slack):
    running = [n.priority for n in nodes if n.running and n.link_up]
    return master_down(min(running)) + INTERVAL + slack


def poll(lab, nodes, client_ns, expected, ignore_leftover):
    """One look at the whole cluster: a list of what is wrong (empty when converged)."""
    problems = []
    states = {n.name: (n.status() or {}).get("state") if n.running else "dead" for n in nodes}
    masters = [name for name, state in states.items() if state == "Master"]
    if masters != [expected.name]:
        problems.append(f"masters {masters or 'none'}, expected [{expected.name}] (states {states})")
    holders = [n.name for n in nodes if n.holds_vip() and n.name not in ignore_leftover]
    if holders != [expected.name]:
        problems.append(f"address on {holders or 'no node'}, expected on {expected.name} only")
    neigh = run("ip", "-n", client_ns, "neigh", "show", VIP, "dev", "lab0")
    match = re.search(r"lladdr ([0-9a-f:]+)", neigh)
    if not match or match.group(1) != expected.mac:
        problems.append(f"client neighbour entry '{neigh.strip()}', expected {expected.mac}")
    if problems:
        # Already failing: the ping, which waits up to 0.3 s for an answer that may not come, would only make this
        # poll long, and a long failing poll is what leaves a convergence inconclusive.
        return problems
    ping = subprocess.run(["ip", "netns", "exec", client_ns, "ping", "-n", "-q", "-c", "1", "-W", "0.3", VIP],
                          stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, stdin=subprocess.DEVNULL)
    if ping.returncode != 0:
        problems.append("client ping got no answer")
    return problems


def converge(state, lab, nodes, kind, phase, since, ignore_leftover=()):
    """Polls until converged; the first poll that starts at or after since + bound must pass."""
    expected = expected_master(nodes)
    limit = bound(nodes, state.args.slack)
    label = f"{kind}/{phase}"
    client_ns = lab.ns("c")
    last = []
    late = False
    while True:
        started = time.time()
        problems = poll(lab, nodes, client_ns, expected, ignore_leftover)
        ended = time.time()
        if not problems:
            took = ended - since
            state.convergence.setdefault(label, []).append(took)
            state.slowest_poll[label] = max(state.slowest_poll.get(label, 0.0), ended - started)
            if ended - since > limit and not late:
                # It passed a poll that started in time but ended late: when inside it the last check came true
                # is unknown, so neither a pass within the bound nor a violation.
                state.inconclusive.append(f"fault #{state.fault_number} {label}: passing poll {started - since:.3f}"
                                          f"–{took:.3f} s after the fault/heal (bound {limit:.3f} s)")
            return True, took
        state.slowest_poll[label] = max(state.slowest_poll.get(label, 0.0), ended - started)
        last = problems
        if started >= since + limit and not late:
            late = True
            record(state, f"{label}: not converged {started - since:.3f} s after the heal (bound {limit:.3f} s): "
                          + "; ".join(problems))
        if ended - since > 15:
            record(state, f"{label}: never converged within 15 s: " + "; ".join(last))
            return False, None


def record(state, message):
    line = f"VIOLATION seed={state.args.seed} fault #{state.fault_number} at t={state.elapsed():.1f} s: {message}"
    print(line, flush=True)
    state.violations.append(line)
    state.fault_ok = False


def confirm_with_vrrpctl(state, nodes, kind, phase):
    expected = expected_master(nodes)
    states = {n.name: n.vrrpctl_state() for n in nodes if n.running}
    masters = [name for name, s in states.items() if s == "Master"]
    if masters != [expected.name]:
        record(state, f"{kind}/{phase}: vrrpctl --json status says {states}, expected only {expected.name} master")


def nft(ns, *script):
    run("ip", "netns", "exec", ns, "nft", *script)


def inject(state, lab, nodes, fault_number):
    rng = state.rng
    kind = rng.choice(state.kinds)
    node = rng.choice(nodes)
    hold = rng.uniform(0.5, 3.0)
    state.fault_number = fault_number
    state.fault_ok = True
    detail = ""
    if kind == "kill":
        was_master = (node.status() or {}).get("state") == "Master"
        os.kill(node.process.popen.pid, signal.SIGKILL)
        node.process.popen.wait(10)
        fault_at = time.time()
        detail = f"{node.name} (was {'master' if was_master else 'backup'}), restart after {hold:.2f} s"
        print(f"[{state.elapsed():7.1f}] #{fault_number} kill {detail}", flush=True)
        # While it is dead its kernel keeps the address it had: expected, so not counted against the cluster.
        converge(state, lab, nodes, kind, "takeover", fault_at, ignore_leftover=(node.name,))
        time.sleep(max(0.0, fault_at + hold - time.time()))
        left_over = node.holds_vip()
        if was_master and not left_over:
            record(state, f"kill: {node.name} was master but held no address after SIGKILL (is it really a crash?)")
        node.process = lab.start(node.name, "dotnet", VRRPD, node.config, "--require-netns", "--control", node.socket)
        ready = node.process.wait_for("vrrpd: ready", 60)
        if ready is None:
            record(state, f"kill: {node.name} did not restart:\n{node.process.output()}")
            return kind
        # Address first, state second: a master seen after the address was read may have added it legitimately.
        holds = node.holds_vip()
        became_master = node.process.wait_for("-> Master", 0)
        if holds and became_master is None:
            record(state, f"kill: restarted {node.name} holds {VIP} while not master (crash leftover kept)")
        elif left_over and became_master is None:
            state.leftovers_cleaned += 1
        heal_at = ready
    elif kind == "link":
        run("ip", "-n", node.ns, "link", "set", "lab0", "down")
        node.link_up = False
        fault_at = time.time()
        detail = f"{node.name} for {hold:.2f} s"
        print(f"[{state.elapsed():7.1f}] #{fault_number} link down {detail}", flush=True)
        if expected_master(nodes) is not None:
            converge(state, lab, nodes, kind, "takeover", fault_at)
        time.sleep(max(0.0, fault_at + hold - time.time()))
        run("ip", "-n", node.ns, "link", "set", "lab0", "up")
        node.link_up = True
        heal_at = time.time()
    elif kind == "drop":
        direction = rng.choice(["input", "output"])
        kind = f"drop-{'in' if direction == 'input' else 'out'}"
        nft(node.ns, "add", "table", "inet", "vrrpf")
        nft(node.ns, "add", "chain", "inet", "vrrpf", direction, "{", "type", "filter", "hook", direction,
            "priority", "0", ";", "}")
        nft(node.ns, "add", "rule", "inet", "vrrpf", direction, "ip", "protocol", "112", "drop")
        print(f"[{state.elapsed():7.1f}] #{fault_number} {kind} {node.name} for {hold:.2f} s", flush=True)
        time.sleep(hold)
        nft(node.ns, "delete", "table", "inet", "vrrpf")
        heal_at = time.time()
    elif not state.netem:
        # This kernel has no sch_netem: random loss of everything the node sends and receives, with nftables instead
        # (no delay or jitter: nothing else here can hold a packet back).
        loss = rng.choice([10, 25, 50, 75])
        kind = "loss"
        nft(node.ns, "add", "table", "inet", "vrrpf")
        for direction in ("input", "output"):
            nft(node.ns, "add", "chain", "inet", "vrrpf", direction, "{", "type", "filter", "hook", direction,
                "priority", "0", ";", "}")
            nft(node.ns, "add", "rule", "inet", "vrrpf", direction, "meta", "nfproto", "ipv4", "numgen", "random",
                "mod", "100", "<", str(loss), "drop")
        print(f"[{state.elapsed():7.1f}] #{fault_number} loss {node.name} {loss}% in and out (nftables) "
              f"for {hold:.2f} s", flush=True)
        time.sleep(hold)
        nft(node.ns, "delete", "table", "inet", "vrrpf")
        heal_at = time.time()
    else:
        delay = rng.randint(5, 80)
        jitter = rng.randint(0, delay)
        loss = rng.choice([0, 5, 10, 25, 50])
        run("ip", "netns", "exec", node.ns, "tc", "qdisc", "add", "dev", "lab0", "root", "netem",
            "delay", f"{delay}ms", f"{jitter}ms", "loss", f"{loss}%")
        print(f"[{state.elapsed():7.1f}] #{fault_number} netem {node.name} delay {delay}±{jitter} ms loss {loss}% "
              f"for {hold:.2f} s", flush=True)
        time.sleep(hold)
        run("ip", "netns", "exec", node.ns, "tc", "qdisc", "del", "dev", "lab0", "root")
        heal_at = time.time()
    ok, took = converge(state, lab, nodes, kind, "heal", heal_at)
    if ok:
        time.sleep(0.3)  # still so a little later: a flap right after convergence is a violation too
        confirm_with_vrrpctl(state, nodes, kind, "heal")
    print(f"          {kind}: converged {'in %.3f s' % took if ok else 'NEVER'}", flush=True)
    return kind


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--minutes", type=float, default=5)
    parser.add_argument("--seed", type=int, default=None, help="default: a random one, printed")
    parser.add_argument("--faults", default="kill,link,drop,netem")
    parser.add_argument("--slack", type=float, default=0.1, help="seconds added to the bound (default 0.1)")
    parser.add_argument("--router-option", action="append", default=[], metavar="NAME=JSON",
                        help="one more VirtualRouterOptions field for every node, e.g. advertiseOnHigherPriority=true")
    parser.add_argument("--json", help="write the per-fault results there")
    parser.add_argument("--keep", help="a folder to keep the configurations and daemon logs in")
    args = parser.parse_args()
    if args.seed is None:
        args.seed = random.SystemRandom().randrange(1, 1 << 31)
    if os.geteuid() != 0:
        sys.exit("needs root: it creates network namespaces")
    for path in (VRRPD, VRRPCTL):
        if not os.path.exists(path):
            sys.exit(f"{path} not found: run 'dotnet build -c Release src/Vrrp.Daemon' and "
                     "'dotnet build -c Release src/Vrrp.Control' first")
    if "drop" in args.faults and subprocess.run(["which", "nft"], stdout=subprocess.DEVNULL).returncode != 0:
        sys.exit("nft not found: DEBIAN_FRONTEND=noninteractive apt-get install -y nftables")
    # SIGTERM unwinds like Ctrl-C, so the lab is removed on the way out.
    signal.signal(signal.SIGTERM, lambda *_: (_ for _ in ()).throw(KeyboardInterrupt()))
    Lab.remove_stale(PREFIX)
    state = Faults(args)
    state.fault_number = 0
    print(f"seed {args.seed}, {args.minutes:g} minutes, faults {args.faults}", flush=True)
    with tempfile.TemporaryDirectory(prefix=f"{PREFIX}-") as scratch:
        workdir = args.keep or scratch
        os.makedirs(workdir, exist_ok=True)
        lab = Lab(PREFIX, HOSTS)
        try:
            extra = {k: json.loads(v) for k, v in (o.split("=", 1) for o in args.router_option)}
            nodes = [Node(lab, name, priority, workdir, extra) for name, priority in NODES.items()]
            for node in nodes:
                node.start()
            state.netem = subprocess.run(["ip", "netns", "exec", lab.ns("c"), "tc", "qdisc", "add", "dev", "lab0", "root",
                                          "netem", "delay", "1ms"], stdout=subprocess.DEVNULL,
                                         stderr=subprocess.DEVNULL).returncode == 0
            if state.netem:
                run("ip", "netns", "exec", lab.ns("c"), "tc", "qdisc", "del", "dev", "lab0", "root")
            else:
                print("tc netem is not available in this kernel (CONFIG_NET_SCH_NETEM): 'netem' faults become "
                      "'loss' faults, random loss with nftables, without delay or jitter", flush=True)
            lab.start("c", "ping", "-q", "-n", "-i", "0.1", VIP, capture=False)
            state.fault_ok = True
            ok, took = converge(state, lab, nodes, "start", "election", time.time())
            if not ok:
                raise RuntimeError("the cluster did not converge at start:\n" +
                                   "\n".join(n.process.output() for n in nodes))
            state.violations.clear()
            state.start = time.time()
            number = 0
            while state.elapsed() < args.minutes * 60:
                number += 1
                kind = inject(state, lab, nodes, number)
                state.injected[kind] = state.injected.get(kind, 0) + 1
                if state.fault_ok:
                    state.survived[kind] = state.survived.get(kind, 0) + 1
                state.events.append({"number": number, "kind": kind, "t": round(state.elapsed(), 2), "ok": state.fault_ok})
                time.sleep(state.rng.uniform(0.2, 1.0))
            # The end: SIGTERM to all, and nothing may stay behind.
            state.fault_number = "end"
            for node in nodes:
                if node.running:
                    os.kill(node.process.popen.pid, signal.SIGTERM)
            for node in nodes:
                try:
                    node.process.popen.wait(30)
                except subprocess.TimeoutExpired:
                    record(state, f"SIGTERM: {node.name} did not stop within 30 s")
                if node.holds_vip():
                    record(state, f"SIGTERM: {node.name} still holds {VIP} after stopping")
            if args.keep:
                for node in nodes:
                    with open(os.path.join(workdir, f"{node.name}.log"), "w") as f:
                        f.write("\n".join(line for p in lab.processes if p.popen.args[3] == node.ns for _, line in p.lines))
        finally:
            lab.close()
    total = sum(state.injected.values())
    print()
    print(f"seed {args.seed}: {total} faults in {state.elapsed() / 60:.1f} min, "
          f"{sum(state.survived.values())} survived, {len(state.violations)} violation(s); "
          f"{state.leftovers_cleaned} restart(s) found the crash's address left over and removed it before \"ready\"")
    print()
    print("| fault | injected | survived | converge after fault: median / max (n) | after heal: median / max (n) "
          "| slowest poll (after fault / heal) |")
    print("|---|---:|---:|---|---|---|")
    for kind in sorted(state.injected):
        cells = []
        for phase in ("takeover", "heal"):
            values = state.convergence.get(f"{kind}/{phase}", [])
            cells.append(f"{statistics.median(values) * 1000:.0f} / {max(values) * 1000:.0f} ms ({len(values)})"
                         if values else "—")
        polls = " / ".join(f"{state.slowest_poll[f'{kind}/{p}'] * 1000:.0f} ms" if f"{kind}/{p}" in state.slowest_poll
                           else "—" for p in ("takeover", "heal"))
        print(f"| {kind} | {state.injected[kind]} | {state.survived.get(kind, 0)} | {cells[0]} | {cells[1]} | {polls} |")
    for line in state.inconclusive:
        print(f"inconclusive (a slow poll straddled the bound): {line}")
    for line in state.violations:
        print(line)
    if args.json:
        with open(args.json, "w") as f:
            json.dump({"seed": args.seed, "events": state.events, "violations": state.violations,
                       "inconclusive": state.inconclusive, "slowest_poll": state.slowest_poll,
                       "convergence": state.convergence}, f, indent=1)
    sys.exit(1 if state.violations else 0)


if __name__ == "__main__":
    main()
