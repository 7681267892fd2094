namespace CommsConsole.Data;

/// <summary>One tag of a contact (rows rather than a column, so that tags can be filtered in SQL on every provider).</summary>
public class ContactTag
{
    public long ContactId { get; set; }
    public required string Tag { get; set; }
}
