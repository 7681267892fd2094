namespace CommsConsole.Data;

/// <summary>
/// An <c>Idempotency-Key</c> a caller sent with a send request, and the answer it got. The key (tenant, user, key) is the
/// lock: whoever inserts the row runs the request, on any node; everyone after replays the stored answer, is told the
/// first is still running, or is refused for sending another request under the same key.
/// </summary>
public class IdempotencyKey
{
    public const int MaxKeyLength = 255;

    public required string TenantId { get; set; }
    public required string UserId { get; set; }
    public required string Key { get; set; }
    /// <summary>SHA-256 (hex) of the method, path and body of the request first sent with the key.</summary>
    public required string RequestHash { get; set; }
    /// <summary>False while the first request runs; true once its answer is stored.</summary>
    public bool Completed { get; set; }
    public int? StatusCode { get; set; }
    public string? ContentType { get; set; }
    public byte[]? Body { get; set; }
    public DateTimeOffset CreatedAt { get; set; }
}
