using CommsConsole.Features.Compliance;

namespace CommsConsole.Components.Shared;

/// <summary>
/// The signed-in user's tenant's time zone (the one its schedules and quiet hours use) and currency, read once per
/// circuit, and the one way the console writes a time (on that clock, with its offset, so no time on any page is left
/// unlabelled) and an amount of money (with the tenant's currency code).
/// </summary>
public sealed class TenantClock(CallerState callers, ServiceRunner services)
{
    private Task<EffectivePolicy>? _policy;

    public async Task<TimeZoneInfo> ZoneAsync() => (await PolicyAsync()).TimeZone;

    public async Task<string> CurrencyAsync() => (await PolicyAsync()).Currency;

    private Task<EffectivePolicy> PolicyAsync() => _policy ??= LoadAsync();

    private async Task<EffectivePolicy> LoadAsync()
    {
        var caller = await callers.GetAsync();
        return await services.RunAsync<PolicyService, EffectivePolicy>(p => p.GetAsync(caller.TenantId, CancellationToken.None));
    }

    /// <summary><c>12.50 CNY</c>: a cost or price in the tenant's currency, digits in the page's culture.</summary>
    public static string Money(decimal amount, string currency, string format = "N2") =>
        Currencies.Format(amount, currency, System.Globalization.CultureInfo.CurrentCulture, format);

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
