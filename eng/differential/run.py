#!/usr/bin/env python3
"""Differential harness: the same real-world keepalived.conf under keepalived and under vrrpd, in twin labs (issue 19, item 4).

For each configuration it builds two labs alike (eng/bench/lab.py: a bridge namespace and host namespaces a and b
joined by veth pairs whose inner end is lab0, plus lab1 on a second bridge when the configuration names lab1), runs
keepalived on both hosts of lab 1 and vrrpd on both hosts of lab 2, at the same moment, and goes through three steps:

  election   start host a, then host b 1.5 s later; wait 4 advertisement intervals + a margin (6 s)
  failover   SIGKILL host a's daemon (keepalived's parent and VRRP child together); wait as long again
  recovery   start host a's daemon again; wait as long again

After each step it takes a snapshot of each host namespace (addresses, routes, rules, links and macvlans, sysctls,
nftables ruleset, instance states from the daemons' logs) and of the wire (advertisements seen in the last interval
and a half, gratuitous ARPs and unsolicited NAs seen during the step), normalizes away what legitimately differs and
prints, per step, "identical" or each difference; then a markdown table. README.md beside this file says what is
normalized and why.

The corpus files are written from host a's point of view (a = 198.51.100.11 and 2001:db8:51::11 on lab0). Host b's
copy swaps .11 and .12 (both IPv4 and IPv6), so unicast_src_ip and unicast_peer fit b. Host a's copy has every
instance's priority raised by 10 (an instance without a priority line gets `priority 110` on a); where that would
pass 254, b's copy is lowered by 10 instead. The daemon stopped in the failover step is always host a's, in both labs.

Safety: runs only as root; every namespace is named vdiff-<pid>-<n>-*; labs of dead runs are removed first; no
daemon runs in the root namespace; the lab has no route out, addresses are in 198.51.100.0/24 and 2001:db8:51::/64
(route destinations of the corpus in 203.0.113.0/24, written only into the namespaces' tables); only processes this
script started are signalled, by pid; everything is removed on exit, also on failure, Ctrl-C or SIGTERM.

usage: sudo python3 eng/differential/run.py [--vrrpd PATH] [--keepalived PATH] [--quick] [--time-limit S]
                                            [--margin S] [--stagger S] [--logs DIR] [configs...]
"""
import argparse
import copy
import datetime
import glob
import ipaddress
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.abspath(os.path.join(HERE, "..", ".."))
sys.path.insert(0, os.path.join(ROOT, "eng", "bench"))
from lab import Lab, run  # noqa: E402

CORPUS = os.path.join(ROOT, "tests", "Vrrp.Keepalived.Tests", "Corpus", "real")
PREFIX = "vdiff"
STEPS = ("election", "failover", "recovery")
HOSTS = ("a", "b")
LAB0_MAC = {"a": "02:00:00:00:00:0b", "b": "02:00:00:00:00:0c"}  # lab.py's mac_of(0), mac_of(1)
LAB1_MAC = {"a": "02:00:00:00:01:0b", "b": "02:00:00:00:01:0c"}
LAB0_V6 = {"a": "2001:db8:51::11/64", "b": "2001:db8:51::12/64"}
LAB1_V4 = {"a": "198.51.100.211/28", "b": "198.51.100.212/28"}
LAB1_V6 = {"a": "2001:db8:51::2:11/112", "b": "2001:db8:51::2:12/112"}
SYSCTLS = ["ipv4/conf/*/arp_ignore", "ipv4/conf/*/arp_announce", "ipv4/conf/*/arp_filter",
           "ipv4/conf/*/promote_secondaries", "ipv4/conf/*/rp_filter", "ipv6/conf/*/accept_dad"]


class Timeout(Exception):
    pass


# ---------------------------------------------------------------------------------------------------------------
# The configuration: what it needs, and the two hosts' copies
# ---------------------------------------------------------------------------------------------------------------

def strip_comment(line):
    """keepalived's comments start at # or ! anywhere outside a quoted string."""
    out, quoted = [], False
    for ch in line:
        if ch == '"':
            quoted = not quoted
        if ch in "#!" and not quoted:
            break
        out.append(ch)
    return "".join(out)


def instances(lines):
    """Each vrrp_instance as (name, index of the line holding its '{', index of its closing line, priority line indexes)."""
    found, depth, pending, current = [], 0, None, None
    for i, raw in enumerate(lines):
        line = strip_comment(raw)
        words = line.split()
        if depth == 0 and words and words[0] == "vrrp_instance":
            pending = words[1].strip('"') if len(words) > 1 else "?"
        for j, ch in enumerate(line):
            if ch == "{":
                depth += 1
                if depth == 1 and pending is not None:
                    current = [pending, i, None, []]
                    pending = None
            elif ch == "}":
                depth -= 1
                if depth == 0 and current is not None:
                    current[2] = i
                    found.append(tuple(current))
                    current = None
        if current is not None and depth == 1 and re.match(r"^\s*priority\s+\d+", line):
            current[3].append(i)
    return found


def host_copies(text):
    """Host a's and host b's copies of a configuration written from host a's point of view."""
    swap = {"198.51.100.11": "198.51.100.12", "198.51.100.12": "198.51.100.11",
            "2001:db8:51::11": "2001:db8:51::12", "2001:db8:51::12": "2001:db8:51::11"}
    b_text = re.sub(r"(?<![\w:.])(198\.51\.100\.1[12]|2001:db8:51::1[12])(?![\w:.]*\w)",
                    lambda m: swap[m.group(1)], text)
    a_lines, b_lines = text.split("\n"), b_text.split("\n")
    notes, inserts = [], []
    for (name, start, _end, prios), (_n, _s, _e, b_prios) in zip(instances(a_lines), instances(b_lines)):
        if not prios:
            inserts.append(start)
            notes.append(f"{name}: no priority line; a gets priority 110, b keeps the default 100")
            continue
        for i, bi in zip(prios, b_prios):
            value = int(re.match(r"^\s*priority\s+(\d+)", strip_comment(a_lines[i])).group(1))
            if value + 10 <= 254:
                a_lines[i] = re.sub(r"priority\s+\d+", f"priority {value + 10}", a_lines[i], count=1)
                notes.append(f"{name}: priority a {value + 10}, b {value}")
            else:
                b_lines[bi] = re.sub(r"priority\s+\d+", f"priority {max(1, value - 10)}", b_lines[bi], count=1)
                notes.append(f"{name}: priority a {value}, b {max(1, value - 10)}")
    for start in reversed(inserts):
        a_lines.insert(start + 1, "    priority 110   # added by eng/differential/run.py for host a")
    return "\n".join(a_lines), "\n".join(b_lines), notes


def advert_interval(text):
    values = [float(m) for m in re.findall(r"^\s*advert_int\s+([\d.]+)", "\n".join(strip_comment(l) for l in text.split("\n")), re.M)]
    return max(values) if values else 1.0


def uses_lab1(text):
    return re.search(r"\blab1\b", "\n".join(strip_comment(l) for l in text.split("\n"))) is not None


# ---------------------------------------------------------------------------------------------------------------
# Labs and daemons
# ---------------------------------------------------------------------------------------------------------------

class TwinLab:
    """One lab of the pair: lab.py's Lab (br0, hosts a and b on lab0) plus IPv6, lab1 on br1 if needed, and captures."""

    def __init__(self, name, with_lab1, workdir):
        self.name, self.workdir = name, workdir
        self.lab = Lab(PREFIX, list(HOSTS))
        self.ports = {"a": ["p1"], "b": ["p2"]}
        self.captures = {}
        try:
            for host in HOSTS:
                self.lab.exec(host, "ip", "addr", "add", LAB0_V6[host], "dev", "lab0")
            if with_lab1:
                br = self.lab.ns("br")
                run("ip", "-n", br, "link", "add", "br1", "type", "bridge")
                run("ip", "-n", br, "link", "set", "br1", "up")
                for i, host in enumerate(HOSTS):
                    ns, port = self.lab.ns(host), f"q{i + 1}"
                    run("ip", "link", "add", "lab1", "netns", ns, "type", "veth", "peer", "name", port, "netns", br)
                    run("ip", "-n", br, "link", "set", port, "master", "br1", "up")
                    run("ip", "-n", ns, "link", "set", "lab1", "address", LAB1_MAC[host])
                    run("ip", "-n", ns, "addr", "add", LAB1_V4[host], "dev", "lab1")
                    run("ip", "-n", ns, "addr", "add", LAB1_V6[host], "dev", "lab1")
                    run("ip", "-n", ns, "link", "set", "lab1", "up")
                    self.ports[host].append(port)
            for host in HOSTS:
                for port in self.ports[host]:
                    pcap = os.path.join(workdir, f"{name}-{port}.pcap")
                    process = self.lab.start("br", "tcpdump", "-i", port, "-Q", "in", "-n", "-U", "-w", pcap)
                    self.captures[(host, port)] = (process, pcap)
            for process, _ in self.captures.values():
                if not process.wait_for("listening on", 10):
                    raise RuntimeError("tcpdump did not start: " + process.output())
        except BaseException:
            self.lab.close()
            raise

    def close(self):
        self.lab.close()


class Keepalived:
    name = "keepalived"

    def __init__(self, path):
        self.path = path

    def start(self, twin, host, conf, workdir, run_no):
        base = os.path.join(workdir, f"{twin.name}-{host}-{run_no}")
        return twin.lab.start(host, self.path, "-n", "-l", "-D", "-G", "-P", "-f", conf,
                              "-p", base + ".pid", "-r", base + "-vrrp.pid")

    @staticmethod
    def states(process):
        states = {}
        for _, line in list(process.lines):
            m = re.search(r"\((\S+?)\) Entering (\w+) STATE", line)
            if m:
                states[m.group(1)] = m.group(2).upper()
        return states


class Vrrpd:
    name = "vrrpd"

    def __init__(self, path):
        self.path = path

    def start(self, twin, host, conf, workdir, run_no):
        base = os.path.join(workdir, f"{twin.name}-{host}-{run_no}")
        return twin.lab.start(host, self.path, "-f", conf, "--require-netns", "--control", base + ".sock",
                              "--state-file", base + ".state")

    @staticmethod
    def states(process):
        states = {}
        for _, line in list(process.lines):
            m = re.search(r"vrrpd: (\S+?): \w+ -> (\w+)", line)
            if m:
                states[m.group(1).strip('"')] = m.group(2).upper()
        return states


def crash(process):
    """SIGKILL a daemon as a crash would take it: keepalived's VRRP child first (its parent is stopped meanwhile, so
    that it neither restarts the child nor, by dying first, sends the child the SIGTERM of PR_SET_PDEATHSIG, which
    would let the child clean up), then the parent. lab.py's kill takes the parent first and can let the child clean up."""
    pid = process.popen.pid
    if process.popen.poll() is not None:
        return
    children = process.children()
    try:
        if children:
            os.kill(pid, signal.SIGSTOP)
        for child in children:
            try:
                os.kill(child, signal.SIGKILL)
            except ProcessLookupError:
                pass
        os.kill(pid, signal.SIGKILL)
    except ProcessLookupError:
        pass
    process.popen.wait(10)


# ---------------------------------------------------------------------------------------------------------------
# Snapshots and their normalization
# ---------------------------------------------------------------------------------------------------------------

def ns_run(ns, *args):
    return subprocess.run(["ip", "netns", "exec", ns, *args], stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                          stdin=subprocess.DEVNULL, text=True, timeout=30).stdout


def ns_json(ns, *args):
    out = ns_run(ns, *args)
    try:
        return json.loads(out) if out.strip() else []
    except json.JSONDecodeError:
        return [{"unparsed": out.strip()[:200]}]


def dump_address_protocols():
    """Prints [[ifname, address, prefixlen, IFA_PROTO], ...] of this namespace's addresses (RTM_GETADDR dump; iproute2 6.1
    does not show the address protocol, which the kernel has kept since 6.1). Run inside the namespace."""
    import socket
    import struct
    sock = socket.socket(socket.AF_NETLINK, socket.SOCK_RAW, 0)  # NETLINK_ROUTE
    sock.bind((0, 0))
    sock.send(struct.pack("=IHHII", 16 + 8, 22, 0x301, 1, 0) + struct.pack("=BBBBI", 0, 0, 0, 0, 0))  # RTM_GETADDR, NLM_F_REQUEST|DUMP
    rows, done = [], False
    while not done:
        data = sock.recv(65536)
        offset = 0
        while offset + 16 <= len(data):
            length, kind = struct.unpack_from("=IH", data, offset)
            if kind == 3 or length < 16:  # NLMSG_DONE
                done = True
                break
            if kind == 20:  # RTM_NEWADDR
                family, prefixlen, _flags, _scope, index = struct.unpack_from("=BBBBI", data, offset + 16)
                attrs, pos, address, proto = {}, offset + 24, None, 0
                while pos + 4 <= offset + length:
                    alen, atype = struct.unpack_from("=HH", data, pos)
                    if alen < 4:
                        break
                    attrs[atype] = data[pos + 4:pos + alen]
                    pos += (alen + 3) & ~3
                raw = attrs.get(2) or attrs.get(1)  # IFA_LOCAL, else IFA_ADDRESS
                if raw:
                    address = socket.inet_ntop(family, raw)
                if 11 in attrs:  # IFA_PROTO
                    proto = attrs[11][0]
                try:
                    name = socket.if_indextoname(index)
                except OSError:
                    name = str(index)
                rows.append([name, address, prefixlen, proto])
            offset += (length + 3) & ~3
    print(json.dumps(rows))


def eui64_link_local(mac):
    b = [int(x, 16) for x in mac.split(":")]
    if len(b) != 6:
        return None
    b[0] ^= 2
    eui = b[:3] + [0xFF, 0xFE] + b[3:]
    return str(ipaddress.IPv6Address(bytes([0xFE, 0x80] + [0] * 6 + eui)))


def snapshot_host(ns):
    """Normalized facts of one host namespace: {category: [fact, ...]}, and {fact: protocol} of addresses, routes, rules."""
    facts, proto = {}, {}
    links = ns_json(ns, "ip", "-j", "-d", "link", "show")
    link_facts = []
    for link in links:
        name = link.get("ifname", "?")
        info = link.get("linkinfo", {})
        kind = info.get("info_kind", "")
        flags = ",".join(sorted(f for f in link.get("flags", []) if f in ("UP", "NOARP", "MULTICAST", "BROADCAST", "LOOPBACK")))
        parts = [name, f"kind={kind or '-'}", f"mac={link.get('address', '-')}", f"flags={flags}", f"mtu={link.get('mtu')}"]
        if kind == "macvlan":
            parts += [f"parent={link.get('link', '?')}", f"mode={info.get('info_data', {}).get('mode', '?')}"]
        if link.get("inet6_addr_gen_mode"):
            parts.append(f"addrgenmode={link['inet6_addr_gen_mode']}")
        link_facts.append(" ".join(parts))
    facts["link"] = link_facts
    macs = {link.get("ifname"): link.get("address", "") for link in links}

    addr_protocols = {(n, a, p): proto for n, a, p, proto in ns_json(ns, sys.executable, os.path.abspath(__file__), "--dump-address-protocols")
                      if isinstance(n, str)}
    addr_facts = []
    for link in ns_json(ns, "ip", "-j", "addr", "show"):
        name = link.get("ifname", "?")
        for a in link.get("addr_info", []):
            local = a.get("local", "?")
            if a.get("family") == "inet6" and local.startswith("fe80:") and (
                    addr_protocols.get((name, local, a.get("prefixlen"))) == 3 or local == eui64_link_local(macs.get(name, ""))):
                continue  # made by the kernel from the link's MAC
            parts = [f"{name}", f"{local}/{a.get('prefixlen')}", f"scope={a.get('scope')}"]
            if a.get("label") and a.get("label") != name:
                parts.append(f"label={a['label']}")
            if a.get("broadcast"):
                parts.append(f"brd={a['broadcast']}")
            for flag in ("secondary", "noprefixroute", "nodad", "deprecated", "tentative", "dadfailed", "home", "mngtmpaddr"):
                if a.get(flag):
                    parts.append(flag)
            fact = " ".join(parts)
            addr_facts.append(fact)
            protocol = a.get("protocol") or {0: None, 1: "kernel_lo", 2: "kernel_ra", 3: "kernel_ll"}.get(
                addr_protocols.get((name, local, a.get("prefixlen")), 0), str(addr_protocols.get((name, local, a.get("prefixlen")))))
            proto[f"addr {fact}"] = protocol or "-"
    facts["addr"] = addr_facts

    route_facts = []
    for family in ("-4", "-6"):
        for r in ns_json(ns, "ip", "-j", family, "route", "show", "table", "all"):
            table, dst, protocol = r.get("table", "main"), r.get("dst", "?"), r.get("protocol", "")
            if table == "local" and protocol == "kernel":
                continue  # the kernel's local and broadcast routes of each address: follow the addresses
            if family == "-6" and protocol == "kernel" and (dst.startswith("fe80::") or dst.startswith("ff00::")):
                continue  # link-local and multicast routes the kernel gives every IPv6 link
            parts = [f"table={table}", f"type={r.get('type', 'unicast')}", dst]
            for key in ("gateway", "dev", "prefsrc", "scope", "metric", "pref", "src"):
                if r.get(key) not in (None, ""):
                    parts.append(f"{key}={r[key]}")
            if r.get("flags"):
                parts.append("flags=" + ",".join(r["flags"]))
            fact = " ".join(parts)
            route_facts.append(fact)
            proto[f"route {fact}"] = protocol or "-"
    facts["route"] = route_facts

    rule_facts = []
    for family in ("-4", "-6"):
        for r in ns_json(ns, "ip", "-j", family, "rule", "show"):
            parts = [family, f"pref={r.get('priority')}"]
            for key in ("src", "dst", "iif", "oif", "fwmark", "fwmask", "table", "action", "l3mdev", "tos"):
                if r.get(key) not in (None, ""):
                    value = r[key]
                    if key in ("src", "dst") and r.get(key + "len") is not None:
                        value = f"{value}/{r[key + 'len']}"
                    parts.append(f"{key}={value}")
            fact = " ".join(parts)
            rule_facts.append(fact)
            proto[f"rule {fact}"] = r.get("protocol") or "-"
    facts["rule"] = rule_facts

    globs = " ".join(f"/proc/sys/net/{p}" for p in SYSCTLS)
    sysctl = ns_run(ns, "sh", "-c", f"grep -H . {globs} 2>/dev/null")
    facts["sysctl"] = [line.replace("/proc/sys/net/", "").replace("/", ".").replace(":", " = ", 1)
                       for line in sysctl.splitlines() if line.strip()]

    nft = ns_run(ns, "nft", "list", "ruleset") if shutil.which("nft") else ""
    facts["nft"] = [line.rstrip() for line in nft.splitlines() if line.strip()]
    if shutil.which("iptables-save"):
        ipt = ns_run(ns, "iptables-save")
        facts["iptables"] = [l for l in ipt.splitlines() if l.strip() and not l.startswith("#") and not l.startswith(":")]
    return facts, proto


def read_wire(pcap):
    """(epoch, kind, description) of each VRRP advertisement, gratuitous ARP and unsolicited NA in a capture."""
    fields = ["frame.time_epoch", "eth.src", "ip.src", "ip.dst", "ip.ttl", "ip.proto", "ipv6.src", "ipv6.dst", "ipv6.hlim",
              "vrrp.version", "vrrp.type", "vrrp.virt_rtr_id", "vrrp.prio", "vrrp.addr_count", "vrrp.auth_type", "vrrp.adver_int",
              "vrrp.short_adver_int", "vrrp.ip_addr", "vrrp.ipv6_addr", "vrrp.auth_string", "vrrp.checksum.status",
              "arp.opcode", "arp.src.proto_ipv4", "arp.dst.proto_ipv4", "arp.src.hw_mac", "icmpv6.type", "icmpv6.nd.na.target_address",
              "icmpv6.nd.na.flag.s", "icmpv6.nd.na.flag.o", "icmpv6.nd.na.flag.r", "icmp.type", "icmp.code", "icmpv6.code"]
    if not os.path.exists(pcap) or os.path.getsize(pcap) < 25:
        return []
    out = subprocess.run(["tshark", "-r", pcap, "-Y", "vrrp or arp or icmpv6.type == 136", "-T", "fields", "-E", "separator=\t",
                          "-E", "occurrence=a", "-E", "aggregator=,", *sum((["-e", f] for f in fields), [])],
                         stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True, timeout=120).stdout
    events = []
    for line in out.splitlines():
        row = dict(zip(fields, line.split("\t")))
        t = float(row.get("frame.time_epoch") or 0)
        if row.get("vrrp.version") and (row.get("icmp.type") or row.get("icmpv6.type")):
            # An ICMP error quoting an advertisement (e.g. protocol unreachable from a host whose daemon is down)
            v6 = bool(row.get("icmpv6.type"))
            outer = (row.get("ipv6.src") if v6 else row.get("ip.src")) or "?"
            inner = ((row.get("ipv6.src") if v6 else row.get("ip.src")) or "?").split(",")[-1]
            kind = f"icmpv6 type={row.get('icmpv6.type')} code={row.get('icmpv6.code')}" if v6 else \
                f"icmp type={row.get('icmp.type')} code={row.get('icmp.code')}"
            events.append((t, "advert", f"{kind} from {outer.split(',')[0]} quoting a v{row['vrrp.version'].split(',')[-1]} "
                                        f"advert of vrid {row.get('vrrp.virt_rtr_id')} from {inner}"))
        elif row.get("vrrp.version"):
            version = row["vrrp.version"]
            src = row.get("ip.src") or row.get("ipv6.src")
            if src and src.startswith("fe80:"):
                src = "fe80::(link-local of " + row.get("eth.src", "?") + ")"
            interval = (f"{int(row['vrrp.adver_int'])}s" if version == "2" and row.get("vrrp.adver_int")
                        else f"{int(row['vrrp.short_adver_int'] or 0)}cs")
            parts = [f"v{version}", f"vrid={row.get('vrrp.virt_rtr_id')}", f"prio={row.get('vrrp.prio')}", f"int={interval}",
                     f"addrs=[{row.get('vrrp.ip_addr') or row.get('vrrp.ipv6_addr') or ''}]", f"count={row.get('vrrp.addr_count')}",
                     f"src={src}", f"dst={row.get('ip.dst') or row.get('ipv6.dst')}",
                     f"ttl={row.get('ip.ttl') or row.get('ipv6.hlim')}", f"eth={row.get('eth.src')}"]
            if row.get("ip.proto") == "51":
                parts.append("ah")
            if row.get("vrrp.auth_type") not in (None, "", "0"):
                parts.append(f"auth={row['vrrp.auth_type']}:{row.get('vrrp.auth_string', '')}")
            if row.get("vrrp.checksum.status") not in ("", "2", None):
                parts.append("checksum=" + {"0": "bad", "1": "good"}.get(row["vrrp.checksum.status"], row["vrrp.checksum.status"]))
            events.append((t, "advert", " ".join(parts)))
        elif row.get("arp.opcode") and row.get("arp.src.proto_ipv4") == row.get("arp.dst.proto_ipv4"):
            events.append((t, "garp", f"{row['arp.src.proto_ipv4']} op={row['arp.opcode']} from {row.get('arp.src.hw_mac') or row.get('eth.src')}"))
        elif row.get("icmpv6.type") == "136":
            flags = "".join(f for f, key in (("R", "r"), ("S", "s"), ("O", "o")) if row.get(f"icmpv6.nd.na.flag.{key}") in ("1", "True"))
            if "S" not in flags:
                events.append((t, "na", f"{row.get('icmpv6.nd.na.target_address')} flags={flags or '-'} dst={row.get('ipv6.dst')} from {row.get('eth.src')}"))
    return events


def wire_facts(twin, since, until, window):
    """Advertisements seen in the last `window` seconds before `until`; announcements counted over the whole step."""
    facts = {}
    for (host, port), (_process, pcap) in twin.captures.items():
        events = read_wire(pcap)
        adverts = sorted({d for t, k, d in events if k == "advert" and until - window <= t <= until})
        announcements = {}
        for t, k, d in events:
            if k in ("garp", "na") and since <= t <= until:
                announcements[f"{k} {d}"] = announcements.get(f"{k} {d}", 0) + 1
        facts[f"wire {host}/{port} adverts"] = adverts
        facts[f"wire {host}/{port} announce"] = sorted(f"{d} x{n}" for d, n in announcements.items())
    return facts


# Differences vrrpd makes on purpose, each with its reason; set apart from the rest, like the protocol numbers.
DELIBERATE = {
    "promote_secondaries": "vrrpd sets promote_secondaries where it puts an IPv4 address (issue 18: removing an "
                           "address of its own must never take an administrator's secondaries with it); put back on stop",
    "arp_announce": "vrrpd sets arp_announce=2 on a virtual MAC's parent, beyond keepalived: the parent's ARP request for a "
                    "client must not carry a virtual address with the parent's MAC, which would undo the virtual MAC",
}


IPV6_UNICAST_HOP_LIMIT = ("IPv6 unicast adverts leave with hop limit 255, as RFC 9568 section 5.1.2.3 requires (a receiver "
                          "drops any other); keepalived's leave with the system default, 64")


NA_ROUTER_FLAG = ("unsolicited neighbour advertisements carry the Router flag, as RFC 9568 section 6.4.2 requires "
                  "of a master; keepalived sets it only when the interface forwards")


OWN_TABLES = ("vrrpd nftables tables are its own (vrrpd for accept mode, vrrpd_vmac for the virtual MAC's report "
              "rules), never keepalived's 'keepalived', so both can run on one host during a move; compared as if named alike")


HANDBACK_ARP_REPLIES = ("ARP replies (op=2) at the handback come from the old master's kernel, answering the new master's "
                        "gratuitous ARP while it still holds the address: whether it does depends on which of the two is "
                        "first by a fraction of a millisecond, under keepalived as under vrrpd; neither daemon sends a reply")


KILLED_HOST_UNREACHABLE = ("the killed host's kernel answers adverts with ICMP protocol unreachable, one a second (its "
                           "ICMP rate limit): which instance's advert it quotes depends on timing, under keepalived as "
                           "under vrrpd")


def set_apart_deliberate(keepalived, vrrpd, step=None):
    """Removes from both snapshots the differences listed in DELIBERATE (and the kernel's answers whose choice is timing:
    at the recovery's handback, the old master's ARP replies; after the failover's kill, which advert the killed host's
    protocol unreachable quotes); returns them as lines."""
    lines = []
    for category in sorted(set(keepalived) & set(vrrpd)):
        if step == "failover" and category.endswith(" adverts"):
            def quoted(x):
                return re.sub(r" of vrid \d+ ", " of vrid N ", x)
            for x in [x for x in keepalived[category] if x.startswith("icmp type=3 code=2 ") and x not in vrrpd[category]]:
                other = next((y for y in vrrpd[category] if y not in keepalived[category] and quoted(y) == quoted(x)), None)
                if other is not None:
                    keepalived[category].remove(x)
                    vrrpd[category].remove(other)
                    lines.append(f"timing, {category}: keepalived {x}, vrrpd {other} ({KILLED_HOST_UNREACHABLE})")
        if step == "recovery" and category.endswith(" announce"):
            for side, other in ((keepalived, vrrpd), (vrrpd, keepalived)):
                for x in [x for x in side[category] if x.startswith("garp ") and " op=2 " in x and x not in other[category]]:
                    side[category].remove(x)
                    lines.append(f"timing, {category}: {'keepalived' if side is keepalived else 'vrrpd'} only: {x} ({HANDBACK_ARP_REPLIES})")
        if category.endswith(" nft"):
            renamed = [re.sub(r"^table (ip6?) vrrpd(_vmac)? \{$", r"table \1 keepalived {", x) for x in vrrpd[category]]
            if renamed != vrrpd[category]:
                vrrpd[category] = renamed
                lines.append(f"deliberate, {category}: table names ({OWN_TABLES})")
            continue
        if category.endswith(" adverts"):
            for x in [x for x in vrrpd[category] if " ttl=255 " in x and "src=" in x and ":" in x.split("src=")[1].split()[0] and x not in keepalived[category]]:
                other = x.replace(" ttl=255 ", " ttl=64 ")
                if other in keepalived[category]:
                    vrrpd[category].remove(x)
                    keepalived[category].remove(other)
                    lines.append(f"deliberate, {category}: {x} ({IPV6_UNICAST_HOP_LIMIT})")
            continue
        if category.endswith(" announce"):
            for x in [x for x in vrrpd[category] if x.startswith("na ") and " flags=RO " in x and x not in keepalived[category]]:
                other = x.replace(" flags=RO ", " flags=O ")
                if other in keepalived[category]:
                    vrrpd[category].remove(x)
                    keepalived[category].remove(other)
                    lines.append(f"deliberate, {category}: {x} ({NA_ROUTER_FLAG})")
            continue
        if not category.endswith(" sysctl"):
            continue
        for key, reason in DELIBERATE.items():
            ours = [x for x in vrrpd[category] if f".{key} = " in x and x not in keepalived[category]]
            theirs = [x for x in keepalived[category] if f".{key} = " in x and x not in vrrpd[category]]
            for x in ours:
                name = x.split(" = ")[0]
                other = next((y for y in theirs if y.split(" = ")[0] == name), None)
                if other is not None:
                    vrrpd[category].remove(x)
                    keepalived[category].remove(other)
                    lines.append(f"deliberate, {category.split()[0]} {name}: keepalived {other.split(' = ')[1]}, vrrpd {x.split(' = ')[1]} ({reason})")
    return lines


PRIMARY_RACE = re.compile(r"put addresses of (\S+)/(\d+) on (\S+), which has no address of its own there")


def set_apart_warned_races(keepalived, vrrpd, warnings):
    """Where vrrpd warned (with file:line) that which address of a subnet is primary is a race (instances of different
    sync groups put addresses of one subnet on an interface with none of its own: the first master's is primary, and
    keepalived's own runs differ), the secondary flags of that subnet's addresses and the prefsrc of its route are
    compared as equal. warnings: {host: [vrrpd's warning lines]}. Returns the lines set apart."""
    lines = []
    for host, texts in sorted(warnings.items()):
        for text in texts:
            match = PRIMARY_RACE.search(text)
            if not match:
                continue
            net, dev = ipaddress.ip_network(f"{match[1]}/{match[2]}"), match[3]

            def in_subnet(fact):
                words = fact.split()
                return len(words) > 1 and words[0] == dev and "/" in words[1] and ipaddress.ip_interface(words[1]).network == net

            def primary(facts):
                return next((f.split()[1] for f in facts if in_subnet(f) and " secondary" not in f), "none")

            normalizers = {f"{host} addr": lambda f: f.replace(" secondary", "") if in_subnet(f) else f,
                           f"{host} route": lambda f: re.sub(r" prefsrc=\S+", "", f) if f" {net} dev={dev} " in f" {f} " else f}
            for category, normalize in normalizers.items():
                if category not in keepalived or category not in vrrpd:
                    continue
                theirs, ours = [normalize(f) for f in keepalived[category]], [normalize(f) for f in vrrpd[category]]
                if len(set(theirs) ^ set(ours)) < len(set(keepalived[category]) ^ set(vrrpd[category])):
                    what = (f"primary {primary(keepalived[category])} under keepalived, {primary(vrrpd[category])} under vrrpd"
                            if category.endswith(" addr") else "the route's prefsrc follows the primary")
                    lines.append(f"warned race, {category} {net} on {dev}: {what} (vrrpd's warning at {os.path.basename(text.split(': ', 1)[0])})")
                keepalived[category], vrrpd[category] = theirs, ours
    return lines


CRASH_LEFTOVERS = ("what keepalived's killed run left on the host, which keepalived, restarted as backup, keeps; vrrpd "
                   "removes its own leftovers at start (marked with protocol 118, its own tables), on purpose (issue 18)")


def set_apart_crash_leftovers(keepalived, vrrpd, after_kill, host="a"):
    """At the recovery step, on the restarted host, when each of its instances is BACKUP under both daemons (so nothing
    a master holds belongs there): a fact only keepalived's snapshot has, which keepalived's killed run had left (the
    failover step's snapshot of the host), is that leftover. Returns the lines set apart."""
    lines = []
    theirs, ours = keepalived.get(f"{host} state"), vrrpd.get(f"{host} state")
    if not theirs or theirs != ours or not all(x.endswith(" BACKUP") for x in theirs):
        return lines
    for category in sorted(set(keepalived) & set(after_kill)):
        if not category.startswith(f"{host} ") or category == f"{host} state":
            continue
        for x in [x for x in keepalived[category] if x not in vrrpd.get(category, []) and x in after_kill[category]]:
            keepalived[category].remove(x)
            lines.append(f"leftover, {category}: keepalived only: {x} ({CRASH_LEFTOVERS})")
    return lines


def compare(left, right):
    """Differences between two {category: [facts]} maps, as lines."""
    lines = []
    for category in sorted(set(left) | set(right)):
        a, b = left.get(category, []), right.get(category, [])
        only_a = [x for x in a if x not in b]
        only_b = [x for x in b if x not in a]
        if only_a or only_b:
            lines.append(f"{category}:")
            lines += [f"    keepalived only: {x}" for x in only_a]
            lines += [f"    vrrpd only:      {x}" for x in only_b]
    return lines


# ---------------------------------------------------------------------------------------------------------------
# One configuration
# ---------------------------------------------------------------------------------------------------------------

def header_value(text, key):
    m = re.search(rf"^# {key}:\s*(.+)$", text, re.M)
    return m.group(1).strip() if m else "?"


def run_config(path, args, out):
    text = open(path).read()
    name = os.path.basename(path)
    a_text, b_text, notes = host_copies(text)
    interval = advert_interval(text)
    wait = 4 * interval + args.margin
    window = max(1.5, 1.5 * interval)
    deadline = time.time() + args.time_limit
    out(f"=== {name}  (kind {header_value(text, 'kind')}; keepalived -t: {header_value(text, 'keepalived-t')}; "
        f"advert_int {interval:g} s, wait {wait:g} s a step)")
    for note in notes:
        out(f"  host copies: {note}")
    results = {}
    workdir = tempfile.mkdtemp(prefix="vdiff-")
    impls = (Keepalived(args.keepalived), Vrrpd(args.vrrpd))
    twins, processes = {}, {}
    try:
        confs = {}
        for host, body in (("a", a_text), ("b", b_text)):
            confs[host] = os.path.join(workdir, f"{host}.conf")
            with open(confs[host], "w") as f:
                f.write(body)
        with_lab1 = uses_lab1(text)
        for impl in impls:
            twins[impl.name] = TwinLab(impl.name, with_lab1, workdir)
        run_no = {h: 0 for h in HOSTS}

        def start(host):
            run_no[host] += 1
            for impl in impls:
                processes[(impl.name, host)] = impl.start(twins[impl.name], host, confs[host], workdir, run_no[host])

        def stop(host):
            for impl in impls:
                crash(processes[(impl.name, host)])

        after_kill = {}  # keepalived's snapshot at the failover step: what its killed run left

        def take(step, since):
            until = time.time()
            snaps, protos = {}, {}
            for impl in impls:
                twin = twins[impl.name]
                facts, proto_map = {}, {}
                for host in HOSTS:
                    host_facts, host_proto = snapshot_host(twin.lab.ns(host))
                    process = processes[(impl.name, host)]
                    running = process.popen.poll() is None
                    states = impl.states(process) if running else {}
                    host_facts["state"] = [f"{k} {v}" for k, v in sorted(states.items())] or [
                        "(no instance state logged)" if running else "(daemon not running)"]
                    for category, values in host_facts.items():
                        facts[f"{host} {category}"] = values
                    proto_map.update({f"{host} {k}": v for k, v in host_proto.items()})
                facts.update(wire_facts(twin, since, until, window))
                snaps[impl.name], protos[impl.name] = facts, proto_map
            if step == "failover":
                after_kill.update(copy.deepcopy(snaps["keepalived"]))
            deliberate_diffs = set_apart_deliberate(snaps["keepalived"], snaps["vrrpd"], step)
            if step == "recovery" and after_kill:
                deliberate_diffs += set_apart_crash_leftovers(snaps["keepalived"], snaps["vrrpd"], after_kill)
            deliberate_diffs += set_apart_warned_races(snaps["keepalived"], snaps["vrrpd"], {
                host: [line.split("vrrpd: warning: ", 1)[1] for _, line in processes[("vrrpd", host)].lines if "vrrpd: warning: " in line]
                for host in HOSTS if ("vrrpd", host) in processes})
            diffs = compare(snaps["keepalived"], snaps["vrrpd"])
            # The protocol of an address, route or rule both have, classified apart: keepalived 2.2.7 predates IFA_PROTO.
            proto_diffs = [f"proto of {fact}: keepalived {protos['keepalived'][fact]}, vrrpd {protos['vrrpd'][fact]}"
                           for fact in sorted(set(protos["keepalived"]) & set(protos["vrrpd"]))
                           if protos["keepalived"][fact] != protos["vrrpd"][fact]]
            for impl in impls:
                for host in HOSTS:
                    process = processes[(impl.name, host)]
                    if process.popen.poll() is not None and not getattr(process, "expected_dead", False):
                        diffs.append(f"{impl.name} on {host} exited with {process.popen.returncode}: "
                                     + " | ".join(line.replace(workdir + "/", "") for _, line in process.lines[-4:]))
            proto_diffs += deliberate_diffs
            if not diffs and not proto_diffs:
                out(f"  {step}: identical")
                results[step] = "identical"
            elif not diffs:
                out(f"  {step}: identical except proto and deliberate differences ({len(proto_diffs)} line(s))")
                results[step] = "proto only"
            else:
                count = sum(1 for d in diffs if d.startswith("    ") or not d.endswith(":"))
                out(f"  {step}: {count} difference(s)")
                results[step] = f"{count} diffs"
            for line in diffs:
                out("    " + line)
            if proto_diffs and diffs:
                out(f"    and, classified apart, {len(proto_diffs)} proto or deliberate difference(s):")
            for line in proto_diffs:
                out("      " + line)

        def sleep(seconds):
            if time.time() + seconds > deadline:
                raise Timeout()
            time.sleep(seconds)

        t0 = time.time()
        start("a")
        time.sleep(args.stagger)  # a's head start: its mastership must not hang on process start jitter
        start("b")
        sleep(wait)
        take("election", t0)
        for impl in impls:
            warnings = [line.split("vrrpd: warning: ", 1)[1].replace(os.path.dirname(confs["a"]) + "/", "")
                        for _, line in processes[(impl.name, "a")].lines if "vrrpd: warning: " in line]
            for w in warnings:
                out(f"  vrrpd warning (host a): {w}")
        if not args.quick:
            t1 = time.time()
            for impl in impls:
                processes[(impl.name, "a")].expected_dead = True
            stop("a")
            sleep(wait)
            take("failover", t1)
            t2 = time.time()
            start("a")
            sleep(wait)
            take("recovery", t2)
    except Timeout:
        out(f"  time limit ({args.time_limit:g} s) reached")
        for step in STEPS:
            results.setdefault(step, "timeout")
    except Exception as e:  # a lab that cannot be built is reported, and the run goes on
        out(f"  error: {type(e).__name__}: {e}")
        for step in STEPS:
            results.setdefault(step, "error")
    finally:
        for (impl_name, host), process in processes.items():
            if args.logs:
                with open(os.path.join(args.logs, f"{name}.{impl_name}.{host}.log"), "w") as f:
                    f.write(process.output() + "\n")
        for twin in twins.values():
            twin.close()
        if args.logs:
            for pcap in glob.glob(os.path.join(workdir, "*.pcap")):
                shutil.copy(pcap, os.path.join(args.logs, f"{name}.{os.path.basename(pcap)}"))
        shutil.rmtree(workdir, ignore_errors=True)
    if args.quick:
        for step in STEPS[1:]:
            results.setdefault(step, "-")
    return results


def main():
    if sys.argv[1:] == ["--dump-address-protocols"]:
        dump_address_protocols()
        return
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("configs", nargs="*", help="keepalived.conf files (default: tests/Vrrp.Keepalived.Tests/Corpus/real/*.conf)")
    parser.add_argument("--vrrpd", default=os.environ.get("VRRPD", "/tmp/vrrpd-diff/vrrpd"), help="the vrrpd executable")
    parser.add_argument("--keepalived", default=os.environ.get("KEEPALIVED", "/usr/sbin/keepalived"))
    parser.add_argument("--quick", action="store_true", help="the election step only")
    parser.add_argument("--time-limit", type=float, default=240, help="seconds allowed for one configuration (default 240)")
    parser.add_argument("--margin", type=float, default=6,
                        help="seconds added to 4 advertisement intervals at each step (default 6: a step then holds a "
                             "takeover and the second burst of gratuitous ARPs garp_master_delay (5 s) later)")
    parser.add_argument("--stagger", type=float, default=1.5, help="seconds host a starts before host b at the election (default 1.5)")
    parser.add_argument("--logs", help="a folder to keep the daemons' output and the captures in")
    args = parser.parse_args()
    if os.geteuid() != 0:
        sys.exit("run.py needs root: it makes network namespaces")
    for tool in ("ip", "tcpdump", "tshark", args.keepalived, args.vrrpd):
        if not shutil.which(tool):
            sys.exit(f"run.py needs {tool}")
    if args.logs:
        os.makedirs(args.logs, exist_ok=True)
    configs = [os.path.abspath(c) for c in args.configs] or sorted(glob.glob(os.path.join(CORPUS, "*.conf")))

    def on_term(signum, frame):
        raise KeyboardInterrupt()
    signal.signal(signal.SIGTERM, on_term)
    Lab.remove_stale(PREFIX)

    def out(line):
        print(line, flush=True)

    started = time.time()
    out(f"# eng/differential/run.py, {datetime.datetime.now().astimezone():%Y-%m-%d %H:%M %z}: {len(configs)} configuration(s)")
    out(f"# keepalived: {args.keepalived} ({run(args.keepalived, '-v', check=False).splitlines()[0].strip()}); vrrpd: {args.vrrpd}")
    out(f"# steps: {'election only (--quick)' if args.quick else ', '.join(STEPS)}; margin {args.margin:g} s; time limit {args.time_limit:g} s a configuration")
    if not shutil.which("iptables-save"):
        out("# iptables-save is not installed here: the iptables snapshot is skipped (nft list ruleset is taken)")
    out("")
    table = []
    try:
        for path in configs:
            table.append((os.path.basename(path), run_config(path, args, out)))
            out("")
    finally:
        Lab.remove_stale(PREFIX)
    elapsed = time.time() - started
    out(f"| config | {' | '.join(STEPS)} |")
    out("|---|" + "---|" * len(STEPS))
    for name, results in table:
        out(f"| {name} | " + " | ".join(results.get(s, "?") for s in STEPS) + " |")
    steps_run = [r for _, results in table for s, r in results.items() if r != "-"]
    identical = sum(1 for r in steps_run if r == "identical")
    proto_only = sum(1 for r in steps_run if r == "proto only")
    all_identical = sum(1 for _, results in table if all(r in ("identical", "-") for r in results.values()))
    out("")
    out(f"identical: {identical} of {len(steps_run)} steps ({proto_only} more differ only in proto and deliberate differences); "
        f"{all_identical} of {len(table)} configurations identical in every step; took {elapsed / 60:.1f} min")


if __name__ == "__main__":
    main()
