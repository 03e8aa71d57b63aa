using Vrrp.Keepalived.Plan;

namespace Vrrp.Keepalived.Tests;

/// <summary>
/// <c>weight W reverse</c> runs as keepalived runs it: a track entry's reverse or noreverse wins, else the script's or
/// track file's own; interfaces are not reversed unless told. Before: read, warned "not run", applied unreversed.
/// </summary>
public sealed class WeightReverseTests
{
    [Fact]
    public void Reverse_reaches_each_routers_tracks_from_the_entry_or_from_the_script_or_file()
    {
        KeepalivedConfiguration configuration = KeepalivedConfigurationReader.Parse("""
            vrrp_script chk {
                script "/bin/true"
                weight -10 reverse
            }
            track_file tf {
                file "/tmp/vrrp-reverse-test"
                weight 5 reverse
            }
            vrrp_instance VI_1 {
                interface lab0
                virtual_router_id 51
                priority 100
                track_script {
                    chk
                }
                track_file {
                    tf weight 5 noreverse
                }
                track_interface {
                    lab1 weight 10 reverse
                    lab2 weight 10
                }
                virtual_ipaddress {
                    198.51.100.100/24
                }
            }
            """, "keepalived.conf", new InMemoryKeepalivedFileSystem());
        Assert.DoesNotContain(configuration.Warnings, w => w.Message.Contains("reverse", StringComparison.Ordinal));

        KeepalivedPlan plan = KeepalivedPlan.Create(configuration);
        KeepalivedTrackPlan[] tracks = [.. plan.Routers.Single().Tracks];
        Assert.Equal(
            [(-10, true), (10, true), (10, false), (5, false)], // scripts, then interfaces, then files
            tracks.Select(t => (t.Weight, t.Reverse)));
    }

    [Fact]
    public void The_writer_keeps_reverse_and_noreverse()
    {
        string text = """
            vrrp_instance VI_1 {
                interface lab0
                virtual_router_id 51
                track_interface {
                    lab1 weight 10 reverse
                    lab2 weight 10 noreverse
                    lab3
                }
                virtual_ipaddress {
                    198.51.100.100/24
                }
            }
            """;
        KeepalivedConfiguration configuration = KeepalivedConfigurationReader.Parse(text, "keepalived.conf", new InMemoryKeepalivedFileSystem());
        KeepalivedConfiguration again = KeepalivedConfigurationReader.Parse(KeepalivedConfigurationWriter.Write(configuration), "keepalived.conf", new InMemoryKeepalivedFileSystem());
        Assert.Equal([true, false, null], again.Instances[0].TrackInterfaces.Select(t => t.Reverse));
    }
}
