using CommsConsole.Features.Common;
using CommsConsole.Features.Compliance;
using CommsConsole.Tests.Infrastructure;

namespace CommsConsole.Tests.Features.Compliance;

/// <summary>The currency a tenant's prices and costs are shown in: chosen by its Admin, an ISO 4217 code or nothing.</summary>
[Collection(AppCollection.Name)]
public sealed class TenantCurrencyTests(SharedApp app)
{
    [Fact]
    public async Task Default_IsTheInstallationsCurrency_AndASavedCodeIsKeptCanonical()
    {
        var tenant = await app.CreateTenantAsync();
        var policy = await app.WithAsync<PolicyService, EffectivePolicy>(p => p.GetAsync(tenant, CancellationToken.None));
        Assert.Equal("CNY", policy.Currency);

        var saved = await app.SavePolicyAsync(tenant, p => p with { Currency = " usd " });
        Assert.Equal("USD", saved.Currency);
        Assert.Equal("USD", (await app.WithAsync<PolicyService, EffectivePolicy>(p => p.GetAsync(tenant, CancellationToken.None))).Currency);
    }

    [Theory]
    [InlineData("")]
    [InlineData("XXQ")]
    [InlineData("US")]
    [InlineData("USDX")]
    [InlineData("ＵＳＤ")] // full-width letters look like a code and are not one
    [InlineData("<b>USD</b>")]
    public async Task NotACurrency_IsRefusedNamingTheField_AndNothingChanges(string code)
    {
        var tenant = await app.CreateTenantAsync();
        await app.SavePolicyAsync(tenant, p => p with { Currency = "EUR" });
        var caller = await app.AdminCallerAsync(tenant);
        var current = (await app.WithAsync<PolicyService, Result<PolicyInput>>(p => p.GetForEditAsync(caller, tenant, CancellationToken.None))).Value!;

        var result = await app.WithAsync<PolicyService, Result<PolicyInput>>(p => p.SaveAsync(caller, tenant, current with { Currency = code, RetentionDays = 7 }, CancellationToken.None));

        Assert.Equal(ErrorKind.Validation, result.Error?.Kind);
        Assert.StartsWith("currency:", result.Error!.Message);
        var after = await app.WithAsync<PolicyService, EffectivePolicy>(p => p.GetAsync(tenant, CancellationToken.None));
        Assert.Equal(("EUR", current.RetentionDays), (after.Currency, after.RetentionDays));
    }

    [Fact]
    public async Task AnotherTenantsAdmin_CannotSetIt()
    {
        var tenant = await app.CreateTenantAsync();
        var other = await app.AdminCallerAsync(await app.CreateTenantAsync());
        var result = await app.WithAsync<PolicyService, Result<PolicyInput>>(p => p.SaveAsync(other, tenant, new PolicyInput { Currency = "USD", RetentionDays = 30 }, CancellationToken.None));

        Assert.Equal(ErrorKind.NotFound, result.Error?.Kind);
        Assert.Equal("CNY", (await app.WithAsync<PolicyService, EffectivePolicy>(p => p.GetAsync(tenant, CancellationToken.None))).Currency);
    }

    [Fact]
    public async Task SavedTwentyTimesAtOnce_EndsWithOneOfTheCodes()
    {
        var tenant = await app.CreateTenantAsync();
        await app.SavePolicyAsync(tenant, p => p); // the row exists; concurrent saves update it
        var caller = await app.AdminCallerAsync(tenant);
        string[] codes = ["USD", "EUR", "JPY", "GBP", "HKD"];
        var current = (await app.WithAsync<PolicyService, Result<PolicyInput>>(p => p.GetForEditAsync(caller, tenant, CancellationToken.None))).Value!;

        var results = await Task.WhenAll(Enumerable.Range(0, 20).Select(i =>
            app.WithAsync<PolicyService, Result<PolicyInput>>(p => p.SaveAsync(caller, tenant, current with { Currency = codes[i % codes.Length] }, CancellationToken.None))));

        Assert.All(results, r => Assert.True(r.IsOk, r.Error?.Message));
        Assert.Contains((await app.WithAsync<PolicyService, EffectivePolicy>(p => p.GetAsync(tenant, CancellationToken.None))).Currency, codes);
    }

    [Fact]
    public async Task FirstSave_TwentyTimesAtOnce_OnATenantWithNoPolicyYet_AllSucceed_WithTheirWordsOnce()
    {
        var tenant = await app.CreateTenantAsync();
        var caller = await app.AdminCallerAsync(tenant);
        var current = (await app.WithAsync<PolicyService, Result<PolicyInput>>(p => p.GetForEditAsync(caller, tenant, CancellationToken.None))).Value!;

        var results = await Task.WhenAll(Enumerable.Range(0, 20).Select(i =>
            app.WithAsync<PolicyService, Result<PolicyInput>>(p => p.SaveAsync(caller, tenant, current with { Currency = i % 2 == 0 ? "USD" : "EUR", SensitiveWords = ["promo", "free"] }, CancellationToken.None))));

        Assert.All(results, r => Assert.True(r.IsOk, r.Error?.Message));
        var saved = await app.WithAsync<PolicyService, EffectivePolicy>(p => p.GetAsync(tenant, CancellationToken.None));
        Assert.Contains(saved.Currency, new[] { "USD", "EUR" });
        Assert.Equal(["free", "promo"], saved.SensitiveWords);
    }

    [Fact]
    public void Money_ShowsTheAmountInThePagesCultureWithTheCode()
    {
        Assert.Equal("1,234.50 USD", Currencies.Format(1234.5m, "USD", System.Globalization.CultureInfo.GetCultureInfo("en-US")));
        Assert.Equal("0.05 CNY", Currencies.Format(0.05m, "CNY", System.Globalization.CultureInfo.GetCultureInfo("zh-CN")));
    }
}
