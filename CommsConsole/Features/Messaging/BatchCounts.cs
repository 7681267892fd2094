namespace CommsConsole.Features.Messaging;

/// <summary>
/// A batch's messages by status: either the counts themselves (a recount from the rows) or a change to them (rows moved
/// from one status to another by a transition), as <see cref="MessageLedger"/> writes them to the <see cref="Batch"/>.
/// </summary>
public readonly record struct BatchCounts(int Pending, int Sending, int Sent, int Delivered, int Failed, int Cancelled, int Suppressed)
{
    public int this[MessageStatus status] => status switch
    {
        MessageStatus.Pending => Pending,
        MessageStatus.Sending => Sending,
        MessageStatus.Sent => Sent,
        MessageStatus.Delivered => Delivered,
        MessageStatus.Failed => Failed,
        MessageStatus.Cancelled => Cancelled,
        MessageStatus.Suppressed => Suppressed,
        _ => throw new ArgumentOutOfRangeException(nameof(status), status, null),
    };

    /// <summary>These counts with <paramref name="n"/> more (or, negative, fewer) rows in <paramref name="status"/>.</summary>
    public BatchCounts Add(MessageStatus status, int n) => status switch
    {
        MessageStatus.Pending => this with { Pending = Pending + n },
        MessageStatus.Sending => this with { Sending = Sending + n },
        MessageStatus.Sent => this with { Sent = Sent + n },
        MessageStatus.Delivered => this with { Delivered = Delivered + n },
        MessageStatus.Failed => this with { Failed = Failed + n },
        MessageStatus.Cancelled => this with { Cancelled = Cancelled + n },
        MessageStatus.Suppressed => this with { Suppressed = Suppressed + n },
        _ => throw new ArgumentOutOfRangeException(nameof(status), status, null),
    };

    /// <summary>These counts with <paramref name="n"/> rows moved from <paramref name="from"/> to <paramref name="to"/>.</summary>
    public BatchCounts Move(MessageStatus from, MessageStatus to, int n = 1) => from == to ? this : Add(from, -n).Add(to, n);

    /// <summary>The change of moving <paramref name="n"/> rows from <paramref name="from"/> to <paramref name="to"/>.</summary>
    public static BatchCounts Moved(MessageStatus from, MessageStatus to, int n = 1) => default(BatchCounts).Move(from, to, n);

    /// <summary>Counts from (status, rows) pairs, a status given more than once adding up.</summary>
    public static BatchCounts Of(IEnumerable<(MessageStatus Status, int Count)> groups) =>
        groups.Aggregate(default(BatchCounts), (counts, g) => counts.Add(g.Status, g.Count));
}
