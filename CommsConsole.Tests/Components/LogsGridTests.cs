using System.Text.Json;
using Bunit;
using CommsConsole.Components.Pages.Logs;
using CommsConsole.Features.Tenancy;
using CommsConsole.Tests.Infrastructure;
using Microsoft.AspNetCore.Components;
using Microsoft.Extensions.DependencyInjection;

namespace CommsConsole.Tests.Components;

[Collection(AppCollection.Name)]
public sealed class LogsGridTests(SharedApp app) : ConsoleComponentContext(app)
{
    private static async Task<long> SendAsync(HttpClient api, params string[] recipients)
    {
        var (_, body) = await api.PostAsync("/communication/bulk", new { channel = "sms", content = "hello", recipients });
        return body.GetProperty("batch_id").GetInt64();
    }

    [Fact]
    public async Task Grid_ShowsOnlyTheCallersRows_MaskedAndNewestFirst()
    {
        var (api, _, tenant) = await SignInAsync(Roles.Marketer);
        await SendAsync(api, "13800000001", "13800000002");
        var (colleague, _) = await App.UserAsync(Roles.Marketer, tenant);
        await SendAsync(colleague, "13800000003");

        var cut = Render<Logs>();

        cut.WaitForAssertion(() =>
        {
            var recipients = cut.FindAll("[data-testid=log-recipient]").Select(e => e.TextContent).ToList();
            Assert.Equal(["138****0002", "138****0001"], recipients);
        });
    }

    [Fact]
    public async Task BatchAndRecipientFilters_ReachTheService()
    {
        var (api, _, _) = await SignInAsync(Roles.Marketer);
        await SendAsync(api, "13800000011");
        var batch = await SendAsync(api, "13800000021", "13800000022", "13800000023");
        Services.GetRequiredService<NavigationManager>().NavigateTo($"logs?batch={batch}");

        var cut = Render<Logs>();
        cut.WaitForAssertion(() => Assert.Equal(3, cut.FindAll("[data-testid=log-recipient]").Count));

        cut.Find("[data-testid=filter-recipient]").Change("0022");
        cut.Find("[data-testid=apply-filters]").Click();

        cut.WaitForAssertion(() =>
            Assert.Equal(["138****0022"], cut.FindAll("[data-testid=log-recipient]").Select(e => e.TextContent)));
    }
}
