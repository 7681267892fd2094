namespace CommsConsole.Data;

/// <summary>A contact in a list: one row per pair, so adding the same member twice keeps one.</summary>
public class ContactListMember
{
    public long ListId { get; set; }
    public long ContactId { get; set; }
    public DateTimeOffset AddedAt { get; set; }
}
