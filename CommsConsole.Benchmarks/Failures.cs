namespace CommsConsole.Benchmarks;

/// <summary>Failed requests of concurrent clients: how many, and the first few as examples for the log.</summary>
public sealed class Failures
{
    private readonly System.Collections.Concurrent.ConcurrentQueue<string> _samples = new();
    private int _count;

    public int Count => Volatile.Read(ref _count);
    public IEnumerable<string> Samples => _samples;

    public void Add(string what)
    {
        Interlocked.Increment(ref _count);
        if (_samples.Count < 5) _samples.Enqueue(what);
    }

    public void Add(Exception ex) => Add($"{ex.GetType().Name}: {ex.Message}");

    /// <summary>What a client counts as a failed request rather than a bug of the benchmark: a non-2xx (thrown as
    /// InvalidOperationException by the helpers), an answer that is not the JSON due, a broken connection or a timeout.</summary>
    public static bool IsRequestFailure(Exception ex) => ex is HttpRequestException or InvalidOperationException or TaskCanceledException or System.Text.Json.JsonException;
}
