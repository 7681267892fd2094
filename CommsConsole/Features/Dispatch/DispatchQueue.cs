using Hangfire;
using Hangfire.InMemory;
using Microsoft.Extensions.Options;

namespace CommsConsole.Features.Dispatch;

/// <summary>
/// Starts dispatch jobs when there is work. Jobs carry nothing: each claims due rows itself, so extra
/// jobs are harmless; this only avoids queueing more than the workers can run.
/// </summary>
public sealed class DispatchQueue(IBackgroundJobClient jobs, JobStorage storage, IOptions<DispatchOptions> options)
{
    private const string Queue = "default";

    /// <summary>
    /// A storage of this node alone (in memory) is counted here, exactly and for free. A storage shared by several nodes
    /// is asked instead: another node's worker may start the job this node enqueued, so no local count stays true.
    /// </summary>
    private readonly bool _shared = storage is not InMemoryStorage;
    private int _queued;

    public void Kick(int messages = int.MaxValue)
    {
        var o = options.Value;
        var wanted = (int)Math.Min(o.Workers, Math.Max(1, ((long)messages + o.ChunkSize - 1) / o.ChunkSize));
        if (_shared)
        {
            for (var waiting = storage.GetMonitoringApi().EnqueuedCount(Queue); waiting < wanted; waiting++)
            {
                jobs.Enqueue<DispatchJob>(j => j.RunAsync(CancellationToken.None));
            }
            return;
        }
        while (Volatile.Read(ref _queued) < wanted)
        {
            Interlocked.Increment(ref _queued);
            jobs.Enqueue<DispatchJob>(j => j.RunAsync(CancellationToken.None));
        }
    }

    /// <summary>Wakes dispatch at a scheduled time (the sweeper would find the work too, a little later).</summary>
    public void KickAt(DateTimeOffset at) => jobs.Schedule<DispatchJob>(j => j.RunScheduledAsync(CancellationToken.None), at);

    internal void Started()
    {
        if (!_shared) Interlocked.Decrement(ref _queued);
    }
}
