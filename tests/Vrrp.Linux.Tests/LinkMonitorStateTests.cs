using Vrrp.Linux.Netlink;

namespace Vrrp.Linux.Tests;

public sealed class LinkMonitorStateTests
{
    [Fact]
    public void Loopback_reports_no_operational_state_and_counts_as_up_as_NetworkInterface_does()
    {
        // lo's operstate is "unknown"; NetworkInterface.OperationalStatus says Unknown, which the monitor takes as up.
        Assert.True(LinkMonitor.IsOperationallyUp("lo"));
    }

    [Fact]
    public void An_interface_that_does_not_exist_has_no_state()
    {
        Assert.Null(LinkMonitor.IsOperationallyUp("vrrp-no-such0"));
    }
}
