using System.Buffers.Binary;
using System.Buffers.Text;
using System.Security.Cryptography;
using CommsConsole.Data;
using Microsoft.EntityFrameworkCore;

namespace CommsConsole.Features.Tracking;

/// <summary>What a valid tracking token names: a message, and for a click the position of its link.</summary>
public readonly record struct TrackingTarget(EngagementKind Kind, long MessageId, int Position);

/// <summary>
/// The tokens of the open pixel (<c>/o/{token}</c>) and of rewritten links (<c>/r/{token}</c>): the kind, the message id
/// and the link's position, signed with HMAC-SHA256 (cut to 128 bits) under a key of the installation kept in the database
/// beside the JWT signing key, so every node reads the same. A token holds no URL: a click is led to the link found at
/// that position in the message's own stored content, so a token cannot be made to point anywhere else, and without the
/// key none can be made at all. Tokens do not expire: a link in a read email keeps working until the message is purged
/// or erased. 36 characters, URL-safe.
/// </summary>
public sealed class TrackingLinks(IServiceScopeFactory scopes, PublicUrls urls)
{
    private const string SecretName = "tracking-link-key";
    private const int PayloadLength = 1 + 8 + 2, MacLength = 16, TokenBytes = PayloadLength + MacLength;
    /// <summary>The length of every token; anything else is refused before it is decoded.</summary>
    public const int TokenLength = TokenBytes * 4 / 3;
    /// <summary>Links beyond this many in one email are left as they are (a position is two bytes).</summary>
    public const int MaxLinks = ushort.MaxValue;

    private readonly Lazy<byte[]> _key = new(() => ReadOrCreateKey(scopes));

    public string Token(EngagementKind kind, long messageId, int position)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(position);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(position, MaxLinks);
        Span<byte> data = stackalloc byte[TokenBytes];
        data[0] = Tag(kind);
        BinaryPrimitives.WriteInt64BigEndian(data[1..], messageId);
        BinaryPrimitives.WriteUInt16BigEndian(data[9..], (ushort)position);
        Mac(data[..PayloadLength], data[PayloadLength..]);
        return Base64Url.EncodeToString(data);
    }

    /// <summary>What the token names, or null when it is not one of ours for <paramref name="kind"/> (altered, forged, of the other kind).</summary>
    public TrackingTarget? Read(EngagementKind kind, string? token)
    {
        if (token is null || token.Length != TokenLength) return null;
        // Only the URL-safe alphabet reaches the decoder (it threw on characters beyond Latin-1: full-width digits).
        foreach (var c in token)
        {
            if (!char.IsAsciiLetterOrDigit(c) && c != '-' && c != '_') return null;
        }
        Span<byte> data = stackalloc byte[TokenBytes];
        if (!Base64Url.TryDecodeFromChars(token, data, out var written) || written != TokenBytes) return null;
        if (data[0] != Tag(kind)) return null;
        Span<byte> expected = stackalloc byte[MacLength];
        Mac(data[..PayloadLength], expected);
        if (!CryptographicOperations.FixedTimeEquals(expected, data[PayloadLength..])) return null;
        var messageId = BinaryPrimitives.ReadInt64BigEndian(data[1..]);
        if (messageId <= 0) return null;
        return new TrackingTarget(kind, messageId, BinaryPrimitives.ReadUInt16BigEndian(data[9..]));
    }

    public string OpenUrl(long messageId) => urls.Absolute("o/") + Token(EngagementKind.Open, messageId, 0);

    public string ClickUrl(long messageId, int position) => urls.Absolute("r/") + Token(EngagementKind.Click, messageId, position);

    /// <summary>The app's own base URL, whose unsubscribe and tracking links are never rewritten.</summary>
    public string BaseUrl => urls.BaseUrl();

    /// <summary>Reads (or creates) the key now, at start-up, rather than in the first send or click.</summary>
    public void LoadKey() => _ = _key.Value;

    private static byte Tag(EngagementKind kind) => kind == EngagementKind.Open ? (byte)'o' : (byte)'c';

    private void Mac(ReadOnlySpan<byte> payload, Span<byte> mac)
    {
        Span<byte> full = stackalloc byte[HMACSHA256.HashSizeInBytes];
        HMACSHA256.HashData(_key.Value, payload, full);
        full[..MacLength].CopyTo(mac);
    }

    private static byte[] ReadOrCreateKey(IServiceScopeFactory scopes)
    {
        using var scope = scopes.CreateScope();
        var db = scope.ServiceProvider.GetRequiredService<AppDbContext>();
        var secret = db.AppSecrets.AsNoTracking().FirstOrDefault(s => s.Name == SecretName);
        if (secret is null)
        {
            db.AppSecrets.Add(new AppSecret { Name = SecretName, Value = Convert.ToBase64String(RandomNumberGenerator.GetBytes(32)) });
            try
            {
                db.SaveChanges();
            }
            catch (DbUpdateException)
            {
                // Another node (or request) created it first; use theirs.
            }
            secret = db.AppSecrets.AsNoTracking().First(s => s.Name == SecretName);
        }
        return Convert.FromBase64String(secret.Value);
    }
}
