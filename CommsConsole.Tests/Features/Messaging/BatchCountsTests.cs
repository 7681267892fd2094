using CommsConsole.Features.Messaging;

namespace CommsConsole.Tests.Features.Messaging;

/// <summary>The ledger's counts type: moving rows between statuses and counting (status, rows) pairs.</summary>
public sealed class BatchCountsTests
{
    [Fact]
    public void Move_TakesFromOneStatus_AndGivesToAnother()
    {
        var counts = new BatchCounts(Pending: 5, Sending: 0, Sent: 0, Delivered: 0, Failed: 0, Cancelled: 0, Suppressed: 1);

        var moved = counts.Move(MessageStatus.Pending, MessageStatus.Sending, 3).Move(MessageStatus.Sending, MessageStatus.Sent);

        Assert.Equal(new BatchCounts(2, 2, 1, 0, 0, 0, 1), moved);
    }

    [Fact]
    public void Moved_IsTheChangeAlone_AndMovingToTheSameStatusChangesNothing()
    {
        Assert.Equal(new BatchCounts(0, 0, -1, 1, 0, 0, 0), BatchCounts.Moved(MessageStatus.Sent, MessageStatus.Delivered));
        Assert.Equal(default, BatchCounts.Moved(MessageStatus.Failed, MessageStatus.Failed, 4));
    }

    [Fact]
    public void Of_AddsUpEveryPair_AndTheIndexerReadsEachStatus()
    {
        var counts = BatchCounts.Of([(MessageStatus.Failed, 2), (MessageStatus.Cancelled, 1), (MessageStatus.Failed, 3), (MessageStatus.Suppressed, 4)]);

        Assert.Equal(new BatchCounts(0, 0, 0, 0, 5, 1, 4), counts);
        Assert.Equal([0, 0, 0, 0, 5, 1, 4], Enum.GetValues<MessageStatus>().Select(s => counts[s]));
    }

    [Fact]
    public void AStatusOutsideTheEnum_IsRefused()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => default(BatchCounts).Add((MessageStatus)99, 1));
        Assert.Throws<ArgumentOutOfRangeException>(() => default(BatchCounts)[(MessageStatus)99]);
    }
}
