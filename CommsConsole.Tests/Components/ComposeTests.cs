using System.Net.Http.Json;
using System.Text.Json;
using Bunit;
using Microsoft.AspNetCore.Components;
using Microsoft.Extensions.DependencyInjection;
using MudBlazor;
using CommsConsole.Components.Pages.Compose;
using CommsConsole.Features.Messaging;
using CommsConsole.Features.Tenancy;
using CommsConsole.Tests.Features.Compliance;
using CommsConsole.Tests.Infrastructure;

namespace CommsConsole.Tests.Components;

[Collection(AppCollection.Name)]
public sealed class ComposeTests(SharedApp app) : ConsoleComponentContext(app)
{
    [Fact]
    public async Task Recipients_AreCheckedAsTyped_WithBadLinesListedAndDuplicatesCounted()
    {
        await SignInAsync(Roles.Marketer);
        var cut = Render<Compose>();

        cut.Find("[data-testid=recipients]").Input("13800138000\nnot-a-phone\n13800138000, 13900139000");

        cut.WaitForAssertion(() =>
        {
            Assert.Equal("2", cut.Find("[data-testid=valid-count]").TextContent);
            Assert.Equal("1", cut.Find("[data-testid=invalid-count]").TextContent);
            Assert.Equal("1", cut.Find("[data-testid=duplicate-count]").TextContent);
            Assert.Contains("Line 2:", cut.Find("[data-testid=invalid-list]").TextContent);
            Assert.Contains("not-a-phone", cut.Find("[data-testid=invalid-list]").TextContent);
        });
        Assert.True(cut.Find("[data-testid=send]").HasAttribute("disabled"), "a list with a bad line cannot be sent");
    }

    [Fact]
    public async Task BadLines_AreExplained_AndTheValidRecipientsCanBeSentAlone()
    {
        var (api, _, _) = await SignInAsync(Roles.Marketer);
        var dialogs = Render<MudDialogProvider>();
        var cut = Render<Compose>();

        cut.FindAll("[data-testid=purpose] input")[1].Click();
        cut.Find("[data-testid=content]").Input("Your parcel is on its way");
        cut.Find("[data-testid=recipients]").Input("13800138001\nnot-a-phone\n13800138002\n12345");

        cut.WaitForAssertion(() => Assert.Contains("Send to the 2 valid recipients", cut.Find("[data-testid=send-valid]").TextContent));
        Assert.True(cut.Find("[data-testid=send]").HasAttribute("disabled"), "the whole list still waits for its bad lines");
        await cut.InvokeAsync(() => cut.Find("[data-testid=send-valid]").Click());

        dialogs.WaitForAssertion(() => Assert.Contains("2 invalid lines will be left out.", dialogs.Markup));
        await dialogs.InvokeAsync(() => dialogs.FindAll("button").Single(b => b.TextContent.Trim() == "Send").Click());

        cut.WaitForAssertion(() => Assert.Contains("/batches/", Services.GetRequiredService<NavigationManager>().Uri));
        // The marketer is new in a new tenant: its log holds exactly this send.
        var logs = await api.GetFromJsonAsync<JsonElement>("/communication/logs");
        Assert.Equal(new[] { "13800138001", "13800138002" }.Select(RecipientMask.Mask),
            logs.GetProperty("items").EnumerateArray().Select(i => i.GetProperty("recipient").GetString()!).Order());
    }

    [Fact]
    public async Task AudienceList_ShowsItsCountsAndAPreviewForARealContact_BeforeTheConfirmation()
    {
        var (api, _, _) = await SignInAsync(Roles.Marketer);
        var ids = new List<long>();
        foreach (var contact in new object[]
        {
            new { phone = "13800138611", name = "Li Lei", attributes = new { city = "Shanghai" } },
            new { phone = "13800138612", name = "Han Meimei" },
            new { phone = "13800138613", name = "Gone" },
            new { email = "mail.only@example.com" },
        })
        {
            var created = await (await api.PostAsJsonAsync("/communication/contacts", contact)).Content.ReadFromJsonAsync<JsonElement>();
            ids.Add(created.GetProperty("id").GetInt64());
        }
        var list = (await (await api.PostAsJsonAsync("/communication/lists", new { name = "Shanghai" })).Content.ReadFromJsonAsync<JsonElement>()).GetProperty("id").GetInt64();
        await api.PostAsJsonAsync($"/communication/lists/{list}/contacts", new { contact_ids = ids });
        await api.PostAsJsonAsync($"/communication/contacts/{ids[2]}/consent", new { channel = "sms", subscribed = false, how = "form" });
        var dialogs = Render<MudDialogProvider>();
        var cut = Render<Compose>();

        cut.FindAll("[data-testid=audience-mode] input")[1].Click();
        cut.Find("[data-testid=content]").Input("Hi {{ name }} of {{ attributes.city | default: \"China\" }}");
        await cut.InvokeAsync(() => AudienceSelect(cut).ValueChanged.InvokeAsync($"list:{list}"));

        cut.WaitForAssertion(() =>
        {
            Assert.Equal("2", cut.Find("[data-testid=will-receive]").TextContent);
            Assert.Equal("1", cut.Find("[data-testid=no-address]").TextContent);
            Assert.Equal("1", cut.Find("[data-testid=unsubscribed]").TextContent);
            Assert.Equal("0", cut.Find("[data-testid=audience-invalid]").TextContent);
            Assert.Contains("Hi Li Lei of Shanghai", cut.FindAll("[data-testid=preview-text]")[0].TextContent);
            Assert.Contains("Hi Han Meimei of China", cut.FindAll("[data-testid=preview-text]")[1].TextContent);
            Assert.False(cut.Find("[data-testid=send]").HasAttribute("disabled"));
        }, TimeSpan.FromSeconds(15));
        await cut.InvokeAsync(() => cut.Find("[data-testid=send]").Click());
        dialogs.WaitForAssertion(() =>
        {
            Assert.Contains("2 messages will be sent", dialogs.Markup);
            Assert.Contains("Left out: 1 without an address, 1 unsubscribed, 0 invalid.", dialogs.Markup);
        });
        await dialogs.InvokeAsync(() => dialogs.FindAll("button").Single(b => b.TextContent.Trim() == "Send").Click());
        cut.WaitForAssertion(() => Assert.Contains("/batches/", Services.GetRequiredService<NavigationManager>().Uri));
        var logs = await api.GetFromJsonAsync<JsonElement>("/communication/logs");
        Assert.Equal(3, logs.GetProperty("total").GetInt32());
    }

    [Fact]
    public async Task AudienceSegment_CountsWhoMatchesItsFilterNow_AndSendsToThem()
    {
        var (api, _, _) = await SignInAsync(Roles.Marketer);
        foreach (var contact in new object[]
        {
            new { phone = "13800138621", name = "Li Lei", attributes = new { city = "Shanghai" } },
            new { phone = "13800138622", name = "Wang Fang", attributes = new { city = "Shanghai" } },
            new { phone = "13800138623", name = "Han Meimei", attributes = new { city = "Beijing" } },
        })
        {
            Assert.True((await api.PostAsJsonAsync("/communication/contacts", contact)).IsSuccessStatusCode);
        }
        var created = await api.PostAsJsonAsync("/communication/segments", new { name = "Shanghai", filter = "attributes.city = \"Shanghai\"" });
        var segment = (await created.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("id").GetInt64();
        var dialogs = Render<MudDialogProvider>();
        var cut = Render<Compose>();

        cut.FindAll("[data-testid=audience-mode] input")[1].Click();
        cut.Find("[data-testid=content]").Input("Hi {{ name }}");
        await cut.InvokeAsync(() => AudienceSelect(cut).ValueChanged.InvokeAsync($"segment:{segment}"));

        cut.WaitForAssertion(() =>
        {
            Assert.Equal("2", cut.Find("[data-testid=will-receive]").TextContent);
            Assert.Contains("Hi Li Lei", cut.Markup);
            Assert.DoesNotContain("Hi Han Meimei", cut.Markup);
        }, TimeSpan.FromSeconds(15));
        await cut.InvokeAsync(() => cut.Find("[data-testid=send]").Click());
        dialogs.WaitForAssertion(() => Assert.Contains("2 messages will be sent", dialogs.Markup));
        await dialogs.InvokeAsync(() => dialogs.FindAll("button").Single(b => b.TextContent.Trim() == "Send").Click());
        cut.WaitForAssertion(() => Assert.Contains("/batches/", Services.GetRequiredService<NavigationManager>().Uri));
        var logs = await api.GetFromJsonAsync<JsonElement>("/communication/logs");
        Assert.Equal(new[] { "13800138621", "13800138622" }.Select(RecipientMask.Mask), logs.GetProperty("items").EnumerateArray().Select(i => i.GetProperty("recipient").GetString()).Order());
    }

    [Fact]
    public async Task CampaignName_IsAskedFor_DefaultsToTheTemplateAndTime_AndNamesTheCampaignInTheList()
    {
        var (api, _, _) = await SignInAsync(Roles.Marketer);
        var dialogs = Render<MudDialogProvider>();
        var cut = Render<Compose>();
        Assert.Matches(@"^Message \d{4}-\d\d-\d\d \d\d:\d\d$", cut.Find("[data-testid=campaign-name]").GetAttribute("placeholder"));

        cut.Find("[data-testid=campaign-name]").Change("Spring sale");
        cut.FindAll("[data-testid=purpose] input")[1].Click();
        cut.Find("[data-testid=content]").Input("Spring sale starts today");
        cut.Find("[data-testid=recipients]").Input("13800138003");
        cut.WaitForAssertion(() => Assert.False(cut.Find("[data-testid=send]").HasAttribute("disabled")), TimeSpan.FromSeconds(15));
        await cut.InvokeAsync(() => cut.Find("[data-testid=send]").Click());
        dialogs.WaitForAssertion(() => Assert.Contains("1 messages will be sent", dialogs.Markup));
        await dialogs.InvokeAsync(() => dialogs.FindAll("button").Single(b => b.TextContent.Trim() == "Send").Click());
        cut.WaitForAssertion(() => Assert.Contains("/batches/", Services.GetRequiredService<NavigationManager>().Uri));

        // A send through the API has no name; the list says where it came from.
        await api.PostAsync("/communication/bulk", new { channel = "sms", purpose = "transactional", content = "api", recipients = new[] { "13800138004" } });
        var list = Render<CommsConsole.Components.Pages.Batches.Batches>();
        list.WaitForAssertion(() => Assert.Equal(["SMS via the API", "Spring sale"], list.FindAll("[data-testid=batch-name]").Select(e => e.TextContent)));
    }

    [Fact]
    public async Task HtmlEmailPreview_IsRenderedInAScriptlessSandbox_WithTheFooterAndUnsubscribeLinkThatWillBeAdded()
    {
        var (api, _, tenant) = await SignInAsync(Roles.Marketer);
        await App.SavePolicyAsync(tenant, p => p with { PostalAddress = "1 Example Road, Shanghai" });
        var cut = Render<Compose>();

        cut.FindAll("[data-testid=channel] input")[1].Click();
        cut.Find("[data-testid=content]").Input("<p>Hello <b>there</b></p><script>alert(1)</script>");
        cut.Find("[data-testid=recipients]").Input("li@example.com");

        cut.WaitForAssertion(() =>
        {
            var frame = cut.Find("[data-testid=preview-frame]");
            Assert.Equal("", frame.GetAttribute("sandbox"));
            var doc = frame.GetAttribute("srcdoc")!;
            Assert.Contains("<p>Hello <b>there</b></p>", doc);
            Assert.Contains("1 Example Road, Shanghai", doc);
            Assert.Contains("/u/preview\">Unsubscribe / 退订</a>", doc);
        });
        cut.Find("[data-testid=preview-phone]").Change(true);
        cut.WaitForAssertion(() => Assert.Contains("width: 375px", cut.Find("[data-testid=preview-frame]").GetAttribute("style")));

        // The preview's link unsubscribes no one: the page says the link is not valid.
        var page = await api.GetAsync("/u/preview");
        Assert.Equal(System.Net.HttpStatusCode.BadRequest, page.StatusCode);
    }

    [Fact]
    public async Task Scheduling_ReadsTheTimeOnTheTenantsClock_AndSaysWhichZone()
    {
        var (_, _, tenant) = await SignInAsync(Roles.Marketer);
        await App.SavePolicyAsync(tenant, p => p with { TimeZoneId = "Europe/Berlin" });
        var cut = Render<Compose>();

        cut.Find("[data-testid=schedule]").Change(true);

        cut.WaitForAssertion(() => Assert.Contains("Europe/Berlin", cut.Find("[data-testid=schedule-zone]").TextContent));
    }

    [Fact]
    public async Task Preview_RendersTheFirstRecipients_WithSegmentsAndCost()
    {
        await SignInAsync(Roles.Marketer);
        var cut = Render<Compose>();

        // Transactional: the text goes as written, without the marketing opt-out hint.
        cut.FindAll("[data-testid=purpose] input")[1].Click();
        cut.Find("[data-testid=content]").Input("Hello, your code is 123456");
        cut.Find("[data-testid=recipients]").Input("13800138000\n13900139000");

        cut.WaitForAssertion(() =>
        {
            var previews = cut.FindAll("[data-testid=preview-text]");
            Assert.Equal(2, previews.Count);
            Assert.Equal("Hello, your code is 123456", previews[0].TextContent);
            Assert.Contains("26 characters · GSM-7 · 1 segment(s)", cut.Find("[data-testid=sms-measure]").TextContent);
            Assert.Contains("2 messages · 2 billed units · estimated cost 0.10", cut.Find("[data-testid=estimate]").TextContent);
        });
        Assert.False(cut.Find("[data-testid=send]").HasAttribute("disabled"));
    }

    [Fact]
    public async Task SegmentCount_FollowsTheEncoding_ChineseTextOver70CharactersIsTwoParts()
    {
        await SignInAsync(Roles.Marketer);
        var cut = Render<Compose>();

        cut.FindAll("[data-testid=purpose] input")[1].Click();
        cut.Find("[data-testid=content]").Input(new string('验', 71));
        cut.Find("[data-testid=recipients]").Input("13800138000");

        cut.WaitForAssertion(() =>
        {
            Assert.Contains("71 characters · UCS-2 · 2 segment(s)", cut.Find("[data-testid=sms-measure]").TextContent);
            Assert.Contains("1 messages · 2 billed units", cut.Find("[data-testid=estimate]").TextContent);
        });
    }

    [Fact]
    public async Task MarketingPreview_AppendsTheOptOutHintOnce_AndCountsItInSegmentsAndCost()
    {
        await SignInAsync(Roles.Marketer);
        var cut = Render<Compose>();

        // Marketing is the default: 68 characters become 75 with " 回复TD退订", two UCS-2 parts.
        cut.Find("[data-testid=content]").Input("【Shop】" + new string('惠', 62));
        cut.Find("[data-testid=recipients]").Input("13800138000\n13900139000");

        cut.WaitForAssertion(() =>
        {
            Assert.EndsWith("惠 回复TD退订", cut.FindAll("[data-testid=preview-text]")[0].TextContent);
            Assert.Contains("75 characters · UCS-2 · 2 segment(s)", cut.Find("[data-testid=sms-measure]").TextContent);
            Assert.Contains("2 messages · 4 billed units · estimated cost 0.20", cut.Find("[data-testid=estimate]").TextContent);
        });

        cut.Find("[data-testid=content]").Input("【Shop】Sale 回复TD退订");
        cut.WaitForAssertion(() => Assert.Equal("【Shop】Sale 回复TD退订", cut.FindAll("[data-testid=preview-text]")[0].TextContent));
    }

    [Fact]
    public async Task LiquidSyntaxError_IsShownWithItsPosition_AndBlocksSending()
    {
        await SignInAsync(Roles.Marketer);
        var cut = Render<Compose>();

        cut.Find("[data-testid=content]").Input("Hi {{ name }}\n{% for x in list %}");
        cut.Find("[data-testid=recipients]").Input("13800138000");

        cut.WaitForAssertion(() => Assert.Contains("Tag 'for' was never closed (line 2, column 1)", cut.Markup));
        Assert.True(cut.Find("[data-testid=send]").HasAttribute("disabled"));
    }

    public static TheoryData<string> EveryRole => new(Roles.All);

    [Theory]
    [MemberData(nameof(EveryRole))]
    public async Task SendButtons_AreOfferedOnlyToARoleThatMaySend(string role)
    {
        var (_, _, tenant) = await SignInAsync(role);
        await App.SavePolicyAsync(tenant, p => p with { TimeZoneId = "Europe/Berlin" });
        var cut = Render<Compose>();
        cut.Find("[data-testid=content]").Input("Hello");
        cut.Find("[data-testid=recipients]").Input("13800138000\nnot-a-phone");
        cut.Find("[data-testid=schedule]").Change(true);

        // The tenant's zone is read after the caller: once it shows, the page knows whom it serves.
        cut.WaitForAssertion(() => Assert.Contains("Europe/Berlin", cut.Find("[data-testid=schedule-zone]").TextContent));
        cut.WaitForAssertion(() => Assert.Equal("1", cut.Find("[data-testid=invalid-count]").TextContent));
        Assert.Equal(Roles.CanSend(role), cut.FindAll("[data-testid=send]").Count == 1);
        Assert.Equal(Roles.CanSend(role), cut.FindAll("[data-testid=send-valid]").Count == 1);
    }

    [Fact]
    public void ThePage_IsOpenToTheComposers_WhoAllMaySend()
    {
        // Beside the [Authorize] every page has (_Imports.razor), the one that names roles.
        var attribute = Assert.Single(typeof(Compose).GetCustomAttributes(typeof(Microsoft.AspNetCore.Authorization.AuthorizeAttribute), true)
            .Cast<Microsoft.AspNetCore.Authorization.AuthorizeAttribute>(), a => a.Roles is not null);
        Assert.Equal(Roles.Composers, attribute.Roles);
        var composers = Roles.Composers.Split(',');
        Assert.NotEmpty(composers);
        Assert.All(composers, r => Assert.True(Roles.CanSend(r), $"{r} may open the compose page but not send"));
    }

    [Fact]
    public async Task DefaultCampaignName_IsTheTimeOnTheInjectedClock_InTheTenantsZone()
    {
        var (_, _, tenant) = await SignInAsync(Roles.Marketer);
        await App.SavePolicyAsync(tenant, p => p with { TimeZoneId = "Europe/Berlin" });
        Services.AddSingleton<TimeProvider>(new Microsoft.Extensions.Time.Testing.FakeTimeProvider(new DateTimeOffset(2031, 5, 6, 10, 0, 0, TimeSpan.Zero)));
        var cut = Render<Compose>();

        cut.WaitForAssertion(() => Assert.Equal("Message 2031-05-06 12:00", cut.Find("[data-testid=campaign-name]").GetAttribute("placeholder")));
    }

    /// <summary>The audience choice (the stored-template choice is a select of strings too).</summary>
    private static MudSelect<string> AudienceSelect(IRenderedComponent<Compose> cut) =>
        cut.FindComponents<MudSelect<string>>().Single(s => s.Instance.Label == "Contact list or segment").Instance;
}
