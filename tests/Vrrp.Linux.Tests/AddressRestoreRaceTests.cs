using System.Runtime.InteropServices;
using Tmds.Linux;
using Vrrp.Addressing;
using Vrrp.Linux.Netlink;

namespace Vrrp.Linux.Tests;

/// <summary>
/// The watcher puts back an address of ours that someone removed; a router that gives the address up in the meantime
/// (it left Master) must not get it back (issue 18, item 10).
/// </summary>
public sealed class AddressRestoreRaceTests
{
    [Fact]
    public void An_address_given_up_between_the_watchers_check_and_its_restore_is_not_put_back()
    {
        // Input: in a lab namespace, the manager adds 198.51.100.100/24 (held, as a master's); an administrator deletes
        // it; exactly between the watcher's first look (held) and its restore, the router gives the address up.
        // Expected: the address stays off the interface and nothing is counted as restored. Before the fix (one look,
        // then the restore outside the lock), the watcher re-added an address its router had given up: a backup
        // holding the virtual address.
        NetnsLab.RequireRoot();
        using NetnsLab lab = NetnsLab.Create("a");
        var address = VirtualAddress.Parse("198.51.100.100/24");
        NetlinkAddressManager? manager = null;
        var raced = new ManualResetEventSlim();
        Exception? failure = null;
        var thread = new Thread(() =>
        {
            try
            {
                // setns(2) moves only this thread: the manager's netlink sockets belong to the lab.
                using SafeHandle ns = File.OpenHandle($"/run/netns/{lab.Namespace("a")}");
                if (LibC.setns((int)ns.DangerousGetHandle(), LibC.CLONE_NEWNET) != 0)
                {
                    throw new InvalidOperationException("setns failed");
                }

                manager = new NetlinkAddressManager();
                Assert.Equal(0, manager.Add("lab0", address));
            }
#pragma warning disable CA1031 // reported below, on the test's thread
            catch (Exception e)
#pragma warning restore CA1031
            {
                failure = e;
            }
        });
        thread.Start();
        Assert.True(thread.Join(TimeSpan.FromSeconds(30)));
        Assert.Null(failure);
        using (manager)
        {
            manager!.OnBetweenSeenAndRestore(() =>
            {
                manager.Remove("lab0", address); // the router leaves Master: ours, so removed (already gone) and released
                raced.Set();
            });
            Assert.True(lab.HasAddress("a", "198.51.100.100"));

            lab.Exec("a", "ip addr del 198.51.100.100/24 dev lab0");
            Assert.True(raced.Wait(TimeSpan.FromSeconds(10), TestContext.Current.CancellationToken), "the watcher saw the removal");
            Thread.Sleep(200); // a restore, if any, is one netlink round trip away: let it land before looking
            Assert.False(lab.HasAddress("a", "198.51.100.100"), lab.Exec("a", "ip addr show dev lab0"));
            Assert.Equal(0, manager.Restored);
        }
    }
}
