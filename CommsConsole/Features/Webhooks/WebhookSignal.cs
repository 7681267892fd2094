namespace CommsConsole.Features.Webhooks;

/// <summary>Wakes this node's idle delivery workers when events were recorded, rather than at their next poll.</summary>
public sealed class WebhookSignal
{
    private readonly SemaphoreSlim _kicks = new(0, int.MaxValue);

    public void Kick()
    {
        // A handful of pending wake-ups is enough: each wakes one worker, which then drains what is due.
        if (_kicks.CurrentCount < 4) _kicks.Release();
    }

    /// <summary>Waits for a kick or for <paramref name="timeout"/>, whichever comes first.</summary>
    public async Task WaitAsync(TimeSpan timeout, CancellationToken ct)
    {
        await _kicks.WaitAsync(timeout, ct);
    }
}
