using Microsoft.Extensions.Hosting;
using Vrrp.Election;

namespace Vrrp.LeaderWorker;

/// <summary>Does its work only while this node leads, and stops the moment leadership is lost.</summary>
internal sealed class LeaderWorker(ILeaderElection election, NodeName node) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        while (!stoppingToken.IsCancellationRequested)
        {
            LeadershipTerm term;
            try
            {
                term = await election.WaitForLeadershipAsync(stoppingToken);
            }
            catch (OperationCanceledException)
            {
                return;
            }

            Log(node.Name, $"leads (fencing token {term.FencingToken}): starting work");
            using var work = CancellationTokenSource.CreateLinkedTokenSource(stoppingToken, term.LeadershipLost);
            int batch = 0;
            try
            {
                while (true)
                {
                    // Real work would pass term.FencingToken to whatever it writes, which refuses a lower one.
                    await Task.Delay(TimeSpan.FromMilliseconds(250), work.Token);
                    Log(node.Name, $"work batch {++batch} done under token {term.FencingToken}");
                }
            }
            catch (OperationCanceledException)
            {
                Log(node.Name, stoppingToken.IsCancellationRequested ? "stopping: work ends" : "lost leadership: work stops");
            }
        }
    }

    public static void Log(string node, string message) => Console.WriteLine($"{DateTimeOffset.UtcNow:HH:mm:ss.fff} {node,-6} {message}");
}

/// <summary>The node's name, for the log.</summary>
internal sealed record NodeName(string Name);
