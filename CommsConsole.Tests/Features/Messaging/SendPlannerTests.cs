using System.Text;
using CommsConsole.Features.Compliance;
using CommsConsole.Features.Messaging;
using CommsConsole.Tests.Features.Compliance;
using CommsConsole.Tests.Infrastructure;
using Microsoft.EntityFrameworkCore;

namespace CommsConsole.Tests.Features.Messaging;

/// <summary>The compose preview and the send are one plan: the same errors, the same stored text, the same segments.</summary>
[Collection(AppCollection.Name)]
public sealed class SendPlannerTests(SharedApp app)
{
    private static readonly CancellationToken None = CancellationToken.None;

    public static TheoryData<string, string, Purpose> BadDrafts => new()
    {
        { "too long", new string('a', 1_001), Purpose.Transactional },
        { "too long with the hint", new string('a', 995), Purpose.Marketing },
        { "sensitive word", "Casino night at the mall", Purpose.Transactional },
        { "sensitive word in a variable", "Visit our {{ place }}", Purpose.Marketing },
        { "bad Liquid", "Hi {{ name }}\n{% for x in list %}", Purpose.Marketing },
        { "empty once rendered", "{% if false %}nothing{% endif %}", Purpose.Transactional },
    };

    [Theory]
    [MemberData(nameof(BadDrafts))]
    public async Task PreviewAndSend_RefuseTheSameBadInput_WithTheSameError(string why, string content, Purpose purpose)
    {
        var (tenant, caller) = await MarketerAsync();
        await app.SavePolicyAsync(tenant, p => p with { SensitiveWords = ["casino"] });
        var draft = new ComposeDraft { Channel = Channel.Sms, Content = content, Purpose = purpose, Recipients = await CsvAsync("phone,place\n13800139301,CASINO\n") };

        var preview = await app.WithAsync<ComposeService, ComposePreview>(c => c.PreviewAsync(draft, caller, None));
        var sent = await app.WithAsync<ComposeService, Result<SendReceipt>>(c => c.SendAsync(draft, caller, None));

        Assert.False(sent.IsOk, why);
        Assert.NotNull(preview.Error);
        Assert.Equal(sent.Error!.Message, preview.Error!.Message);
        Assert.Empty(preview.Items);
        using var db = app.Db();
        Assert.False(await db.Messages.AnyAsync(m => m.TenantId == tenant), "a refused send writes nothing");
    }

    [Fact]
    public async Task MarketingSmsWithTheHint_PreviewShowsWhatTheSendStores_ContentAndSegments()
    {
        var (tenant, caller) = await MarketerAsync();
        // 68 UCS-2 characters with a short name: one segment alone, two once " 回复TD退订" is added; a long name makes three.
        var draft = new ComposeDraft
        {
            Channel = Channel.Sms, Purpose = Purpose.Marketing, Content = "【Shop】{{ name }}" + new string('惠', 60),
            Recipients = await CsvAsync("phone,name\n13800139311,李雷\n13800139312," + new string('韩', 80) + "\n13800139313,\n13800139314,李雷\n"),
        };

        var preview = await app.WithAsync<ComposeService, ComposePreview>(c => c.PreviewAsync(draft, caller, None));
        var sent = await app.WithAsync<ComposeService, Result<SendReceipt>>(c => c.SendAsync(draft, caller, None));

        Assert.Null(preview.Error);
        Assert.True(sent.IsOk, sent.Error?.Message);
        var stored = sent.Value!.Messages.OrderBy(m => m.Id).ToList();
        Assert.Equal(4, preview.MessageCount);
        Assert.Equal(ComposeService.PreviewCount, preview.Items.Count);
        for (var i = 0; i < preview.Items.Count; i++)
        {
            Assert.Equal(stored[i].Recipient, preview.Items[i].Recipient);
            Assert.Equal(stored[i].Content, preview.Items[i].Content);
            Assert.Equal(stored[i].Segments, preview.Items[i].Measure!.Value.Segments);
        }
        Assert.EndsWith(" 回复TD退订", stored[0].Content);
        Assert.Equal([2, 3, 2, 2], stored.Select(m => m.Segments));
        Assert.Equal(stored.Sum(m => m.Segments), preview.TotalSegments);
    }

    [Fact]
    public async Task AnEmailWithoutASubject_IsPreviewed_ButSaysWhatTheSendWouldSay()
    {
        var (_, caller) = await MarketerAsync();
        var draft = new ComposeDraft
        {
            Channel = Channel.Email, Purpose = Purpose.Transactional, Content = "Your receipt",
            Recipients = RecipientList.ParseText("li@example.com", Channel.Email),
        };

        var preview = await app.WithAsync<ComposeService, ComposePreview>(c => c.PreviewAsync(draft, caller, None));
        var sent = await app.WithAsync<ComposeService, Result<SendReceipt>>(c => c.SendAsync(draft, caller, None));

        Assert.Equal("Your receipt", Assert.Single(preview.Items).Content);
        Assert.Equal("subject: required for email", preview.Error?.Message);
        Assert.Equal(preview.Error!.Message, sent.Error?.Message);
    }

    [Fact]
    public async Task AVariableCarryingLiquid_IsInsertedAsText_NeverRenderedAgain()
    {
        var (tenant, caller) = await MarketerAsync();
        const string hostile = "{{ 'x' | append: 'y' }}{% if true %}IF{% endif %}{{";
        var (client, _) = await app.UserAsync(Roles.Integrator, tenant);

        var (status, body) = await client.PostAsync("/communication/bulk", new
        {
            channel = "sms", purpose = "transactional", content = "Hi {{ name }}!", variables = new { name = hostile }, recipients = new[] { "13800139321" },
        });
        Assert.Equal(System.Net.HttpStatusCode.OK, status);
        Assert.Equal("Hi " + hostile + "!", body.GetProperty("items")[0].Str("content"));

        var draft = new ComposeDraft
        {
            Channel = Channel.Sms, Purpose = Purpose.Transactional, Content = "Hi {{ name }}!",
            Recipients = await CsvAsync("phone,name\n13800139322,\"" + hostile + "\"\n"),
        };
        var preview = await app.WithAsync<ComposeService, ComposePreview>(c => c.PreviewAsync(draft, caller, None));
        var sent = await app.WithAsync<ComposeService, Result<SendReceipt>>(c => c.SendAsync(draft, caller, None));
        Assert.Equal("Hi " + hostile + "!", Assert.Single(preview.Items).Content);
        Assert.Equal("Hi " + hostile + "!", Assert.Single(sent.Value!.Messages).Content);
    }

    [Fact]
    public async Task PreviewsAtOnce_EachRenderTheirOwnRecipientsVariables()
    {
        var (_, caller) = await MarketerAsync();
        var drafts = await Task.WhenAll(Enumerable.Range(0, 16).Select(async i => new ComposeDraft
        {
            Channel = Channel.Sms, Purpose = Purpose.Transactional, Content = "Code {{ code }} for {{ who }}",
            Recipients = await CsvAsync($"phone,code,who\n1380013{i:D4},{i}00,a{i}\n1390013{i:D4},{i}01,b{i}\n"),
        }));

        var previews = await Task.WhenAll(drafts.Select(d => app.WithAsync<ComposeService, ComposePreview>(c => c.PreviewAsync(d, caller, None))));

        for (var i = 0; i < drafts.Length; i++)
        {
            Assert.Equal([$"Code {i}00 for a{i}", $"Code {i}01 for b{i}"], previews[i].Items.Select(p => p.Content));
        }
    }

    [Theory]
    [InlineData(BatchSources.SmsSend, null, Purpose.Transactional)]
    [InlineData(BatchSources.SmsBatch, null, Purpose.Marketing)]
    [InlineData(BatchSources.SmsTemplate, " verify_code ", Purpose.Transactional)]
    [InlineData(BatchSources.SmsTemplate, "PROMO", Purpose.Marketing)]
    [InlineData(BatchSources.ApiBulk, "VERIFY_CODE", Purpose.Marketing)]
    [InlineData(BatchSources.Console, null, Purpose.Marketing)]
    public void APurposeNotGiven_IsTheGatesDefaultForTheFace(string source, string? template, Purpose expected) =>
        Assert.Equal(expected, MarketingGate.DefaultPurpose(source, template));

    private async Task<(string Tenant, Caller Caller)> MarketerAsync()
    {
        var tenant = await app.CreateTenantAsync();
        var (client, userId) = await app.UserAsync(Roles.Marketer, tenant);
        client.Dispose();
        return (tenant, new Caller(userId, tenant, Roles.Marketer));
    }

    private static async Task<RecipientList> CsvAsync(string csv)
    {
        using var stream = new MemoryStream(Encoding.UTF8.GetBytes(csv));
        var parsed = await RecipientList.ParseCsvAsync(stream, Channel.Sms, 100, CancellationToken.None);
        Assert.True(parsed.IsOk, parsed.Error?.Message);
        return parsed.Value!;
    }
}
