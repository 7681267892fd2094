using System.Diagnostics;
using System.Text;
using Microsoft.Playwright;
using Xunit.Abstractions;
using static Microsoft.Playwright.Assertions;

namespace CommsConsole.E2E;

/// <summary>
/// Inputs as large as the API allows, typed or pasted into the console: they must reach the server over the live
/// connection and be checked there, not silently end the circuit.
/// </summary>
[Collection(ConsoleCollection.Name)]
public sealed class LargeInputTests(BrowserFixture fixture, ITestOutputHelper output)
{
    [Fact]
    public Task Compose_TenThousandPastedRecipients_AreCheckedAndSendable() => fixture.RunPageAsync(nameof(Compose_TenThousandPastedRecipients_AreCheckedAndSendable), async page =>
    {
        await Ui.SignInAsync(page, ConsoleApp.AdminEmail, ConsoleApp.AdminPassword);
        await Expect(page.GetByTestId("signed-in-user")).ToBeVisibleAsync();
        await page.GotoAsync("/compose");
        await Ui.Field(page, "content").FillAsync("Large paste {{ phone }}");

        var pasted = new StringBuilder();
        for (var i = 0; i < 10_000; i++) pasted.Append("139").Append(i.ToString("D8")).Append('\n');
        pasted.Append("not-a-number\n");
        var watch = Stopwatch.StartNew();
        await PasteAsync(page, "recipients", pasted.ToString());
        await Expect(page.GetByTestId("valid-count")).ToHaveTextAsync("10000", new() { Timeout = 30_000 });
        output.WriteLine($"10,000 pasted recipients checked after {watch.ElapsedMilliseconds} ms (including the input's debounce)");
        await Expect(page.GetByTestId("invalid-count")).ToHaveTextAsync("1");

        // The circuit is still alive: the page answers the next change too.
        await PasteAsync(page, "recipients", pasted.ToString().Replace("not-a-number\n", ""));
        await Expect(page.GetByTestId("invalid-count")).ToHaveTextAsync("0");
        await Expect(page.GetByTestId("send")).ToBeEnabledAsync();
    });

    [Fact]
    public Task TemplateEditor_BodyNearItsLimit_PreviewsAndSaves() => fixture.RunPageAsync(nameof(TemplateEditor_BodyNearItsLimit_PreviewsAndSaves), async page =>
    {
        await Ui.SignInAsync(page, ConsoleApp.AdminEmail, ConsoleApp.AdminPassword);
        await Expect(page.GetByTestId("signed-in-user")).ToBeVisibleAsync();
        await page.GotoAsync("/templates");
        await page.GetByTestId("new-template").ClickAsync();
        var code = "LONG_" + Guid.NewGuid().ToString("N")[..6].ToUpperInvariant();
        await Ui.Field(page, "template-code-input").FillAsync(code);
        await Ui.Field(page, "template-name-input").FillAsync("Long body");
        // 19,900 characters of CJK text: about 60 KB once encoded, twice SignalR's default message size.
        var body = "【CommsConsole】" + new string('长', 19_900 - 14 - 10) + "{{ name }}";
        Assert.Equal(19_900, body.Length);
        await PasteAsync(page, "template-body", body);
        await Expect(page.GetByTestId("sample-name")).ToBeVisibleAsync();
        await Expect(page.GetByTestId("template-preview")).ToContainTextAsync("长长长");
        await page.GetByTestId("template-save").ClickAsync();
        await Expect(page.GetByTestId("template-code").GetByText(code)).ToBeVisibleAsync();
    });

    /// <summary>
    /// What a paste does to a text field: the whole value at once and one input event. (Playwright's FillAsync types the
    /// text through the editing engine, which takes minutes for 10,000 lines in Chromium.)
    /// </summary>
    private static Task PasteAsync(IPage page, string testId, string text) =>
        Ui.Field(page, testId).EvaluateAsync("(field, text) => { field.focus(); field.value = text; field.dispatchEvent(new Event('input', { bubbles: true })); }", text);
}
