namespace CommsConsole.Features.Dispatch;

public sealed class DispatchOptions
{
    public const string Section = "Dispatch";

    /// <summary>Rows one job claims and sends at a time.</summary>
    public int ChunkSize { get; set; } = 500;
    /// <summary>How long a claim is held before the sweeper gives the rows to another worker.</summary>
    public int LeaseSeconds { get; set; } = 120;
    public int SweepIntervalSeconds { get; set; } = 5;
    /// <summary>Hangfire workers of this node, and so the most dispatch jobs running at once.</summary>
    public int Workers { get; set; } = 4;
    /// <summary>Automatic retries of a transient failure before the message fails.</summary>
    public int MaxRetries { get; set; } = 3;
    /// <summary>First retry delay; each further retry doubles it.</summary>
    public double RetryBaseSeconds { get; set; } = 5;
    /// <summary>A job stops claiming after this long and hands over to a fresh job, so none runs unbounded.</summary>
    public int JobBudgetSeconds { get; set; } = 60;
    /// <summary>This node's name in logs and in Hangfire's server list; unique per process unless set.</summary>
    public string Node { get; set; } = $"{Environment.MachineName}:{Environment.ProcessId}";
}
