using CommsConsole.Data;
using Hangfire;
using Microsoft.Extensions.Options;

namespace CommsConsole.Features.Dispatch;

/// <summary>
/// Starts dispatch jobs when there is work. Jobs carry nothing: each claims due rows itself, so extra
/// jobs are harmless; this only avoids queueing more than the workers can run.
/// </summary>
public sealed class DispatchQueue(IBackgroundJobClient jobs, JobStorage storage, DatabaseInfo database, IOptions<DispatchOptions> options)
{
    private const string Queue = "default";

    /// <summary>
    /// The jobs file of a SQLite node is its own, so the waiting jobs are counted here, for free on every kick; the count is
    /// set again from the storage at each sweep (<see cref="Recount"/>), which takes in jobs a previous run left queued.
    /// A storage shared by several nodes (PostgreSQL) is asked instead: another node's worker may start the job this node
    /// enqueued, so no local count stays true.
    /// </summary>
    private readonly bool _shared = database.IsPostgres;
    private int _queued;

    public void Kick(int messages = int.MaxValue)
    {
        var o = options.Value;
        var wanted = (int)Math.Min(o.Workers, Math.Max(1, ((long)messages + o.ChunkSize - 1) / o.ChunkSize));
        if (_shared)
        {
            for (var waiting = Waiting(); waiting < wanted; waiting++)
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

    /// <summary>
    /// Takes the local count from the storage again: jobs queued by a previous run of this node (the file outlives the
    /// process) or by another process on the same file start here without having been counted, and would otherwise leave
    /// the count wrong until the next restart.
    /// </summary>
    internal void Recount()
    {
        if (!_shared) Volatile.Write(ref _queued, Waiting());
    }

    internal void Started()
    {
        if (_shared) return;
        // A job this run did not count (queued before a restart) must not take the count below zero.
        int seen;
        do
        {
            seen = Volatile.Read(ref _queued);
            if (seen <= 0) return;
        } while (Interlocked.CompareExchange(ref _queued, seen - 1, seen) != seen);
    }

    private int Waiting() => (int)Math.Min(int.MaxValue, storage.GetMonitoringApi().EnqueuedCount(Queue));
}
