using CommsConsole.Features.Messaging;
using CommsConsole.Features.Tenancy;
using CommsConsole.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;

namespace CommsConsole.Tests.Features.Messaging;

[Collection(AppCollection.Name)]
public sealed class LogExportTests(SharedApp app)
{
    [Fact]
    public async Task Export_WritesTheFilteredRows_AndNeutralisesFormulaCells()
    {
        var tenant = await app.CreateTenantAsync();
        var (client, userId) = await app.UserAsync(Roles.Marketer, tenant);
        await client.PostAsync("/communication/bulk", new { channel = "sms", content = "=HYPERLINK(\"http://x\")", recipients = new[] { "13800000101" } });
        await client.PostAsync("/communication/bulk", new { channel = "sms", content = "+1 call now", recipients = new[] { "13800000102" } });
        await client.PostAsync("/communication/bulk", new { channel = "email", purpose = "transactional", subject = "s", content = "@mention", recipients = new[] { "x@example.com" } });

        using var scope = app.Services.CreateScope();
        var export = scope.ServiceProvider.GetRequiredService<LogExport>();
        var caller = new Caller(userId, tenant, Roles.Marketer);
        using var output = new MemoryStream();
        var result = await export.WriteCsvAsync(new LogFilter { Channel = "sms" }, caller, output, CancellationToken.None);

        Assert.True(result.IsOk, result.Error?.Message);
        Assert.Equal(2, result.Value);
        var text = System.Text.Encoding.UTF8.GetString(output.ToArray());
        var lines = text.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(3, lines.Length);
        Assert.StartsWith("id,created_at,channel,status,recipient,subject,content", lines[0]);
        Assert.DoesNotContain(",=HYPERLINK", text);
        Assert.DoesNotContain(",+1 call", text);
        Assert.Contains("'=HYPERLINK", text);
        Assert.Contains("'+1 call now", text);
        Assert.Contains("138****0101", text);
        Assert.DoesNotContain("13800000101", text);
    }

    [Fact]
    public async Task Export_RefusesAFilterTheQueryWouldRefuse()
    {
        var tenant = await app.CreateTenantAsync();
        var (_, userId) = await app.UserAsync(Roles.Marketer, tenant);
        using var scope = app.Services.CreateScope();
        var export = scope.ServiceProvider.GetRequiredService<LogExport>();
        using var output = new MemoryStream();
        var result = await export.WriteCsvAsync(new LogFilter { Status = "lost" }, new Caller(userId, tenant, Roles.Marketer), output, CancellationToken.None);
        Assert.False(result.IsOk);
        Assert.Equal(0, output.Length);
    }
}
