using Bunit;
using CommsConsole.Components.Pages.Audiences;
using CommsConsole.Features.Tenancy;
using CommsConsole.Tests.Features.Audiences;
using CommsConsole.Tests.Infrastructure;
using Microsoft.AspNetCore.Components;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;

namespace CommsConsole.Tests.Components;

/// <summary>The segments page: the filter's error under the field at once, its count once typing pauses, never a stale count.</summary>
[Collection(AppCollection.Name)]
public sealed class SegmentPagesTests(SharedApp app) : ConsoleComponentContext(app)
{
    private readonly FakeTimeProvider _clock = new(DateTimeOffset.UtcNow);

    private async Task<HttpClient> PrepareAsync()
    {
        Services.AddSingleton<TimeProvider>(_clock);
        var (api, _, _) = await SignInAsync(Roles.Marketer);
        await api.UpsertContactAsync(new { phone = "13800139301", tags = new[] { "vip" } });
        await api.UpsertContactAsync(new { phone = "13800139302" });
        await api.UpsertContactAsync(new { email = "s@example.com" });
        return api;
    }

    [Fact]
    public async Task ABadFilter_ShowsItsErrorWithTheColumn_AtOnce_AndNoCount()
    {
        await PrepareAsync();
        var cut = RenderLoaded();

        cut.Find("[data-testid=segment-filter]").Input("tag vip");

        // No count is waited for: the error is shown as soon as the handler has run (the clock never moves here).
        cut.WaitForAssertion(() =>
        {
            Assert.Contains("column 5", cut.Find("[data-testid=segment-error]").TextContent);
            Assert.Contains("'vip'", cut.Find("[data-testid=segment-error]").TextContent);
        });
        Assert.Empty(cut.FindAll("[data-testid=segment-live-count]"));
        Assert.Empty(cut.FindAll("[data-testid=segment-counting]"));
    }

    [Fact]
    public async Task TheLiveCount_WaitsForTypingToPause_AndAStaleCountIsNeverShown()
    {
        await PrepareAsync();
        var cut = RenderLoaded();
        // Renders after the count's query come from the thread it finished on, while this test reads the list.
        var seen = new System.Collections.Concurrent.ConcurrentQueue<string>();
        cut.OnMarkupUpdated += (_, _) => seen.Enqueue(cut.Markup);

        cut.Find("[data-testid=segment-filter]").Input("tag \"vip\"");
        cut.Find("[data-testid=segment-filter]").Input("has phone");
        // No time has passed: nothing is counted yet. (Waited for: MudBlazor's text field may hand the value on after
        // Input returns, and the clock stands still, so only a count shown without the pause could end the wait early.)
        cut.WaitForAssertion(() =>
        {
            Assert.Single(cut.FindAll("[data-testid=segment-counting]"));
            Assert.Empty(cut.FindAll("[data-testid=segment-live-count]"));
        });

        _clock.Advance(CommsConsole.Components.Pages.Audiences.Segments.Debounce);

        cut.WaitForAssertion(() => Assert.Equal("2 contacts match", cut.Find("[data-testid=segment-live-count]").TextContent));
        Assert.DoesNotContain(seen, m => m.Contains("1 contacts match", StringComparison.Ordinal));
    }

    [Fact]
    public async Task AfterACountIsShown_TheFilterCanBeTypedOver_AndSaved()
    {
        await PrepareAsync();
        var cut = RenderLoaded();
        cut.Find("[data-testid=segment-name]").Change("Phones");
        cut.Find("[data-testid=segment-filter]").Input("tag \"vip\"");
        PassTheDebounce(cut);
        cut.WaitForAssertion(() => Assert.Equal("1 contacts match", cut.Find("[data-testid=segment-live-count]").TextContent));

        cut.Find("[data-testid=segment-filter]").Input("has phone");
        PassTheDebounce(cut);
        cut.WaitForAssertion(() => Assert.Equal("2 contacts match", cut.Find("[data-testid=segment-live-count]").TextContent));
        cut.Find("[data-testid=segment-save]").Click();

        cut.WaitForAssertion(() => Assert.Equal("Phones", cut.Find("[data-testid=segment-row-name]").TextContent));
        Assert.Equal("2", cut.Find("[data-testid=segment-row-count]").TextContent);
        Assert.Empty(cut.FindAll("[data-testid=segment-live-count]"));
    }

    [Fact]
    public async Task SavingAFilter_ListsTheSegmentWithItsCount_AndLinksToItsContacts()
    {
        await PrepareAsync();
        var cut = RenderLoaded();

        cut.Find("[data-testid=segment-name]").Change("<b>VIPs</b>");
        cut.Find("[data-testid=segment-filter]").Input("tag \"vip\" OR has email");
        cut.Find("[data-testid=segment-save]").Click();

        cut.WaitForAssertion(() => Assert.Equal("<b>VIPs</b>", cut.Find("[data-testid=segment-row-name]").TextContent));
        Assert.Equal("2", cut.Find("[data-testid=segment-row-count]").TextContent);
        Assert.Empty(cut.FindAll("[data-testid=segment-table] b"));
        using var db = App.Db();
        var saved = await db.Segments.SingleAsync(s => s.Name == "<b>VIPs</b>" && s.Filter == "tag \"vip\" OR has email");
        Assert.EndsWith($"contacts?segment={saved.Id}", cut.Find("[data-testid=segment-row-name]").GetAttribute("href"));
    }

    [Fact]
    public async Task TheContactsPage_OfASegment_ShowsItsMembersOnly()
    {
        var api = await PrepareAsync();
        var (_, segment) = await api.PostAsync("/communication/segments", new { name = "VIP", filter = "tag \"vip\"" });

        var navigation = Services.GetRequiredService<NavigationManager>();
        navigation.NavigateTo(navigation.GetUriWithQueryParameter("segment", segment.Long("id")));
        var cut = Render<Contacts>();

        // The grid and the title load apart: wait for both.
        cut.WaitForAssertion(() =>
        {
            Assert.Single(cut.FindAll("[data-testid=contact-row-name]"));
            Assert.Equal("Contacts in segment VIP", cut.Find("h5").TextContent);
        });
    }

    [Fact]
    public async Task AnAuditor_SeesTheSegments_ButNoEditor()
    {
        await SignInAsync(Roles.Auditor);

        var cut = RenderLoaded();

        cut.WaitForAssertion(() => Assert.NotNull(cut.Find("[data-testid=segment-table]")));
        Assert.Empty(cut.FindAll("[data-testid=segment-editor]"));
    }

    /// <summary>
    /// Once the page shows it is waiting to count (its debounce delay is then running on the fake clock), moves the clock
    /// past the delay; moved earlier, the delay would start after the move and never end.
    /// </summary>
    private void PassTheDebounce(IRenderedComponent<Segments> cut)
    {
        cut.WaitForAssertion(() => Assert.Single(cut.FindAll("[data-testid=segment-counting]")));
        _clock.Advance(CommsConsole.Components.Pages.Audiences.Segments.Debounce);
    }

    /// <summary>The page once its first list is read: a click before that can land on a handler the next render replaces.</summary>
    private IRenderedComponent<Segments> RenderLoaded()
    {
        var cut = Render<Segments>();
        cut.WaitForAssertion(() => Assert.Equal("false", cut.Find("[data-testid=segment-table]").GetAttribute("aria-busy")));
        return cut;
    }
}
