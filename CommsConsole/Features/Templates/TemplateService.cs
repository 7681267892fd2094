using CommsConsole.Data;
using CommsConsole.Features.Common;
using CommsConsole.Features.Messaging;
using CommsConsole.Features.Tenancy;
using Microsoft.EntityFrameworkCore;

namespace CommsConsole.Features.Templates;

public sealed record TemplateInput(string Code, string Name, Channel Channel, string? Subject, string Body);

/// <summary>Stored templates of a tenant. Codes are case-insensitive and kept upper-case (VERIFY_CODE).</summary>
public sealed class TemplateService(AppDbContext db, LiquidTemplateEngine engine, TimeProvider clock)
{
    public static readonly IReadOnlyList<TemplateInput> Defaults =
    [
        new("VERIFY_CODE", "Verification code", Channel.Sms, null, "您的验证码是{{code}}，{{time}}分钟内有效。"),
        new("NOTIFY", "Notification", Channel.Sms, null, "{{content}}"),
    ];

    public static string NormalizeCode(string code) => code.Trim().ToUpperInvariant();

    public Task<Template?> FindByCodeAsync(string tenantId, string code, CancellationToken ct)
    {
        var key = NormalizeCode(code);
        return db.Templates.AsNoTracking().FirstOrDefaultAsync(t => t.TenantId == tenantId && t.Code == key, ct);
    }

    public Task<List<Template>> ListAsync(Caller caller, CancellationToken ct) =>
        db.Templates.AsNoTracking().Where(t => t.TenantId == caller.TenantId).OrderBy(t => t.Code).ToListAsync(ct);

    public async Task<Result<Template>> CreateAsync(TemplateInput input, Caller caller, CancellationToken ct)
    {
        if (!caller.CanSend) return AppError.Forbidden("your role cannot manage templates");
        if (Validate(input) is { } error) return error;
        var code = NormalizeCode(input.Code);
        if (await db.Templates.AnyAsync(t => t.TenantId == caller.TenantId && t.Code == code, ct))
            return AppError.Conflict($"code: a template with code '{code}' already exists");
        var now = clock.GetUtcNow();
        var template = new Template
        {
            TenantId = caller.TenantId, Code = code, Name = input.Name.Trim(), Channel = input.Channel,
            Subject = input.Subject, Body = input.Body, CreatedBy = caller.UserId, CreatedAt = now, UpdatedBy = caller.UserId, UpdatedAt = now,
        };
        db.Templates.Add(template);
        await db.SaveChangesAsync(ct);
        return template;
    }

    /// <summary>Gives a new tenant the templates every tenant starts with.</summary>
    public async Task SeedDefaultsAsync(string tenantId, CancellationToken ct)
    {
        var now = clock.GetUtcNow();
        foreach (var d in Defaults)
        {
            if (await db.Templates.AnyAsync(t => t.TenantId == tenantId && t.Code == d.Code, ct)) continue;
            db.Templates.Add(new Template
            {
                TenantId = tenantId, Code = d.Code, Name = d.Name, Channel = d.Channel, Subject = d.Subject, Body = d.Body,
                CreatedAt = now, UpdatedAt = now,
            });
        }
        await db.SaveChangesAsync(ct);
    }

    private AppError? Validate(TemplateInput input)
    {
        if (string.IsNullOrWhiteSpace(input.Code) || input.Code.Trim().Length > 64) return AppError.Validation("code: required, at most 64 characters");
        if (string.IsNullOrWhiteSpace(input.Name)) return AppError.Validation("name: required");
        if (string.IsNullOrWhiteSpace(input.Body)) return AppError.Validation("body: required");
        if (!engine.TryCompile(input.Body, out _, out var error)) return AppError.Validation($"body: {error}");
        if (input.Channel == Channel.Email && string.IsNullOrWhiteSpace(input.Subject)) return AppError.Validation("subject: required for email templates");
        if (input.Subject is { Length: > 0 } && !engine.TryCompile(input.Subject, out _, out var subjectError)) return AppError.Validation($"subject: {subjectError}");
        return null;
    }
}
