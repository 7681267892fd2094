namespace CommsConsole.Data;

public class Tenant
{
    public const int MaxName = 200;

    public string Id { get; set; } = NewId();
    public required string Name { get; set; }
    public DateTimeOffset CreatedAt { get; set; }

    public static string NewId() => "tnt_" + Guid.NewGuid().ToString("N")[..12];
}
