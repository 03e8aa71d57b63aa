using System.Buffers;
using System.Net.Sockets;
using System.Text;
using System.Text.Json;
using Vrrp.Linux.Control;
using Vrrp.Protocol;
using Vrrp.Testing;

namespace Vrrp.Linux.Tests.Control;

/// <summary>The control socket vrrpctl talks to, over a real Unix socket, with routers on a virtual clock.</summary>
public sealed class VrrpControlServerTests
{
    private static VrrpSimulation Cluster()
    {
        VrrpSimulation sim = VrrpSimulation.CreateBuilder().AddNodes(100, 90).Build();
        sim.Start();
        sim.RunFor(TimeSpan.FromSeconds(10));
        return sim;
    }

    private static JsonElement Execute(VrrpControlServer server, string command)
    {
        var output = new ArrayBufferWriter<byte>();
        server.Execute(command, output);
        return JsonDocument.Parse(output.WrittenMemory).RootElement;
    }

    [Fact]
    public void Status_reports_each_router_state_priorities_master_and_counters()
    {
        // Input: r1 (100) master, r2 (90) backup; "status". Expected: both documents, r2 naming r1's address as master.
        using VrrpSimulation sim = Cluster();
        var server = new VrrpControlServer("/unused", () => [.. sim.Nodes.Select(n => n.Router)]);

        JsonElement routers = Execute(server, "status").GetProperty("routers");

        Assert.Equal(2, routers.GetArrayLength());
        JsonElement r1 = routers[0], r2 = routers[1];
        Assert.Equal("Master", r1.GetProperty("state").GetString());
        Assert.Equal("Backup", r2.GetProperty("state").GetString());
        Assert.Equal(90, r2.GetProperty("priority").GetInt32());
        Assert.Equal(100, r2.GetProperty("masterPriority").GetInt32());
        Assert.Equal(sim["r1"].Router.PrimaryAddress.ToString(), r2.GetProperty("masterAddress").GetString());
        Assert.Equal(3648.4375, r2.GetProperty("masterDownIntervalMs").GetDouble());
        Assert.True(r1.GetProperty("counters").GetProperty("advertisementsSent").GetInt64() > 5);
        Assert.Equal("Master", r1.GetProperty("lastTransitions")[r1.GetProperty("lastTransitions").GetArrayLength() - 1].GetProperty("to").GetString());
    }

    [Fact]
    public void Demote_hands_mastership_over_at_once_and_promote_takes_it_back()
    {
        // Input: "demote r1" on the master, then "promote r1". Expected: r2 master after Skew_Time, r1 backup at priority 1;
        // after promote r1 (preempting) is master again with priority 100.
        using VrrpSimulation sim = Cluster();
        var server = new VrrpControlServer("/unused", () => [.. sim.Nodes.Select(n => n.Router)]);

        Assert.True(Execute(server, "demote r1").GetProperty("ok").GetBoolean());
        sim.RunFor(TimeSpan.FromSeconds(1));
        Assert.Equal("r2", sim.AssertExactlyOneMaster().Name);
        Assert.Equal(1, sim["r1"].Router.Priority);
        Assert.Equal(VrrpState.Backup, sim["r1"].Router.State);
        Assert.Empty(sim.CheckAddressInvariant());

        Assert.True(Execute(server, "promote r1").GetProperty("ok").GetBoolean());
        sim.RunFor(TimeSpan.FromSeconds(5));
        Assert.Equal("r1", sim.AssertExactlyOneMaster().Name);
        Assert.Equal(100, sim["r1"].Router.Priority);
    }

    [Fact]
    public void Process_reports_collections_allocated_bytes_and_working_set_that_move_with_the_process()
    {
        // Input: "process", then 1 MB allocated and a gen0 collection forced, then "process" again.
        // Expected: the second answer counts at least that MB more and at least one more gen0 collection.
        using VrrpSimulation sim = Cluster();
        var server = new VrrpControlServer("/unused", () => [.. sim.Nodes.Select(n => n.Router)]);

        JsonElement before = Execute(server, "process");
        byte[] block = new byte[1 << 20];
        GC.KeepAlive(block);
        GC.Collect(0);
        JsonElement after = Execute(server, "process");

        Assert.True(before.GetProperty("ok").GetBoolean());
        JsonElement b = before.GetProperty("process"), a = after.GetProperty("process");
        Assert.True(a.GetProperty("totalAllocatedBytes").GetInt64() - b.GetProperty("totalAllocatedBytes").GetInt64() >= 1 << 20);
        Assert.True(a.GetProperty("gen0Collections").GetInt32() > b.GetProperty("gen0Collections").GetInt32());
        Assert.True(a.GetProperty("gen2Collections").GetInt32() >= b.GetProperty("gen2Collections").GetInt32());
        Assert.True(a.GetProperty("workingSetBytes").GetInt64() > 0);
        Assert.True(a.GetProperty("heapSizeBytes").GetInt64() > 0);
    }

    [Theory]
    [InlineData("status r9", "no router named 'r9'")]
    [InlineData("promote r1", "r1 is not demoted")]
    [InlineData("reboot", "unknown command 'reboot'")]
    [InlineData("", "unknown command ''")]
    public void Bad_commands_get_an_error_answer_and_change_nothing(string command, string error)
    {
        using VrrpSimulation sim = Cluster();
        var server = new VrrpControlServer("/unused", () => [.. sim.Nodes.Select(n => n.Router)]);

        JsonElement answer = Execute(server, command);

        Assert.False(answer.GetProperty("ok").GetBoolean());
        Assert.StartsWith(error, answer.GetProperty("error").GetString(), StringComparison.Ordinal);
        Assert.Equal("r1", sim.AssertExactlyOneMaster().Name);
    }

    [Fact]
    public async Task The_socket_answers_one_json_line_per_command_and_survives_an_overlong_line()
    {
        // Input: a real Unix socket; "status" then "status r2" on one connection, then a 2 kB line on another.
        // Expected: two JSON lines; the long line gets an error answer and the server still answers the next client.
        using VrrpSimulation sim = Cluster();
        string path = Path.Combine(Path.GetTempPath(), $"vrrpctl-test-{Environment.ProcessId}-{Guid.NewGuid():N}.sock");
        var server = new VrrpControlServer(path, () => [.. sim.Nodes.Select(n => n.Router)]);
        await using (server)
        {
            server.Start();
            if (!OperatingSystem.IsWindows())
            {
                Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(path));
            }

            string[] answers = await SendAsync(path, "status\nstatus r2\n", 2);
            Assert.Equal(2, JsonDocument.Parse(answers[0]).RootElement.GetProperty("routers").GetArrayLength());
            Assert.Equal("r2", JsonDocument.Parse(answers[1]).RootElement.GetProperty("routers")[0].GetProperty("name").GetString());

            string[] refused = await SendAsync(path, new string('x', 2048), 1);
            Assert.Contains("longer than 1024", refused[0], StringComparison.Ordinal);

            // Whole, with its newline, a long line is refused too (before: it was run; only a line still arriving was capped).
            string[] wholeLine = await SendAsync(path, "status " + new string('r', 1500) + "\n", 1);
            Assert.Contains("longer than 1024", wholeLine[0], StringComparison.Ordinal);

            string[] again = await SendAsync(path, "status r1\n", 1);
            Assert.Equal("Master", JsonDocument.Parse(again[0]).RootElement.GetProperty("routers")[0].GetProperty("state").GetString());
        }

        Assert.False(File.Exists(path), "the socket file is removed on dispose");
    }

    [Fact]
    public async Task Vrrpctl_gives_up_on_a_server_that_accepts_and_never_answers()
    {
        // Input: a Unix socket that accepts and never answers; vrrpctl --timeout 1 status.
        // Expected: vrrpctl exits 1 saying why, instead of waiting for ever.
        string path = Path.Combine(Path.GetTempPath(), $"vrrpctl-mute-{Environment.ProcessId}-{Guid.NewGuid():N}.sock");
        using var listener = new System.Net.Sockets.Socket(System.Net.Sockets.AddressFamily.Unix, System.Net.Sockets.SocketType.Stream, System.Net.Sockets.ProtocolType.Unspecified);
        listener.Bind(new System.Net.Sockets.UnixDomainSocketEndPoint(path));
        listener.Listen(1);
        try
        {
            Task<System.Net.Sockets.Socket> accepted = listener.AcceptAsync(TestContext.Current.CancellationToken).AsTask();
            var start = new System.Diagnostics.ProcessStartInfo("dotnet") { RedirectStandardError = true, RedirectStandardOutput = true };
            foreach (string argument in new[] { Path.Combine(AppContext.BaseDirectory, "vrrpctl.dll"), "--socket", path, "--timeout", "1", "status" })
            {
                start.ArgumentList.Add(argument);
            }

            using var vrrpctl = System.Diagnostics.Process.Start(start)!;
            Task<string> error = vrrpctl.StandardError.ReadToEndAsync(TestContext.Current.CancellationToken);
            bool exited = vrrpctl.WaitForExit(TimeSpan.FromSeconds(60));
            if (!exited)
            {
                vrrpctl.Kill();
            }

            Assert.True(exited, "vrrpctl did not give up");
            Assert.Equal(1, vrrpctl.ExitCode);
            Assert.Contains(path, await error, StringComparison.Ordinal);
            (await accepted).Dispose();
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Fact]
    public async Task A_second_server_on_a_served_path_is_refused_and_a_stale_socket_is_replaced()
    {
        // Input: a socket file left by a dead process (bound, never removed), then a first server, then a second.
        // Expected: the first replaces the dead socket and answers; the second is refused.
        using VrrpSimulation sim = Cluster();
        string path = TemporaryPath();
        // A process that bound the socket and died: python leaves the file behind (.NET's Socket removes it on Dispose).
        NetnsLab.RequireTool("python3");
        Assert.True(NetnsLab.TryRun("python3", $"-c \"import socket; socket.socket(socket.AF_UNIX).bind('{path}')\"", out string bound), bound);

        Assert.True(File.Exists(path));
        var first = new VrrpControlServer(path, () => [.. sim.Nodes.Select(n => n.Router)]);
        await using (first)
        {
            first.Start();
            var second = new VrrpControlServer(path, () => []);
            Assert.Throws<IOException>(second.Start);
            string[] answer = await SendAsync(path, "status r1\n", 1);
            Assert.Contains("\"Master\"", answer[0], StringComparison.Ordinal);
        }

        Assert.False(File.Exists(path), "the server removes its socket when disposed");
    }

    [Fact]
    public void A_file_or_a_link_at_the_socket_path_is_refused_and_never_deleted()
    {
        // Input: the control path holds a regular file; then a symbolic link to a file of someone else's.
        // Expected: Start refuses both with an error naming the path; the file, the link and its target are untouched
        // (before: the file was deleted and replaced by the socket).
        string path = TemporaryPath();
        string victim = TemporaryPath();
        try
        {
            File.WriteAllText(path, "not a socket");
            IOException error = Assert.Throws<IOException>(new VrrpControlServer(path, () => []).Start);
            Assert.Contains("is not a socket", error.Message, StringComparison.Ordinal);
            Assert.Equal("not a socket", File.ReadAllText(path));

            File.Delete(path);
            File.WriteAllText(victim, "precious");
            File.CreateSymbolicLink(path, victim);
            Assert.Throws<IOException>(new VrrpControlServer(path, () => []).Start);
            Assert.Equal(victim, new FileInfo(path).LinkTarget);
            Assert.Equal("precious", File.ReadAllText(victim));
        }
        finally
        {
            File.Delete(path);
            File.Delete(victim);
        }
    }

    [Fact]
    public async Task Past_the_connection_cap_a_connection_is_closed_at_once_and_a_silent_one_is_closed_after_the_idle_timeout()
    {
        // Input: MaxConnections clients connect and say nothing; one more connects.
        // Expected: the extra one is closed unanswered and counted; the silent ones are closed after IdleTimeout
        // (here 500 ms), after which a new client is served.
        using VrrpSimulation sim = Cluster();
        string path = TemporaryPath();
        var server = new VrrpControlServer(path, () => [.. sim.Nodes.Select(n => n.Router)]) { IdleTimeout = TimeSpan.FromMilliseconds(500) };
        await using (server)
        {
            server.Start();
            var silent = new List<Socket>();
            try
            {
                for (int i = 0; i < VrrpControlServer.MaxConnections; i++)
                {
                    var socket = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
                    silent.Add(socket);
                    await socket.ConnectAsync(new UnixDomainSocketEndPoint(path), TestContext.Current.CancellationToken);
                    Assert.True(SpinWait.SpinUntil(() => server.ActiveConnections == silent.Count, TimeSpan.FromSeconds(10)), $"{server.ActiveConnections} served of {silent.Count}");
                }

                Assert.Equal(0, server.RefusedConnections);
                using (var extra = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified))
                {
                    await extra.ConnectAsync(new UnixDomainSocketEndPoint(path), TestContext.Current.CancellationToken);
                    byte[] buffer = new byte[64];
                    Assert.Equal(0, await extra.ReceiveAsync(buffer, SocketFlags.None, TestContext.Current.CancellationToken)); // closed, no answer
                }

                Assert.Equal(1, server.RefusedConnections);

                // The silent ones are closed by the server: each read sees the end.
                foreach (Socket socket in silent)
                {
                    byte[] buffer = new byte[64];
                    Assert.Equal(0, await socket.ReceiveAsync(buffer, SocketFlags.None, TestContext.Current.CancellationToken));
                }

                string[] answer = await SendAsync(path, "status r1\n", 1);
                Assert.Contains("\"Master\"", answer[0], StringComparison.Ordinal);
            }
            finally
            {
                silent.ForEach(s => s.Dispose());
            }
        }
    }

    [Fact]
    public async Task A_peer_that_is_neither_root_nor_the_owner_is_refused_even_when_the_socket_mode_lets_it_connect()
    {
        // Input: the socket's mode loosened to 0666 by someone; a client running as nobody sends "status".
        // Expected: the connection is closed unanswered (SO_PEERCRED), and counted.
        NetnsLab.RequireRoot("runuser", "python3");
        using VrrpSimulation sim = Cluster();
        string path = TemporaryPath();
        var server = new VrrpControlServer(path, () => [.. sim.Nodes.Select(n => n.Router)]);
        await using (server)
        {
            server.Start();
            File.SetUnixFileMode(path, (UnixFileMode)0b110_110_110);
            string output = StatusBytesAs("runuser", "-u nobody -- python3", path);

            Assert.Equal("0", output.Trim());
            Assert.Equal(1, server.RefusedConnections);
        }
    }

    [Fact]
    public async Task With_a_control_group_its_members_are_served_and_other_users_refused()
    {
        // Input: a server with AllowedGroupId 4321; a client as nobody with 4321 among its supplementary groups, and
        // one as nobody without it. Expected: the socket is 0660 and of group 4321; the member is answered, the other
        // refused and counted. Before: only root and vrrpd's user could ever be served.
        NetnsLab.RequireRoot("setpriv", "python3");
        using VrrpSimulation sim = Cluster();
        string path = TemporaryPath();
        var server = new VrrpControlServer(path, () => [.. sim.Nodes.Select(n => n.Router)]) { AllowedGroupId = 4321 };
        await using (server)
        {
            server.Start();
            Assert.Equal((UnixFileMode)0b110_110_000, File.GetUnixFileMode(path));
            Assert.True(NetnsLab.TryRun("stat", $"-c %g {path}", out string group) && group.Trim() == "4321", group);
            File.SetUnixFileMode(path, (UnixFileMode)0b110_110_110); // loosened: the groups decide, not the mode
            string memberOutput = StatusBytesAs("setpriv", "--reuid=65534 --regid=65534 --groups=4321 /usr/bin/python3", path);
            string strangerOutput = StatusBytesAs("setpriv", "--reuid=65534 --regid=65534 --clear-groups /usr/bin/python3", path);

            Assert.NotEqual("0", memberOutput.Trim());
            Assert.Equal("0", strangerOutput.Trim());
            Assert.Equal(1, server.RefusedConnections);
        }
    }

    // Runs a Python client as another user (through runuser or setpriv) that sends "status" and prints how many bytes
    // came back: 0 when the server closed the connection unanswered.
    private static string StatusBytesAs(string program, string argumentsBeforeScript, string socketPath)
    {
        string client = Path.ChangeExtension(TemporaryPath(), ".py");
        File.WriteAllText(client, $"""
            import socket
            s = socket.socket(socket.AF_UNIX)
            s.connect('{socketPath}')
            try:
                s.sendall(b'status\n')
                n = len(s.recv(65536))
            except OSError:
                n = 0
            print(n)
            """);
        File.SetUnixFileMode(client, (UnixFileMode)0b110_100_100);
        bool ran = NetnsLab.TryRun(program, $"{argumentsBeforeScript} {client}", out string output);
        File.Delete(client);
        Assert.True(ran, output);
        return output;
    }

    private static string TemporaryPath() => Path.Combine(Path.GetTempPath(), $"vrrpctl-test-{Environment.ProcessId}-{Guid.NewGuid():N}.sock");

    private static async Task<string[]> SendAsync(string path, string text, int lines)
    {
        using var socket = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        await socket.ConnectAsync(new UnixDomainSocketEndPoint(path), TestContext.Current.CancellationToken);
        using var stream = new NetworkStream(socket);
        await stream.WriteAsync(Encoding.UTF8.GetBytes(text), TestContext.Current.CancellationToken);
        using var reader = new StreamReader(stream);
        var answers = new string[lines];
        for (int i = 0; i < lines; i++)
        {
            answers[i] = await reader.ReadLineAsync(TestContext.Current.CancellationToken) ?? throw new InvalidOperationException("connection closed early");
        }

        return answers;
    }
}
