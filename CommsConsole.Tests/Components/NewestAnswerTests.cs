using CommsConsole.Components.Shared;

namespace CommsConsole.Tests.Components;

/// <summary>A preview recomputed as its user types shows the newest answer, however the answers arrive.</summary>
public sealed class NewestAnswerTests
{
    [Fact]
    public async Task AnOlderAnswerArrivingLast_IsDropped()
    {
        var newest = new NewestAnswer();
        var shown = new List<string>();
        var slow = new TaskCompletionSource<string>();
        var fast = new TaskCompletionSource<string>();

        var first = newest.RunAsync(() => slow.Task, shown.Add);
        var second = newest.RunAsync(() => fast.Task, shown.Add);
        fast.SetResult("typed later");
        await second;
        slow.SetResult("typed first");
        await first;

        Assert.Equal(["typed later"], shown);
    }

    [Fact]
    public async Task AnAnswerArrivingAfterADiscard_IsDropped()
    {
        var newest = new NewestAnswer();
        var shown = new List<string>();
        var slow = new TaskCompletionSource<string>();

        var pending = newest.RunAsync(() => slow.Task, shown.Add);
        newest.Discard(); // the body was cleared meanwhile
        slow.SetResult("preview of the old body");
        await pending;

        Assert.Empty(shown);
    }

    [Fact]
    public async Task TwentyOverlappingCalls_ShowOnlyTheLast()
    {
        var newest = new NewestAnswer();
        var shown = new List<int>();
        var answers = Enumerable.Range(0, 20).Select(_ => new TaskCompletionSource<int>()).ToList();
        var calls = answers.Select((a, i) => newest.RunAsync(() => a.Task, shown.Add)).ToList();
        // Answered in reverse, the newest first.
        for (var i = answers.Count - 1; i >= 0; i--) answers[i].SetResult(i);
        await Task.WhenAll(calls);

        Assert.Equal([19], shown);
    }
}
