using System.Globalization;
using CommsConsole.Data;
using CommsConsole.Features.Tenancy;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;

namespace CommsConsole.Features.Compliance;

/// <summary>A tenant's rules as sends apply them: its saved policy or the installation's defaults, and its sensitive words.</summary>
public sealed record EffectivePolicy(
    string TenantId,
    string? PostalAddress,
    string? SmsOptOutHint,
    int QuietStartMinutes,
    int QuietEndMinutes,
    TimeZoneInfo TimeZone,
    int VerifyCodesPerMinute,
    int VerifyCodesPerHour,
    int VerifyCodesPerDay,
    int RetentionDays,
    IReadOnlyList<string> SensitiveWords,
    bool Saved,
    string Currency = Currencies.Fallback,
    bool TrackMarketingEmail = true,
    bool TrackTransactionalEmail = false)
{
    /// <summary>Whether opens and clicks of an email of this purpose are tracked (links rewritten, pixel added) for this tenant.</summary>
    public bool TracksEmail(Purpose purpose) => purpose == Purpose.Marketing ? TrackMarketingEmail : TrackTransactionalEmail;

    public bool HasQuietHours => QuietStartMinutes != QuietEndMinutes;

    /// <summary>When the quiet hours that <paramref name="at"/> falls in end, or null when it falls outside them.</summary>
    public DateTimeOffset? QuietUntil(DateTimeOffset at)
    {
        if (!HasQuietHours) return null;
        var local = TimeZoneInfo.ConvertTime(at, TimeZone);
        var minute = local.Hour * 60 + local.Minute;
        var (start, end) = (QuietStartMinutes, QuietEndMinutes);
        DateTime endDay;
        if (start < end)
        {
            if (minute < start || minute >= end) return null;
            endDay = local.Date;
        }
        else
        {
            if (minute >= start) endDay = local.Date.AddDays(1);
            else if (minute < end) endDay = local.Date;
            else return null;
        }
        var endLocal = DateTime.SpecifyKind(endDay.AddMinutes(end), DateTimeKind.Unspecified);
        // A wall-clock time skipped by a daylight-saving change: the quiet hours end at the first minute that exists.
        while (TimeZone.IsInvalidTime(endLocal)) endLocal = endLocal.AddMinutes(1);
        return new DateTimeOffset(endLocal, TimeZone.GetUtcOffset(endLocal)).ToUniversalTime();
    }

    /// <summary>The first sensitive word the text contains (case-insensitive), or null.</summary>
    public string? FindSensitiveWord(string? text)
    {
        if (string.IsNullOrEmpty(text)) return null;
        foreach (var word in SensitiveWords)
        {
            if (text.Contains(word, StringComparison.OrdinalIgnoreCase)) return word;
        }
        return null;
    }
}

/// <summary>What the settings page and its service exchange.</summary>
public sealed record PolicyInput
{
    public string? PostalAddress { get; init; }
    public string? SmsOptOutHint { get; init; }
    public string QuietHoursStart { get; init; } = "21:00";
    public string QuietHoursEnd { get; init; } = "08:00";
    public string TimeZoneId { get; init; } = "Asia/Shanghai";
    public int VerifyCodesPerMinute { get; init; }
    public int VerifyCodesPerHour { get; init; }
    public int VerifyCodesPerDay { get; init; }
    public int RetentionDays { get; init; }
    public IReadOnlyList<string> SensitiveWords { get; init; } = [];
    public string Currency { get; init; } = "CNY";
    /// <summary>Track opens and clicks of marketing email (on unless turned off).</summary>
    public bool TrackMarketingEmail { get; init; } = true;
    /// <summary>Track opens and clicks of transactional email too (off unless turned on).</summary>
    public bool TrackTransactionalEmail { get; init; }
}

/// <summary>Reads and saves tenants' compliance policies. Admins manage their own tenant's; a SystemAdmin any tenant's.</summary>
public sealed class PolicyService(AppDbContext db, TimeProvider clock, IOptions<ComplianceOptions> options)
{
    public const int MaxWords = 2_000;

    public async Task<EffectivePolicy> GetAsync(string tenantId, CancellationToken ct)
    {
        var row = await db.Set<TenantPolicy>().AsNoTracking().FirstOrDefaultAsync(p => p.TenantId == tenantId, ct);
        var words = await db.Set<SensitiveWord>().AsNoTracking().Where(w => w.TenantId == tenantId).OrderBy(w => w.Word).Select(w => w.Word).ToListAsync(ct);
        if (row is not null)
        {
            return new EffectivePolicy(tenantId, row.PostalAddress, row.SmsOptOutHint, row.QuietHoursStartMinutes, row.QuietHoursEndMinutes,
                FindZone(row.TimeZoneId) ?? TimeZoneInfo.Utc, row.VerifyCodesPerMinute, row.VerifyCodesPerHour, row.VerifyCodesPerDay, row.RetentionDays, words, true,
                Currencies.Find(row.Currency) ?? Currencies.Find(options.Value.Defaults.Currency) ?? Currencies.Fallback,
                !row.MarketingEmailTrackingOff, row.TransactionalEmailTrackingOn);
        }
        var d = options.Value.Defaults;
        return new EffectivePolicy(tenantId, Blank(d.PostalAddress), Blank(d.SmsOptOutHint), ParseTime(d.QuietHoursStart) ?? 21 * 60, ParseTime(d.QuietHoursEnd) ?? 8 * 60,
            FindZone(d.TimeZoneId) ?? TimeZoneInfo.Utc, d.VerifyCodesPerMinute, d.VerifyCodesPerHour, d.VerifyCodesPerDay, d.RetentionDays, words, false,
            Currencies.Find(d.Currency) ?? Currencies.Fallback, d.TrackMarketingEmail, d.TrackTransactionalEmail);
    }

    public static PolicyInput ToInput(EffectivePolicy p) => new()
    {
        PostalAddress = p.PostalAddress, SmsOptOutHint = p.SmsOptOutHint,
        QuietHoursStart = FormatTime(p.QuietStartMinutes), QuietHoursEnd = FormatTime(p.QuietEndMinutes), TimeZoneId = p.TimeZone.Id,
        VerifyCodesPerMinute = p.VerifyCodesPerMinute, VerifyCodesPerHour = p.VerifyCodesPerHour, VerifyCodesPerDay = p.VerifyCodesPerDay,
        RetentionDays = p.RetentionDays, SensitiveWords = p.SensitiveWords, Currency = p.Currency,
        TrackMarketingEmail = p.TrackMarketingEmail, TrackTransactionalEmail = p.TrackTransactionalEmail,
    };

    public async Task<Result<PolicyInput>> GetForEditAsync(Caller caller, string tenantId, CancellationToken ct)
    {
        if (Authorize(caller, tenantId) is { } denied) return denied;
        return ToInput(await GetAsync(tenantId, ct));
    }

    public async Task<Result<PolicyInput>> SaveAsync(Caller caller, string tenantId, PolicyInput input, CancellationToken ct)
    {
        if (Authorize(caller, tenantId) is { } denied) return denied;
        if (!await db.Tenants.AnyAsync(t => t.Id == tenantId, ct)) return AppError.NotFound($"tenant: no tenant '{tenantId}'");
        var postal = Blank(input.PostalAddress);
        if (postal?.Length > TenantPolicy.MaxPostalAddress) return AppError.Validation($"postal_address: at most {TenantPolicy.MaxPostalAddress} characters");
        var hint = Blank(input.SmsOptOutHint);
        if (hint?.Length > TenantPolicy.MaxHint) return AppError.Validation($"sms_opt_out_hint: at most {TenantPolicy.MaxHint} characters");
        if (ParseTime(input.QuietHoursStart) is not { } start) return AppError.Validation($"quiet_hours_start: '{input.QuietHoursStart}' is not a time of day (HH:mm)");
        if (ParseTime(input.QuietHoursEnd) is not { } end) return AppError.Validation($"quiet_hours_end: '{input.QuietHoursEnd}' is not a time of day (HH:mm)");
        if (FindZone(input.TimeZoneId) is not { } zone) return AppError.Validation($"time_zone: '{input.TimeZoneId}' is not a known time zone (e.g. Asia/Shanghai)");
        if (input.VerifyCodesPerMinute < 0 || input.VerifyCodesPerHour < 0 || input.VerifyCodesPerDay < 0)
            return AppError.Validation("verify_code caps: must be 0 (no cap) or more");
        if (Currencies.Find(input.Currency) is not { } currency) return AppError.Validation($"currency: '{input.Currency}' is not an ISO 4217 currency code (e.g. CNY)");
        if (input.RetentionDays is < 1 or > 3650) return AppError.Validation("retention_days: must be between 1 and 3650");
        var words = new List<string>();
        foreach (var raw in input.SensitiveWords)
        {
            var word = raw.Trim();
            if (word.Length == 0) continue;
            if (word.Length > SensitiveWord.MaxLength) return AppError.Validation($"sensitive_words: '{word[..20]}…' is longer than {SensitiveWord.MaxLength} characters");
            if (!words.Contains(word, StringComparer.OrdinalIgnoreCase)) words.Add(word);
        }
        if (words.Count > MaxWords) return AppError.Validation($"sensitive_words: {words.Count} given; at most {MaxWords}");

        // Saves of one tenant's settings at once race to insert its first row and the same new words; a save that loses
        // reads again and writes its values over the winner's, as if it had come just after it.
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                var now = clock.GetUtcNow();
                var row = await db.Set<TenantPolicy>().FirstOrDefaultAsync(p => p.TenantId == tenantId, ct);
                if (row is null)
                {
                    row = new TenantPolicy { TenantId = tenantId, TimeZoneId = zone.Id };
                    db.Add(row);
                }
                row.PostalAddress = postal;
                row.SmsOptOutHint = hint;
                row.QuietHoursStartMinutes = start;
                row.QuietHoursEndMinutes = end;
                row.TimeZoneId = zone.Id;
                row.VerifyCodesPerMinute = input.VerifyCodesPerMinute;
                row.VerifyCodesPerHour = input.VerifyCodesPerHour;
                row.VerifyCodesPerDay = input.VerifyCodesPerDay;
                row.RetentionDays = input.RetentionDays;
                row.Currency = currency;
                row.MarketingEmailTrackingOff = !input.TrackMarketingEmail;
                row.TransactionalEmailTrackingOn = input.TrackTransactionalEmail;
                row.UpdatedAt = now;
                row.UpdatedBy = caller.UserId;

                var existing = await db.Set<SensitiveWord>().Where(w => w.TenantId == tenantId).ToListAsync(ct);
                db.RemoveRange(existing.Where(e => !words.Contains(e.Word, StringComparer.Ordinal)));
                foreach (var word in words.Where(w => !existing.Any(e => e.Word == w)))
                    db.Add(new SensitiveWord { TenantId = tenantId, Word = word, CreatedAt = now, CreatedBy = caller.UserId });
                await db.SaveChangesAsync(ct);
                break;
            }
            catch (DbUpdateException) when (attempt < 3)
            {
                db.ChangeTracker.Clear();
            }
        }
        return ToInput(await GetAsync(tenantId, ct));
    }

    internal static AppError? Authorize(Caller caller, string tenantId)
    {
        if (!caller.IsAdmin) return AppError.Forbidden("only an Admin may manage compliance settings and opt-outs");
        if (!caller.IsSystemAdmin && tenantId != caller.TenantId) return AppError.NotFound($"tenant: no tenant '{tenantId}'");
        return null;
    }

    public static int? ParseTime(string? value) =>
        TimeOnly.TryParseExact(value?.Trim(), ["H:mm", "HH:mm"], CultureInfo.InvariantCulture, DateTimeStyles.None, out var t) ? t.Hour * 60 + t.Minute : null;

    public static string FormatTime(int minutes) => $"{minutes / 60:D2}:{minutes % 60:D2}";

    public static TimeZoneInfo? FindZone(string? id)
    {
        if (string.IsNullOrWhiteSpace(id)) return null;
        return TimeZoneInfo.TryFindSystemTimeZoneById(id.Trim(), out var zone) ? zone : null;
    }

    private static string? Blank(string? value) => string.IsNullOrWhiteSpace(value) ? null : value.Trim();
}
