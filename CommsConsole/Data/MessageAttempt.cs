
namespace CommsConsole.Data;

/// <summary>Every provider attempt of a message, kept for the log detail.</summary>
public class MessageAttempt
{
    public long Id { get; set; }
    public long MessageId { get; set; }
    public int Number { get; set; }
    public DateTimeOffset At { get; set; }
    public required string Provider { get; set; }
    public required string Outcome { get; set; }
    public string? Error { get; set; }
    public string? Response { get; set; }
}
