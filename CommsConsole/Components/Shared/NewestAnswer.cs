namespace CommsConsole.Components.Shared;

/// <summary>
/// For a page that recomputes something as its user types or picks (a preview): of calls that overlap, only the newest
/// one's answer is used, so a slower, older answer can never replace a newer one on the screen.
/// </summary>
public sealed class NewestAnswer
{
    private long _issued;

    /// <summary>Runs <paramref name="load"/> and hands its answer to <paramref name="use"/>, unless a later call started meanwhile.</summary>
    public async Task RunAsync<T>(Func<Task<T>> load, Action<T> use)
    {
        var mine = Interlocked.Increment(ref _issued);
        var answer = await load();
        if (mine == Interlocked.Read(ref _issued)) use(answer);
    }

    /// <summary>Drops every answer still on its way: the page has cleared what they were for.</summary>
    public void Discard() => Interlocked.Increment(ref _issued);
}
