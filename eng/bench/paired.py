#!/usr/bin/env python3
"""CPU per advertisement at one router, vrrpd against keepalived, in many short alternations (issue 6).

scale.py measures one implementation after the other, once. At one router a point costs ~100 µs per advert, and
this VM's figure for the same binary moves by ±15 % between runs minutes apart
(docs/investigations/2026-12-02-both-goals.md): more than the
difference between the daemons. Here each interval runs several rounds from fresh starts (--rounds), each
implementation in a lab of its own (a bridge namespace, the node m that runs it and a passive peer p), from the same
keepalived.conf as scale.py's (VRRPv3, one IPv4 router, VRID 1, priority 100), in a random order (--seed).

Two ways to pair them:
  at once (default)  all run together and every window samples all over the same seconds, so whatever the machine
                     does in a window it does to all. But processes whose adverts go out at the same rate lock into a
                     fixed phase against each other for the whole round
                     (docs/investigations/2026-12-02-advert-path-paired.md: at 10 ms this moved a
                     build's figure by ~10 %), so random pauses between the starts vary the phase from round to round
  --sequential       in each round they run one after the other, each alone, and a round's i-th windows are paired:
                     nothing shares the machine with the one measured, and many short alternations average the drift

Per window and implementation: CPU from schedstat (the sum over the process's threads of
/proc/PID/task/TID/schedstat field 1; keepalived's VRRP child), adverts from the node's lab0 tx_packets, µs per
advert, wakeups per second (voluntary context switches). Per window also the ratio build / keepalived. The summary
gives each side's median (min–max), the median ratio, and in how many windows and rounds the build cost less. The
order of sampling alternates from window to window; nothing is queried during a window (no control socket).

Needs root, iproute2, keepalived, and a vrrpd: --vrrpd PATH (a published NativeAOT executable), or the JIT build
(run `dotnet build -c Release src/Vrrp.Daemon`). --vrrpd LABEL=PATH, given more than once, measures several
builds the same way, each in its own lab: a comparison of builds under the same conditions. Same addresses and
safety as scale.py: namespaces vrrpp-<pid>-*, interfaces lab0, 198.51.100.0/24 only, no route out, vrrpd with
--require-netns, only our own pids signalled, every lab removed on exit, also on failure, Ctrl-C or SIGTERM.

usage: sudo eng/bench/paired.py [--vrrpd [LABEL=]PATH ...] [--intervals 1,0.1,0.01] [--rounds 4] [--sequential]
                                [--warmup 10] [--windows 3] [--window 10] [--adverts 20] [--seed 1] [--json F]
       eng/bench/paired.py --summarize F.json [G.json ...]

The summary's last figure is the one to judge by: per round, the build's mean µs per advert over keepalived's; their
geometric mean and their median over the rounds, each with a 95 % percentile-bootstrap interval that resamples rounds
(the unit of pairing: windows of one round share a start and a phase, so they are not independent). An interval that
contains 1 is a tie.
"""
import argparse
import json
import math
import os
import random
import signal
import statistics
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from lab import Lab  # noqa: E402
from scale import VRRPD, NODE, Keepalived, Ours, keepalived_conf, thread_delta, thread_sample, tx_packets  # noqa: E402

PREFIX = "vrrpp"


def start(impl, conf_text, workdir):
    lab = Lab(PREFIX, [("m", f"{NODE}/24", "02:00:00:00:01:11"), ("p", None, "02:00:00:00:01:12")])
    try:
        conf = os.path.join(workdir, f"{lab.tag}.conf")
        with open(conf, "w") as f:
            f.write(conf_text)
        process = impl.start(lab, conf, workdir)
        return lab, process, impl.measured_pid(process)
    except BaseException:
        lab.close()
        raise


def wait_master(impl, lab, process):
    deadline = time.time() + 60
    while impl.masters(lab, process) != 1:
        if time.time() > deadline or process.popen.poll() is not None:
            raise RuntimeError(f"{impl.name} did not become master:\n{process.output()}")
        time.sleep(0.5)


def major_faults(pid):
    """Field 12 of stat(5): page faults that had to read the page in. A page of the process's code or data that the
    kernel reclaimed while the process slept (this VM runs DAMON's proactive page-out on cold memory) comes back
    through one, at tens to hundreds of µs each, counted in the process's CPU."""
    with open(f"/proc/{pid}/stat") as f:
        return int(f.read().rsplit(")", 1)[1].split()[9])


def sample(pid, lab):
    return time.monotonic(), thread_sample(pid), tx_packets(lab), major_faults(pid)


def figures(before, after):
    (t0, s0, tx0, f0), (t1, s1, tx1, f1) = before, after
    ns, switches = thread_delta(s0, s1)
    adverts = tx1 - tx0
    return {"seconds": t1 - t0, "sched_cpu_seconds": ns / 1e9, "adverts": adverts,
            "sched_us_per_advert": ns / 1e3 / adverts if adverts else None,
            "wakeups_per_second": switches / (t1 - t0), "threads_exited": len(s0.keys() - s1.keys()),
            "major_faults": f1 - f0}


def one_interval(interval, args, workdir, rng):
    windows = []
    for round_index in range(args.rounds):
        windows += one_round(interval, args, workdir, rng, round_index)
    return windows


def one_round(interval, args, workdir, rng, round_index):
    """Fresh labs and processes, started in a random order with a random pause before each, so that the phase of
    one's wake-ups against the other's differs from round to round. With --sequential the implementations of a round
    run one after the other, each alone, and a round's i-th windows are paired."""
    ours = [Ours(label, [os.path.abspath(path)] if path else None) for label, path in builds(args)]
    impls = [Keepalived()] + ours
    rng.shuffle(impls)
    groups = [[impl] for impl in impls] if args.sequential else [impls]
    measured = {}
    for group in groups:
        measured.update(measure(group, interval, args, workdir, rng))
    windows = []
    for index in range(args.windows):
        window = {name: measured[name][index] for name in measured}
        window["round"] = round_index
        window["start_order"] = [impl.name for impl in impls]
        k = window["keepalived"]["sched_us_per_advert"]
        text = []
        for impl in ours:
            v = window[impl.name]["sched_us_per_advert"]
            window[impl.name]["ratio"] = v / k
            text.append(f"{impl.name} {v:7.1f} (ratio {v / k:.2f}, {window[impl.name]['wakeups_per_second']:.1f} wakeups/s, "
                        f"{window[impl.name]['adverts'] / window[impl.name]['seconds']:.1f} adverts/s, "
                        f"{window[impl.name]['major_faults']} major faults)")
        windows.append(window)
        print(f"  {interval * 1000:6g} ms round {round_index + 1} window {index + 1}: keepalived {k:7.1f} µs/advert "
              f"({window['keepalived']['wakeups_per_second']:.1f} wakeups/s, "
              f"{window['keepalived']['adverts'] / window['keepalived']['seconds']:.1f} adverts/s, "
              f"{window['keepalived']['major_faults']} major faults), " + ", ".join(text), flush=True)
    return windows


def measure(impls, interval, args, workdir, rng):
    """Starts the given implementations together and samples them over the same windows: {name: [figures]}."""
    sides = {}
    try:
        for impl in impls:
            time.sleep(rng.uniform(0, interval))
            sides[impl.name] = (impl,) + start(impl, keepalived_conf(1, interval), workdir)
        for impl, lab, process, _ in sides.values():
            wait_master(impl, lab, process)
        time.sleep(args.warmup)
        names = list(sides)
        seconds = max(args.window, args.adverts * interval)
        result = {name: [] for name in names}
        for index in range(args.windows):
            order = names if index % 2 == 0 else names[::-1]
            before = {name: sample(sides[name][3], sides[name][1]) for name in order}
            time.sleep(seconds)
            after = {name: sample(sides[name][3], sides[name][1]) for name in order}
            for name in names:
                figure = figures(before[name], after[name])
                expected = figure["seconds"] / interval
                if abs(figure["adverts"] - expected) > 0.1 * expected + 2:
                    raise RuntimeError(f"{name}: {figure['adverts']} adverts in a window that expects {expected:.0f}")
                result[name].append(figure)
        for impl, lab, process, _ in sides.values():
            if process.popen.poll() is not None:
                raise RuntimeError(f"{impl.name} exited during the windows:\n{process.output()}")
        return result
    finally:
        for _, lab, _, _ in sides.values():
            lab.close()


def builds(args):
    """[(label, path or None for the JIT build)] from the --vrrpd options."""
    given = args.vrrpd or [None]
    result = []
    for item in given:
        label, _, path = item.rpartition("=") if item else ("", "", None)
        result.append((label or ("vrrpd" if len(given) == 1 else os.path.basename(os.path.dirname(path or VRRPD))), path))
    if len({label for label, _ in result}) != len(result):
        sys.exit("give each --vrrpd its own LABEL=")
    return result


def spread(values, fmt="{:.1f}"):
    return f"{fmt.format(statistics.median(values))} ({fmt.format(min(values))}–{fmt.format(max(values))})"


def round_ratios(windows, label):
    """Per round: the build's mean µs per advert over the round's windows divided by keepalived's. A round is the unit
    of pairing (one fresh start each, one phase), so it is what a confidence interval resamples."""
    by_round = {}
    for w in windows:
        by_round.setdefault(w["round"], []).append(w)
    return [statistics.fmean(w[label]["sched_us_per_advert"] for w in ws)
            / statistics.fmean(w["keepalived"]["sched_us_per_advert"] for w in ws) for ws in by_round.values()]


def bootstrap(ratios, resamples=10000, seed=0):
    """The geometric mean and the median of the round ratios, each with its 95 % percentile-bootstrap interval over
    rounds: (mean, low, high), (median, low, high). The median stands against a round that the machine slowed as a
    whole (on 2026-12-03 three vrrpd processes of one run cost 2-5 x keepalived for their whole life, cause unknown)."""
    def geomean(xs):
        return math.exp(statistics.fmean(math.log(x) for x in xs))
    rng = random.Random(seed)
    samples = [rng.choices(ratios, k=len(ratios)) for _ in range(resamples)]
    result = []
    for statistic in (geomean, statistics.median):
        values = sorted(statistic(sample) for sample in samples)
        result.append((statistic(ratios), values[int(0.025 * resamples)], values[int(0.975 * resamples) - 1]))
    return result


def summarize(results):
    """Prints the summary table of one run's results, or of several runs' pooled by interval (--summarize)."""
    print()
    print("| interval | build | keepalived µs/advert | build µs/advert | build / keepalived per window | windows where the "
          "build cost less | rounds where it cost less | per round: geometric mean (95 % bootstrap interval) | "
          "per round: median (95 % bootstrap interval) | wakeups/s (keepalived / build) | major faults in all "
          "(keepalived / build) |")
    print("|---:|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
    for r in results:
        ws = r["windows"]
        k = [w["keepalived"]["sched_us_per_advert"] for w in ws]
        for label in r["builds"]:
            v = [w[label]["sched_us_per_advert"] for w in ws]
            less = sum(1 for w in ws if w[label]["ratio"] < 1)
            per_round = round_ratios(ws, label)
            (mean, low, high), (median, median_low, median_high) = bootstrap(per_round)
            print(f"| {r['interval'] * 1000:g} ms | {label} | {spread(k)} | {spread(v)} | "
                  f"{spread([w[label]['ratio'] for w in ws], '{:.2f}')} | {less} of {len(ws)} | "
                  f"{sum(1 for x in per_round if x < 1)} of {len(per_round)} | {mean:.3f} ({low:.3f}–{high:.3f}) | "
                  f"{median:.3f} ({median_low:.3f}–{median_high:.3f}) | "
                  f"{statistics.median(w['keepalived']['wakeups_per_second'] for w in ws):.1f} / "
                  f"{statistics.median(w[label]['wakeups_per_second'] for w in ws):.1f} | "
                  f"{faults(ws, 'keepalived')} / {faults(ws, label)} |")


def faults(windows, name):
    """Major faults over the windows, or a dash where a run did not count them (before 2026-12-03)."""
    counted = [w[name].get("major_faults") for w in windows]
    return "—" if None in counted else str(sum(counted))


def pooled(paths):
    """The results of several --json files as one, by interval; each file's rounds stay rounds of their own."""
    by_interval = {}
    for index, path in enumerate(paths):
        with open(path) as f:
            for r in json.load(f):
                into = by_interval.setdefault(r["interval"], {"interval": r["interval"], "builds": {}, "windows": []})
                into["builds"].update(r["builds"])
                for w in r["windows"]:
                    into["windows"].append(dict(w, round=(index, w["round"])))
    for r in by_interval.values():
        r["builds"] = {label: path for label, path in r["builds"].items() if all(label in w for w in r["windows"])}
    return sorted(by_interval.values(), key=lambda r: -r["interval"])


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--vrrpd", action="append",
                        help="[LABEL=]PATH of a published vrrpd executable, repeatable; default: the JIT build run with dotnet")
    parser.add_argument("--intervals", default="1,0.1,0.01")
    parser.add_argument("--warmup", type=float, default=15, help="seconds after all are master, before the first window: past the announcements repeated 5 s after the transition and vrrpd's heap settle 10 s after its start")
    parser.add_argument("--rounds", type=int, default=4, help="fresh starts per interval, each with its own phase")
    parser.add_argument("--windows", type=int, default=3, help="windows per round")
    parser.add_argument("--window", type=float, default=10, help="seconds per window, at least")
    parser.add_argument("--adverts", type=int, default=20, help="adverts per window, at least (longer windows at 1 s)")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--sequential", action="store_true",
                        help="in each round run the implementations one after the other, each alone, instead of at once")
    parser.add_argument("--json")
    parser.add_argument("--summarize", nargs="+", metavar="JSON",
                        help="print the summary of earlier runs' --json files, pooled by interval, and run nothing; "
                             "a build is summarized where every window has it")
    args = parser.parse_args()
    if args.summarize:
        summarize(pooled(args.summarize))
        return
    if os.geteuid() != 0:
        sys.exit("needs root: it creates network namespaces")
    if any(path is None for _, path in builds(args)) and not os.path.exists(VRRPD):
        sys.exit(f"{VRRPD} not found: run 'dotnet build -c Release src/Vrrp.Daemon', or give --vrrpd")
    signal.signal(signal.SIGTERM, lambda *_: (_ for _ in ()).throw(KeyboardInterrupt()))
    Lab.remove_stale(PREFIX)
    rng = random.Random(args.seed)
    results = []
    with tempfile.TemporaryDirectory(prefix=f"{PREFIX}-") as workdir:
        for interval in [float(i) for i in args.intervals.split(",")]:
            print(f"one router, {interval * 1000:g} ms, {'one after the other' if args.sequential else 'at once'}", flush=True)
            results.append({"interval": interval, "builds": {label: path or VRRPD for label, path in builds(args)},
                            "seed": args.seed, "sequential": args.sequential, "windows": one_interval(interval, args, workdir, rng)})
    if args.json:
        with open(args.json, "w") as f:
            json.dump(results, f, indent=1)
    summarize(results)

if __name__ == "__main__":
    main()
