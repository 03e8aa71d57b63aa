using System.Buffers.Binary;
using System.Diagnostics;
using System.Net.Sockets;
using Tmds.Linux;
using Vrrp.Health;
using Vrrp.Linux.Interop;
using Vrrp.Linux.Processes;
using Vrrp.Testing;

namespace Vrrp.Linux.Tests;

/// <summary>
/// keepalived's vrrp_track_process: the monitor counts processes from the kernel's process events (here, in the test
/// process, in the first network namespace) and a check tells the quorum, with its delays on the virtual clock. Before:
/// vrrp_track_process and track_process were warned "not VRRP configuration" and dropped.
/// </summary>
public sealed class ProcessMonitorTests : IDisposable
{
    private readonly string _directory = Directory.CreateTempSubdirectory("vrrp-process-").FullName;
    private readonly List<Process> _started = [];

    public void Dispose()
    {
        foreach (Process process in _started)
        {
            try
            {
                process.Kill();
                process.WaitForExit(5000);
            }
            catch (InvalidOperationException)
            {
                // ended already
            }

            process.Dispose();
        }

        Directory.Delete(_directory, recursive: true);
    }

    // A copy of sleep(1) under a name no other process has (comm holds at most 15 bytes).
    private string UniqueProgram()
    {
        string path = Path.Combine(_directory, "vrrpt" + Guid.NewGuid().ToString("N")[..8]);
        File.Copy("/bin/sleep", path);
        return path;
    }

    private Process Run(string program, params string[] arguments)
    {
        Process process = Process.Start(new ProcessStartInfo(program, arguments) { UseShellExecute = false })!;
        _started.Add(process);
        return process;
    }

    private static unsafe int SendToPort(Socket netlink, byte[] message, uint portId)
    {
        uint* address = stackalloc uint[3]; // struct sockaddr_nl: family and padding, port id, groups
        address[0] = RawSockets.AF_NETLINK;
        address[1] = portId;
        address[2] = 0;
        fixed (byte* data = message)
        {
            return (int)RawSockets.SendTo((int)netlink.SafeHandle.DangerousGetHandle(), data, (nuint)message.Length, 0, address, 12);
        }
    }

    private static bool Healthy(ProcessHealthCheck check) => check.CheckAsync(TestContext.Current.CancellationToken).AsTask().GetAwaiter().GetResult().IsHealthy;

    [Fact]
    public void A_check_follows_processes_of_its_name_starting_and_ending_from_the_kernels_events()
    {
        NetnsLab.RequireRoot(); // the connector's process events need CAP_NET_ADMIN
        string program = UniqueProgram();
        using var monitor = new ProcessMonitor();
        Assert.True(monitor.UsesProcessEvents);
        using ProcessHealthCheck check = monitor.CreateCheck(new ProcessMatch(Path.GetFileName(program)));
        Assert.False(Healthy(check));

        Process first = Run(program, "60");
        Assert.True(NetnsLab.WaitUntil(() => check.Count == 1 && Healthy(check)), $"count {check.Count}");
        Process second = Run(program, "60");
        Assert.True(NetnsLab.WaitUntil(() => check.Count == 2), $"count {check.Count}");

        first.Kill();
        second.Kill();
        Assert.True(NetnsLab.WaitUntil(() => check.Count == 0 && !Healthy(check)), $"count {check.Count}");
    }

    [Fact]
    public void A_forged_exit_event_sent_by_a_process_is_dropped_and_counted()
    {
        // Input: a counted process; a PROC_EVENT_EXIT for its pid, well formed, unicast to the monitor's socket from
        // another connector socket (what any process with CAP_NET_ADMIN can send). Before: the monitor read it as the
        // kernel's and counted the process gone (a tracked service "down" at a forger's word). Expected: dropped as not
        // from the kernel (port id 0), counted, the count unchanged.
        NetnsLab.RequireRoot();
        string program = UniqueProgram();
        using var monitor = new ProcessMonitor();
        Assert.True(monitor.UsesProcessEvents);
        using ProcessHealthCheck check = monitor.CreateCheck(new ProcessMatch(Path.GetFileName(program)));
        Process running = Run(program, "60");
        Assert.True(NetnsLab.WaitUntil(() => check.Count == 1), $"count {check.Count}");

        byte[] exit = new byte[16 + 20 + 16 + 16];
        BinaryPrimitives.WriteUInt32LittleEndian(exit, (uint)exit.Length);
        BinaryPrimitives.WriteUInt16LittleEndian(exit.AsSpan(4), 3); // NLMSG_DONE
        BinaryPrimitives.WriteUInt32LittleEndian(exit.AsSpan(16), 1); // CN_IDX_PROC
        BinaryPrimitives.WriteUInt32LittleEndian(exit.AsSpan(20), 1); // CN_VAL_PROC
        BinaryPrimitives.WriteUInt16LittleEndian(exit.AsSpan(32), 32); // cn_msg.len
        BinaryPrimitives.WriteUInt32LittleEndian(exit.AsSpan(36), 0x80000000); // PROC_EVENT_EXIT
        BinaryPrimitives.WriteInt32LittleEndian(exit.AsSpan(52), running.Id); // process pid
        BinaryPrimitives.WriteInt32LittleEndian(exit.AsSpan(56), running.Id); // process tgid
        using Socket forger = RawSockets.Open(RawSockets.AF_NETLINK, 11 /* NETLINK_CONNECTOR */, "CAP_NET_ADMIN");
        Assert.Equal(exit.Length, SendToPort(forger, exit, monitor.Events!.PortId));

        Assert.True(NetnsLab.WaitUntil(() => monitor.Events.NotFromKernel == 1), $"dropped {monitor.Events.NotFromKernel}");
        Assert.Equal(1, check.Count);
        running.Kill();
        Assert.True(NetnsLab.WaitUntil(() => check.Count == 0), $"count {check.Count}"); // the kernel's own exit still counts
    }

    [Fact]
    public void Quorum_and_quorum_max_bound_the_count_and_a_process_already_running_counts_at_once()
    {
        // Input: one process running before the check is made; quorum 2, quorum_max 2. Expected: 1 is too few,
        // 2 is healthy, 3 too many (quorum_max); the first was found by the start-up walk of /proc.
        NetnsLab.RequireRoot();
        string program = UniqueProgram();
        Run(program, "60");
        using var monitor = new ProcessMonitor();
        Assert.True(NetnsLab.WaitUntil(() => Process.GetProcesses().Count(p => p.ProcessName == Path.GetFileName(program)) == 1));
        using ProcessHealthCheck check = monitor.CreateCheck(new ProcessMatch(Path.GetFileName(program)), quorum: 2, quorumMaximum: 2);
        Assert.Equal(1, check.Count);
        Assert.False(Healthy(check));

        Run(program, "60");
        Assert.True(NetnsLab.WaitUntil(() => check.Count == 2 && Healthy(check)), $"count {check.Count}");
        Process third = Run(program, "60");
        Assert.True(NetnsLab.WaitUntil(() => check.Count == 3 && !Healthy(check)), $"count {check.Count}");
        third.Kill();
        Assert.True(NetnsLab.WaitUntil(() => check.Count == 2 && Healthy(check)), $"count {check.Count}");
    }

    [Fact]
    public void Parameters_compare_the_command_line_exactly_partially_or_initially()
    {
        // Input: 'PROGRAM 60 7' running. Expected, as keepalived's check_params: exact "60 7" counts, exact "60" does
        // not; partial "60" counts; initial "60 7" and "6" count ("6" begins the first parameter), partial "6" does not.
        NetnsLab.RequireRoot();
        string program = UniqueProgram();
        Run(program, "60", "7");
        using var monitor = new ProcessMonitor();
        Assert.True(NetnsLab.WaitUntil(() => Process.GetProcesses().Any(p => p.ProcessName == Path.GetFileName(program))));

        int Count(string[] parameters, ParameterMatch match, bool fullCommand = false)
        {
            using ProcessHealthCheck check = monitor.CreateCheck(new ProcessMatch(program, parameters, match, fullCommand));
            return check.Count;
        }

        Assert.Equal(1, Count(["60", "7"], ParameterMatch.None)); // parameters alone: exact
        Assert.Equal(0, Count(["60"], ParameterMatch.Exact));
        Assert.Equal(1, Count(["60"], ParameterMatch.Partial));
        Assert.Equal(0, Count(["6"], ParameterMatch.Partial));
        Assert.Equal(1, Count(["6"], ParameterMatch.Initial));
        Assert.Equal(0, Count([], ParameterMatch.Exact)); // 'no parameters at all'
        Assert.Equal(1, Count([], ParameterMatch.None, fullCommand: true)); // the command alone
        Assert.Equal(0, Count([], ParameterMatch.None)); // the path is not the process's name
        Assert.Equal(0, Count(["60", "8"], ParameterMatch.Exact));
    }

    [Fact]
    public void Terminate_and_fork_delays_hold_the_result_until_the_change_has_lasted_on_the_virtual_clock()
    {
        // Input: terminate_delay 10 s and fork_delay 5 s; the process ends, then another starts. Expected: healthy for
        // 10 s of the check's clock after the end, unhealthy 5 s after the start, then healthy.
        NetnsLab.RequireRoot();
        string program = UniqueProgram();
        Process first = Run(program, "60");
        var clock = new VirtualClock();
        using var monitor = new ProcessMonitor(clock);
        Assert.True(NetnsLab.WaitUntil(() => Process.GetProcesses().Any(p => p.ProcessName == Path.GetFileName(program))));
        using ProcessHealthCheck check = monitor.CreateCheck(new ProcessMatch(Path.GetFileName(program)), forkDelay: TimeSpan.FromSeconds(5), terminateDelay: TimeSpan.FromSeconds(10));
        Assert.True(Healthy(check));

        first.Kill();
        Assert.True(NetnsLab.WaitUntil(() => check.Count == 0));
        clock.Advance(TimeSpan.FromSeconds(9.9));
        Assert.True(Healthy(check));
        clock.Advance(TimeSpan.FromSeconds(0.2));
        Assert.False(Healthy(check));

        Run(program, "60");
        Assert.True(NetnsLab.WaitUntil(() => check.Count == 1));
        clock.Advance(TimeSpan.FromSeconds(4.9));
        Assert.False(Healthy(check));
        clock.Advance(TimeSpan.FromSeconds(0.2));
        Assert.True(Healthy(check));
    }

    [Fact]
    public void Without_process_events_the_monitor_walks_proc_on_its_clock()
    {
        // Input: a monitor in a network namespace of its own, where the kernel sends no process events (the test
        // moves a thread there: the monitor opens its socket on it). Expected: it says it polls, and a process that
        // starts is counted after a walk of /proc, which the virtual clock drives.
        NetnsLab.RequireRoot();
        using NetnsLab lab = NetnsLab.Create("n1");
        string program = UniqueProgram();
        var clock = new VirtualClock();
        ProcessMonitor? monitor = null;
        var thread = new Thread(() =>
        {
            // setns(2) moves only this thread: the socket the monitor opens on it belongs to the lab.
            using Microsoft.Win32.SafeHandles.SafeFileHandle ns = File.OpenHandle($"/run/netns/{lab.Namespace("n1")}");
            if (LibC.setns((int)ns.DangerousGetHandle(), LibC.CLONE_NEWNET) != 0)
            {
                throw new InvalidOperationException("setns failed");
            }

            monitor = new ProcessMonitor(clock);
        });
        thread.Start();
        thread.Join();
        using (monitor!)
        {
            Assert.False(monitor!.UsesProcessEvents);
            using ProcessHealthCheck check = monitor.CreateCheck(new ProcessMatch(Path.GetFileName(program)));
            Run(program, "60");
            Assert.True(NetnsLab.WaitUntil(() => Process.GetProcesses().Any(p => p.ProcessName == Path.GetFileName(program))));
            Assert.Equal(0, check.Count);
            clock.Advance(ProcessMonitor.PollInterval);
            Assert.True(NetnsLab.WaitUntil(() => check.Count == 1), $"count {check.Count}");
        }
    }
}
