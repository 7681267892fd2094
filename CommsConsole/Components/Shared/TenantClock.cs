using CommsConsole.Features.Compliance;

namespace CommsConsole.Components.Shared;

/// <summary>
/// The signed-in user's tenant's time zone (the one its schedules and quiet hours use), read once per circuit, and the
/// one way the console writes a time: on that clock, with its offset, so no time on any page is left unlabelled.
/// </summary>
public sealed class TenantClock(CallerState callers, ServiceRunner services)
{
    private Task<TimeZoneInfo>? _zone;

    public Task<TimeZoneInfo> ZoneAsync() => _zone ??= LoadAsync();

    private async Task<TimeZoneInfo> LoadAsync()
    {
        var caller = await callers.GetAsync();
        var policy = await services.RunAsync<PolicyService, EffectivePolicy>(p => p.GetAsync(caller.TenantId, CancellationToken.None));
        return policy.TimeZone;
    }

    /// <summary><c>2026-12-02 15:16 UTC+08:00</c>: the instant on <paramref name="zone"/>'s clock, labelled with that clock's offset then.</summary>
    public static string Format(DateTimeOffset at, TimeZoneInfo zone, bool seconds = false)
    {
        var local = TimeZoneInfo.ConvertTime(at, zone);
        return local.ToString(seconds ? "yyyy-MM-dd HH:mm:ss" : "yyyy-MM-dd HH:mm", System.Globalization.CultureInfo.InvariantCulture) + " " + Offset(local.Offset);
    }

    /// <summary>The same instant in UTC, for the hover text.</summary>
    public static string FormatUtc(DateTimeOffset at) =>
        at.ToUniversalTime().ToString("yyyy-MM-dd HH:mm:ss", System.Globalization.CultureInfo.InvariantCulture) + " UTC";

    private static string Offset(TimeSpan offset) =>
        offset == TimeSpan.Zero ? "UTC" : $"UTC{(offset < TimeSpan.Zero ? '-' : '+')}{offset.Duration():hh\\:mm}";
}
