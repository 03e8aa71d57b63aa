using System.Net.Sockets;
using Vrrp.Packets;
using Vrrp.Protocol;

namespace Vrrp.Testing.Tests;

public sealed class VrrpWarmupTests
{
    public static TheoryData<AddressFamily, VrrpVersion, VrrpAuthenticationType> Kinds() => new()
    {
        { AddressFamily.InterNetwork, VrrpVersion.V3, VrrpAuthenticationType.None },
        { AddressFamily.InterNetworkV6, VrrpVersion.V3, VrrpAuthenticationType.None },
        { AddressFamily.InterNetwork, VrrpVersion.V2, VrrpAuthenticationType.SimplePassword },
        { AddressFamily.InterNetwork, VrrpVersion.V2, VrrpAuthenticationType.IPAuthenticationHeader },
    };

    [Theory]
    [MemberData(nameof(Kinds))]
    public void The_rehearsal_walks_every_takeover_path_the_first_real_takeover_needs(AddressFamily family, VrrpVersion version, VrrpAuthenticationType authentication)
    {
        // Input: two routers (100 and 90) back to back; election, priority drop and restore, stop, restart, crash, link fault.
        // Expected: every takeover kind happens, in this order; a rehearsal that stopped exercising one would fail here.
        string[] changes = [.. VrrpWarmup.Rehearse(family, version, authentication).Select(c => $"{c.Router}: {c.Change.From}->{c.Change.To} {c.Change.Reason}")];

        Assert.Equal(
            [
                "a: Initialize->Backup Startup",
                "b: Initialize->Backup Startup",
                "a: Backup->Master NoResponse",
                "b: Backup->Master Preempted",
                "a: Master->Backup Preempted",
                "a: Backup->Master Preempted",
                "b: Master->Backup Preempted",
                "a: Master->Initialize Shutdown",
                "b: Backup->Master MasterReleased",
                "a: Initialize->Backup Startup",
                "a: Backup->Master Preempted",
                "b: Master->Backup Preempted",
                "b: Backup->Master NoResponse",
                "b: Master->Fault InterfaceDown",
                "b: Fault->Backup InterfaceUp",
                "b: Backup->Master NoResponse",
                "b: Master->Initialize Shutdown",
                "b: Initialize->Stopped Shutdown",
                "a: Initialize->Stopped Shutdown",
            ],
            changes);
    }

    [Fact]
    public void Rehearse_runs_all_kinds_without_touching_anything_outside_the_process() => VrrpWarmup.Rehearse();
}
