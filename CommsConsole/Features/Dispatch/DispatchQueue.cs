using Hangfire;
using Microsoft.Extensions.Options;

namespace CommsConsole.Features.Dispatch;

/// <summary>
/// Starts dispatch jobs when there is work. Jobs carry nothing: each claims due rows itself, so extra
/// jobs are harmless; this only avoids queueing more than the workers can run.
/// </summary>
public sealed class DispatchQueue(IBackgroundJobClient jobs, IOptions<DispatchOptions> options)
{
    private int _queued;

    public void Kick(int messages = int.MaxValue)
    {
        var o = options.Value;
        var wanted = (int)Math.Min(o.Workers, Math.Max(1, ((long)messages + o.ChunkSize - 1) / o.ChunkSize));
        while (Volatile.Read(ref _queued) < wanted)
        {
            Interlocked.Increment(ref _queued);
            jobs.Enqueue<DispatchJob>(j => j.RunAsync(CancellationToken.None));
        }
    }

    /// <summary>Wakes dispatch at a scheduled time (the sweeper would find the work too, a little later).</summary>
    public void KickAt(DateTimeOffset at) => jobs.Schedule<DispatchJob>(j => j.RunScheduledAsync(CancellationToken.None), at);

    internal void Started() => Interlocked.Decrement(ref _queued);
}
