using CommsConsole.Data;
using CommsConsole.Features.Messaging;
using CommsConsole.Features.Templates;
using CommsConsole.Tests.Features.Compliance;
using CommsConsole.Tests.Infrastructure;
using Microsoft.EntityFrameworkCore;

namespace CommsConsole.Tests.Features.Templates;

/// <summary>The starter gallery: every starter in both languages renders by the email body rule and becomes a tenant's own template.</summary>
[Collection(AppCollection.Name)]
public sealed class StarterTemplateTests(SharedApp app)
{
    private static readonly CancellationToken None = CancellationToken.None;

    private async Task<(string Tenant, Caller Caller)> CallerAsync(string role)
    {
        var tenant = await app.CreateTenantAsync();
        var (client, userId) = await app.UserAsync(role, tenant);
        client.Dispose();
        return (tenant, new Caller(userId, tenant, role));
    }

    [Fact]
    public void Gallery_HasEveryStarterInEnglishAndChinese()
    {
        foreach (var key in StarterTemplates.Keys)
        {
            var en = StarterTemplates.Find(key, "en");
            var zh = StarterTemplates.Find(key, "zh-CN");
            Assert.NotNull(en);
            Assert.NotNull(zh);
            Assert.NotEqual(en.Body, zh.Body);
            Assert.Matches(@"\p{IsCJKUnifiedIdeographs}", zh.Body);
        }
        Assert.Equal(8, StarterTemplates.All.Select(s => s.Code).Distinct().Count());
    }

    [Fact]
    public async Task EveryStarter_CopiedIntoATenant_IsPreviewedAndSentByTheEmailRule_WithoutAnyValueGiven()
    {
        var (tenant, caller) = await CallerAsync(Roles.Marketer);
        await app.SavePolicyAsync(tenant, p => p with { PostalAddress = "1 Example Road" });
        foreach (var starter in StarterTemplates.All)
        {
            var created = await app.WithAsync<TemplateService, Result<Template>>(t => t.CreateFromStarterAsync(starter.Key, starter.Language, caller, None));
            Assert.True(created.IsOk, created.Error?.Message);
            Assert.Equal((starter.Code, starter.Format, Channel.Email), (created.Value!.Code, created.Value.Format, created.Value.Channel));

            var draft = new ComposeDraft { Channel = Channel.Email, TemplateCode = starter.Code, Recipients = RecipientList.ParseText("li@example.com", Channel.Email) };
            var preview = await app.WithAsync<ComposeService, ComposePreview>(c => c.PreviewAsync(draft, caller, None));
            Assert.True(preview.Error is null, $"{starter.Code}: {preview.Error?.Message}");
            var item = Assert.Single(preview.Items);
            Assert.True(item.IsHtml, starter.Code);
            Assert.DoesNotContain("{{", item.Content);
            Assert.DoesNotContain("{%", item.Content);
            Assert.Contains("style=\"", item.Content); // its styles inlined
            Assert.Contains("1 Example Road", item.Content);
        }
    }

    [Fact]
    public async Task TwentyCopiesAtOnce_EachGetTheirOwnCode()
    {
        var (tenant, caller) = await CallerAsync(Roles.Marketer);

        var results = await Task.WhenAll(Enumerable.Range(0, 20).Select(_ =>
            app.WithAsync<TemplateService, Result<Template>>(t => t.CreateFromStarterAsync(StarterTemplates.Newsletter, "en", caller, None))));

        Assert.All(results, r => Assert.True(r.IsOk, r.Error?.Message));
        var expected = new[] { "NEWSLETTER" }.Concat(Enumerable.Range(2, 19).Select(n => $"NEWSLETTER_{n}")).Order(StringComparer.Ordinal);
        Assert.Equal(expected, results.Select(r => r.Value!.Code).Order(StringComparer.Ordinal));
        using var db = app.Db();
        Assert.Equal(20, await db.Templates.CountAsync(t => t.TenantId == tenant && t.Code.StartsWith("NEWSLETTER")));
    }

    [Fact]
    public async Task UnknownStarter_AnAuditor_AndAnotherTenant_GetNothing()
    {
        var (tenant, caller) = await CallerAsync(Roles.Marketer);
        foreach (var key in new[] { "nope", "", "ｎｅｗｓｌｅｔｔｅｒ", "../newsletter", "<script>" })
        {
            var unknown = await app.WithAsync<TemplateService, Result<Template>>(t => t.CreateFromStarterAsync(key, "en", caller, None));
            Assert.Equal(ErrorKind.NotFound, unknown.Error!.Kind);
            Assert.StartsWith("starter: ", unknown.Error.Message);
        }

        var (_, auditor) = await CallerAsync(Roles.Auditor);
        var refused = await app.WithAsync<TemplateService, Result<Template>>(t => t.CreateFromStarterAsync(StarterTemplates.Receipt, "en", auditor, None));
        Assert.Equal(ErrorKind.Forbidden, refused.Error!.Kind);

        var mine = await app.WithAsync<TemplateService, Result<Template>>(t => t.CreateFromStarterAsync(StarterTemplates.Receipt, "zh-CN", caller, None));
        var (_, other) = await CallerAsync(Roles.Marketer);
        var theirs = await app.WithAsync<TemplateService, List<Template>>(t => t.ListAsync(other, None));
        Assert.DoesNotContain(theirs, t => t.Id == mine.Value!.Id);
        var get = await app.WithAsync<TemplateService, Result<Template>>(t => t.GetAsync(mine.Value!.Id, other, None));
        Assert.Equal(ErrorKind.NotFound, get.Error!.Kind);
        using var db = app.Db();
        Assert.False(await db.Templates.AnyAsync(t => t.TenantId == tenant && t.Code.StartsWith("NOPE")));
    }
}
