"""Namespace labs for the benchmark scripts: a bridge in a namespace of its own and one namespace per host, joined
by veth pairs whose inner end is lab0, in 198.51.100.0/24 with no route out; processes started inside them by pid.

Every lab is named PREFIX-<pid>-<n>-*, so a later run removes the labs (and what runs in them) of a run that died.
"""
import os
import re
import signal
import subprocess
import threading
import time


def run(*args, check=True, timeout=30):
    result = subprocess.run(args, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                            stdin=subprocess.DEVNULL, timeout=timeout)
    if check and result.returncode != 0:
        raise RuntimeError(f"{' '.join(args)} failed: {result.stdout}")
    return result.stdout


def mac_of(index):
    return f"02:00:00:00:00:{11 + index:02x}"


class Lab:
    """Hosts are names (host i gets 198.51.100.(11 + i)/24 and mac_of(i)) or (name, address or None, mac) tuples."""

    counter = 0

    @staticmethod
    def remove_stale(prefix):
        """Labs of runs that died: stop what runs inside them (all started by that run), then remove them."""
        for line in run("ip", "netns", "list").splitlines():
            name = line.split(" ")[0]
            match = re.match(rf"^{prefix}-(\d+)-", name)
            if match and int(match.group(1)) != os.getpid() and not os.path.exists(f"/proc/{match.group(1)}"):
                for pid in run("ip", "netns", "pids", name, check=False).split():
                    try:
                        os.kill(int(pid), signal.SIGKILL)
                    except (ProcessLookupError, ValueError):
                        pass
                run("ip", "netns", "del", name, check=False)

    def __init__(self, prefix, hosts):
        Lab.counter += 1
        self.tag = f"{prefix}-{os.getpid()}-{Lab.counter}"
        self.namespaces = []
        self.processes = []
        try:
            bridge = self._add(f"{self.tag}-br")
            run("ip", "-n", bridge, "link", "add", "br0", "type", "bridge")
            run("ip", "-n", bridge, "link", "set", "br0", "up")
            for i, host in enumerate(hosts):
                name, address, mac = host if isinstance(host, tuple) else (host, f"198.51.100.{11 + i}/24", mac_of(i))
                ns = self._add(self.ns(name))
                run("ip", "netns", "exec", ns, "sysctl", "-qw", "net.ipv6.conf.all.accept_dad=0", "net.ipv6.conf.default.accept_dad=0")
                run("ip", "link", "add", "lab0", "netns", ns, "type", "veth", "peer", "name", f"p{i + 1}", "netns", bridge)
                run("ip", "-n", bridge, "link", "set", f"p{i + 1}", "master", "br0", "up")
                run("ip", "-n", ns, "link", "set", "lo", "up")
                run("ip", "-n", ns, "link", "set", "lab0", "address", mac)
                if address:
                    run("ip", "-n", ns, "addr", "add", address, "dev", "lab0")
                run("ip", "-n", ns, "link", "set", "lab0", "up")
        except BaseException:
            self.close()
            raise

    def ns(self, host):
        return f"{self.tag}-{host}"

    def _add(self, name):
        run("ip", "netns", "add", name)
        self.namespaces.append(name)
        return name

    def start(self, host, *command, capture=True):
        process = LabProcess(self.ns(host), command, capture)
        self.processes.append(process)
        return process

    def exec(self, host, *command):
        return run("ip", "netns", "exec", self.ns(host), *command)

    def close(self):
        for process in self.processes:
            process.kill()
        for ns in reversed(self.namespaces):
            run("ip", "netns", "del", ns, check=False)
        self.namespaces.clear()


class LabProcess:
    """A process started in a namespace (ip netns exec execs it, so the pid is the program's), with timed output."""

    def __init__(self, ns, command, capture=True):
        self.lines = []
        self.started = time.time()
        self.popen = subprocess.Popen(["ip", "netns", "exec", ns, *command], stdin=subprocess.DEVNULL,
                                      stdout=subprocess.PIPE if capture else subprocess.DEVNULL,
                                      stderr=subprocess.STDOUT if capture else subprocess.DEVNULL, text=True)
        if capture:
            threading.Thread(target=self._read, daemon=True).start()

    def _read(self):
        for line in self.popen.stdout:
            self.lines.append((time.time(), line.rstrip()))

    def wait_for(self, text, timeout, after=0.0):
        """The time of the first line holding text (at or after `after`), or None; looks at least once."""
        deadline = time.time() + timeout
        while True:
            for t, line in list(self.lines):
                if text in line and t >= after:
                    return t
            if time.time() >= deadline or self.popen.poll() is not None:
                return None
            time.sleep(0.01)

    def count(self, text):
        return sum(1 for _, line in list(self.lines) if text in line)

    def output(self, last=None):
        return "\n".join(line for _, line in self.lines[-last if last else 0:])

    def children(self):
        try:
            with open(f"/proc/{self.popen.pid}/task/{self.popen.pid}/children") as f:
                return [int(p) for p in f.read().split()]
        except OSError:
            return []

    def kill(self):
        """Kills the process and its direct children (keepalived's VRRP child), all started by this lab."""
        if self.popen.poll() is None:
            for pid in [self.popen.pid, *self.children()]:
                try:
                    os.kill(pid, signal.SIGKILL)
                except ProcessLookupError:
                    pass
            self.popen.wait(5)
