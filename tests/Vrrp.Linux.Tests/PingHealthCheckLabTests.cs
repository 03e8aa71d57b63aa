using System.Net;
using System.Runtime.InteropServices;
using Tmds.Linux;
using Vrrp.Health;

namespace Vrrp.Linux.Tests;

/// <summary>The ICMP check against an address nobody answers, inside a lab namespace: the echo never leaves the lab.</summary>
public sealed class PingHealthCheckLabTests
{
    [Fact]
    public void Icmp_echo_to_an_address_nobody_answers_on_the_lab_link_is_failing()
    {
        // Input: a lab host (198.51.100.11/24 on lab0, alone on its bridge); the check pings 198.51.100.77, 200 ms.
        // Expected: a failure that says the echo timed out; the thread that sent it was in the lab's namespace.
        NetnsLab.RequireRoot();
        using NetnsLab lab = NetnsLab.Create("a");
        var check = new PingHealthCheck(IPAddress.Parse("198.51.100.77")) { EchoTimeout = TimeSpan.FromMilliseconds(200) };
        VrrpCheckResult result = default;
        string? inNamespace = null;
        Exception? failure = null;

        // setns(2) moves only the calling thread: the raw ICMP socket the check opens there belongs to the lab.
        var thread = new Thread(() =>
        {
            try
            {
                using SafeHandle ns = File.OpenHandle($"/run/netns/{lab.Namespace("a")}");
                if (LibC.setns((int)ns.DangerousGetHandle(), LibC.CLONE_NEWNET) != 0)
                {
                    throw new InvalidOperationException("setns failed");
                }

                inNamespace = new FileInfo("/proc/thread-self/ns/net").LinkTarget;
                result = check.CheckAsync(CancellationToken.None).AsTask().GetAwaiter().GetResult();
            }
#pragma warning disable CA1031 // reported below, on the test's thread
            catch (Exception e)
#pragma warning restore CA1031
            {
                failure = e;
            }
        });
        thread.Start();
        Assert.True(thread.Join(TimeSpan.FromSeconds(30)), "the check finished");

        Assert.Null(failure);
        Assert.NotEqual(new FileInfo("/proc/self/ns/net").LinkTarget, inNamespace);
        Assert.False(result.IsHealthy);
        Assert.Contains("TimedOut", result.Description, StringComparison.Ordinal);
    }
}
