using CommsConsole.Data;
using Microsoft.EntityFrameworkCore;

namespace CommsConsole.Features.Templates;

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
            Subject = input.Subject, Body = input.Body, Format = input.Format, CreatedBy = caller.UserId, CreatedAt = now, UpdatedBy = caller.UserId, UpdatedAt = now,
        };
        db.Templates.Add(template);
        await db.SaveChangesAsync(ct);
        return template;
    }

    public async Task<Result<Template>> GetAsync(int id, Caller caller, CancellationToken ct)
    {
        var template = await db.Templates.AsNoTracking().FirstOrDefaultAsync(t => t.Id == id && t.TenantId == caller.TenantId, ct);
        return template is null ? AppError.NotFound($"no template with id {id}") : template;
    }

    public async Task<Result<Template>> UpdateAsync(int id, TemplateInput input, Caller caller, CancellationToken ct)
    {
        if (!caller.CanSend) return AppError.Forbidden("your role cannot manage templates");
        if (Validate(input) is { } error) return error;
        var template = await db.Templates.FirstOrDefaultAsync(t => t.Id == id && t.TenantId == caller.TenantId, ct);
        if (template is null) return AppError.NotFound($"no template with id {id}");
        var code = NormalizeCode(input.Code);
        if (code != template.Code && await db.Templates.AnyAsync(t => t.TenantId == caller.TenantId && t.Code == code, ct))
            return AppError.Conflict($"code: a template with code '{code}' already exists");
        template.Code = code;
        template.Name = input.Name.Trim();
        template.Channel = input.Channel;
        template.Subject = input.Subject;
        template.Body = input.Body;
        template.Format = input.Format;
        template.UpdatedBy = caller.UserId;
        template.UpdatedAt = clock.GetUtcNow();
        await db.SaveChangesAsync(ct);
        return template;
    }

    /// <summary>Deletes a template; messages already sent keep their rendered text and the template's id.</summary>
    public async Task<Result<bool>> DeleteAsync(int id, Caller caller, CancellationToken ct)
    {
        if (!caller.CanSend) return AppError.Forbidden("your role cannot manage templates");
        var deleted = await db.Templates.Where(t => t.Id == id && t.TenantId == caller.TenantId).ExecuteDeleteAsync(ct);
        return deleted == 0 ? AppError.NotFound($"no template with id {id}") : true;
    }

    /// <summary>Checks a template as the editor types: its syntax error with position, or the variables it uses.</summary>
    public (TemplateError? Error, IReadOnlyList<string> Variables) Inspect(string? source)
    {
        if (string.IsNullOrEmpty(source)) return (null, []);
        return engine.TryCompile(source, out var compiled, out var error) ? (null, compiled.Variables) : (error, []);
    }

    /// <summary>
    /// Copies a starter of the gallery (<see cref="StarterTemplates"/>) into the caller's tenant as a template of its own, to
    /// be edited there: under the starter's code, or the first of CODE_2, CODE_3… that is free. Requests at once each get
    /// their own code (a code taken meanwhile is tried again with the next).
    /// </summary>
    public async Task<Result<Template>> CreateFromStarterAsync(string? key, string? language, Caller caller, CancellationToken ct)
    {
        if (!caller.CanSend) return AppError.Forbidden("your role cannot manage templates");
        if (StarterTemplates.Find(key, language) is not { } starter) return AppError.NotFound($"starter: no starter template '{Phones.Echo(key ?? "")}'");
        const int attempts = 25;
        for (var attempt = 1; ; attempt++)
        {
            // One writer at a time on SQLite; on PostgreSQL a code taken meanwhile fails the insert and is looked for again.
            await using var tx = await WriteTransaction.BeginAsync(db.Database, ct);
            var taken = await db.Templates.AsNoTracking().Where(t => t.TenantId == caller.TenantId && t.Code.StartsWith(starter.Code))
                .Select(t => t.Code).ToListAsync(ct);
            var code = starter.Code;
            for (var n = 2; taken.Contains(code); n++) code = $"{starter.Code}_{n}";
            var now = clock.GetUtcNow();
            var template = new Template
            {
                TenantId = caller.TenantId, Code = code, Name = starter.Name, Channel = Channel.Email, Subject = starter.Subject, Body = starter.Body,
                Format = starter.Format, CreatedBy = caller.UserId, CreatedAt = now, UpdatedBy = caller.UserId, UpdatedAt = now,
            };
            db.Templates.Add(template);
            try
            {
                await db.SaveChangesAsync(ct);
                await tx.CommitAsync(ct);
                return template;
            }
            catch (DbUpdateException) when (attempt < attempts)
            {
                db.Entry(template).State = EntityState.Detached; // the code was taken meanwhile: look again
            }
        }
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
        if (string.IsNullOrWhiteSpace(input.Code) || input.Code.Trim().Length > Template.MaxCode)
            return AppError.Validation($"code: required, at most {Template.MaxCode} characters");
        if (string.IsNullOrWhiteSpace(input.Name) || input.Name.Trim().Length > Template.MaxName)
            return AppError.Validation($"name: required, at most {Template.MaxName} characters");
        if (input.Subject?.Length > Template.MaxSubject) return AppError.Validation($"subject: at most {Template.MaxSubject} characters");
        if (string.IsNullOrWhiteSpace(input.Body)) return AppError.Validation("body: required");
        if (input.Body.Length > Template.MaxBody) return AppError.Validation($"body: at most {Template.MaxBody} characters");
        if (!engine.TryCompile(input.Body, out _, out var error)) return AppError.Validation($"body: {error}");
        if (input.Channel == Channel.Email && string.IsNullOrWhiteSpace(input.Subject)) return AppError.Validation("subject: required for email templates");
        if (input.Format is { } format && (input.Channel != Channel.Email || !Enum.IsDefined(format)))
            return AppError.Validation("format: only email templates have a format (markdown or html)");
        if (input.Subject is { Length: > 0 } && !engine.TryCompile(input.Subject, out _, out var subjectError)) return AppError.Validation($"subject: {subjectError}");
        return null;
    }
}
