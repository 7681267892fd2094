using System.Net;
using System.Net.Http.Headers;
using Bunit;
using CommsConsole.Components.Pages;
using CommsConsole.Features.Tenancy;
using CommsConsole.Tests.Infrastructure;
using Microsoft.EntityFrameworkCore;
using MudBlazor;

namespace CommsConsole.Tests.Components;

[Collection(AppCollection.Name)]
public sealed class ApiKeysPanelTests(SharedApp app) : ConsoleComponentContext(app)
{
    private async Task<HttpStatusCode> UseAsync(string key)
    {
        using var client = App.Anonymous();
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", key);
        return (await client.GetJsonAsync("/communication/logs")).Status;
    }

    [Fact]
    public async Task ApiKeysPanel_ShowsANewKeyOnce_ListsItByPrefix_AndRevokesOnlyWhenConfirmed()
    {
        var (_, userId, _) = await SignInAsync(Roles.Integrator);
        var dialogs = Render<MudDialogProvider>();
        var cut = Render<ApiKeysPanel>();
        cut.WaitForAssertion(() => Assert.Contains("No API keys yet.", cut.Markup));

        cut.Find("[data-testid=api-key-name]").Change("<b>deploy</b>");
        await cut.InvokeAsync(() => cut.Find("[data-testid=api-key-create]").Click());

        cut.WaitForAssertion(() => Assert.Single(cut.FindAll("[data-testid=api-key-row-name]")));
        var key = cut.Find("[data-testid=api-key-value]").TextContent;
        Assert.Matches("^cc_[a-z0-9]{10}_[A-Za-z0-9]{40}$", key);
        Assert.Equal("<b>deploy</b>", cut.Find("[data-testid=api-key-row-name]").TextContent);
        Assert.Empty(cut.FindAll("[data-testid=api-key-table] b"));
        Assert.Equal(key[..13] + "_…", cut.Find("[data-testid=api-key-row-prefix]").TextContent);
        Assert.Equal(HttpStatusCode.OK, await UseAsync(key));

        // Shown once: a fresh render lists the key but no longer has it.
        var again = Render<ApiKeysPanel>();
        again.WaitForAssertion(() => Assert.Single(again.FindAll("[data-testid=api-key-row-name]")));
        Assert.Empty(again.FindAll("[data-testid=api-key-value]"));
        Assert.DoesNotContain(key[14..], again.Markup);

        await again.InvokeAsync(() => again.Find("[data-testid=api-key-revoke]").Click());
        dialogs.WaitForAssertion(() => Assert.Contains("Revoke the key <b>deploy</b>?", dialogs.Find(".mud-dialog").TextContent));
        await dialogs.InvokeAsync(() => dialogs.FindAll(".mud-dialog button").Single(b => b.TextContent.Trim() == "Cancel").Click());
        Assert.Equal(HttpStatusCode.OK, await UseAsync(key));

        await again.InvokeAsync(() => again.Find("[data-testid=api-key-revoke]").Click());
        dialogs.WaitForAssertion(() => Assert.Contains("deploy", dialogs.Markup));
        await dialogs.InvokeAsync(() => dialogs.FindAll(".mud-dialog button").Single(b => b.TextContent.Trim() == "Revoke").Click());
        again.WaitForAssertion(() => Assert.Contains("No API keys yet.", again.Markup));
        Assert.Equal(HttpStatusCode.Unauthorized, await UseAsync(key));
        await using var db = App.Db();
        Assert.False(await db.ApiKeys.AnyAsync(k => k.UserId == userId));
    }

    [Fact]
    public async Task ApiKeysPanel_ForAnAdmin_ListsItsIntegratorsKeys_ButNotAnotherTenantsOrAMarketers()
    {
        var (_, _, tenant) = await SignInAsync(Roles.Admin);
        var (integrator, _) = await App.UserAsync(Roles.Integrator, tenant);
        var (marketer, _) = await App.UserAsync(Roles.Marketer, tenant);
        var (stranger, _) = await App.UserAsync(Roles.Integrator, await App.CreateTenantAsync());
        Assert.Equal(HttpStatusCode.Created, (await integrator.PostAsync("/auth/api-keys", new { name = "integrator key" })).Status);
        Assert.Equal(HttpStatusCode.Created, (await marketer.PostAsync("/auth/api-keys", new { name = "marketer key" })).Status);
        Assert.Equal(HttpStatusCode.Created, (await stranger.PostAsync("/auth/api-keys", new { name = "stranger key" })).Status);

        var cut = Render<ApiKeysPanel>();

        cut.WaitForAssertion(() => Assert.Equal(["integrator key"], cut.FindAll("[data-testid=api-key-row-name]").Select(r => r.TextContent)));
        Assert.Single(cut.FindAll("[data-testid=api-key-owner]"));
    }
}
