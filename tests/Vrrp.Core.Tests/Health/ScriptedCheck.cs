using Vrrp.Health;

namespace Vrrp.Tests.Health;

/// <summary>A check whose runs the test decides: each run takes the next scripted step, or the default one.</summary>
internal sealed class ScriptedCheck : IVrrpHealthCheck
{
    private readonly Queue<Func<CancellationToken, ValueTask<VrrpCheckResult>>> _steps = new();

    public int Started { get; private set; }

    public int Cancelled { get; private set; }

    public Func<CancellationToken, ValueTask<VrrpCheckResult>> Default { get; set; } = _ => ValueTask.FromResult(VrrpCheckResult.Healthy);

    public TaskCompletionSource<VrrpCheckResult>? Pending { get; private set; }

    public ScriptedCheck Then(bool healthy, int times = 1)
    {
        for (int i = 0; i < times; i++)
        {
            _steps.Enqueue(_ => ValueTask.FromResult(healthy ? VrrpCheckResult.Healthy : VrrpCheckResult.Failure("scripted failure")));
        }

        return this;
    }

    public ScriptedCheck ThenValue(long value)
    {
        _steps.Enqueue(_ => ValueTask.FromResult(VrrpCheckResult.FromValue(value)));
        return this;
    }

    public ScriptedCheck ThenThrow(Exception exception)
    {
        _steps.Enqueue(_ => throw exception);
        return this;
    }

    public ScriptedCheck ThenThrowAsync(Exception exception)
    {
        _steps.Enqueue(async _ =>
        {
            await Task.Yield();
            throw exception;
        });
        return this;
    }

    /// <summary>A run that ends only when the test completes <see cref="Pending"/> (or, if it honours cancellation, when cancelled).</summary>
    public ScriptedCheck ThenHang(bool honourCancellation = true)
    {
        _steps.Enqueue(token =>
        {
            var pending = new TaskCompletionSource<VrrpCheckResult>(TaskCreationOptions.RunContinuationsAsynchronously);
            Pending = pending;
            token.Register(() =>
            {
                Cancelled++;
                if (honourCancellation)
                {
                    pending.TrySetCanceled(token);
                }
            });
            return new ValueTask<VrrpCheckResult>(pending.Task);
        });
        return this;
    }

    public ValueTask<VrrpCheckResult> CheckAsync(CancellationToken cancellationToken)
    {
        Started++;
        return _steps.TryDequeue(out var step) ? step(cancellationToken) : Default(cancellationToken);
    }
}
