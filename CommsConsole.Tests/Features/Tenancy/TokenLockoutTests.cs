using System.Diagnostics;
using System.Net;
using CommsConsole.Features.Tenancy;
using CommsConsole.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;
using Xunit.Abstractions;

namespace CommsConsole.Tests.Features.Tenancy;

/// <summary>
/// Wrong passwords lock new sign-ins only: whoever knows an email must not cut off an integrator's working tokens.
/// An Admin's lock ends everything. And the time of an answer does not tell which emails have accounts.
/// </summary>
[Collection(AppCollection.Name)]
public sealed class TokenLockoutTests(SharedApp app, ITestOutputHelper output)
{
    private const string Password = AppFactory.UserPassword;

    private async Task<(string Email, string Id, string Tenant)> NewUserAsync()
    {
        var tenant = await app.CreateTenantAsync();
        var (email, id) = await app.NewUserAsync(Roles.Integrator, tenant);
        return (email, id, tenant);
    }

    [Fact]
    public async Task IssuedToken_AfterFiveWrongPasswords_KeepsWorking_ButNoNewTokenIsIssued_UntilAnAdminLocksTheUser()
    {
        var (email, id, tenant) = await NewUserAsync();
        using var integrator = await app.ClientForAsync(email, Password);
        using var attacker = app.Anonymous();
        for (var i = 0; i < 5; i++) Assert.Equal(HttpStatusCode.Unauthorized, (await attacker.PostAsync("/auth/token", new { email, password = "wrong" })).Status);

        Assert.Equal(HttpStatusCode.OK, (await integrator.GetJsonAsync("/communication/logs")).Status);
        var (refused, body) = await attacker.PostAsync("/auth/token", new { email, password = Password });
        Assert.Equal(HttpStatusCode.Unauthorized, refused);
        Assert.Contains("locked", body.Str("message"));

        using (var scope = app.Services.CreateScope())
        {
            var admin = new Caller("usr_test_admin", tenant, Roles.SystemAdmin);
            Assert.True((await scope.ServiceProvider.GetRequiredService<TenancyService>().SetLockedAsync(id, true, admin, CancellationToken.None)).IsOk);
        }
        var (status, locked) = await integrator.GetJsonAsync("/communication/logs");
        Assert.Equal(HttpStatusCode.Unauthorized, status);
        Assert.Equal("the account is locked", locked.Str("message"));
    }

    [Fact]
    public async Task IssuedToken_After20WrongPasswordsAtOnce_KeepsWorking_AndEveryFailureCounts()
    {
        var (email, _, _) = await NewUserAsync();
        using var integrator = await app.ClientForAsync(email, Password);
        using var attacker = app.Anonymous();
        var answers = await Task.WhenAll(Enumerable.Range(0, 20).Select(i => attacker.PostAsync("/auth/token", new { email, password = "wrong-" + i })));
        Assert.All(answers, a => Assert.Equal(HttpStatusCode.Unauthorized, a.Status));

        Assert.Equal(HttpStatusCode.OK, (await integrator.GetJsonAsync("/communication/logs")).Status);
        Assert.Equal(HttpStatusCode.Unauthorized, (await attacker.PostAsync("/auth/token", new { email, password = Password })).Status);
    }

    [Fact]
    public async Task Token_AnswersAnUnknownEmail_AndALockedAccount_NoFasterThanAWrongPassword()
    {
        // Four failures each keep these accounts short of the lockout, so each of their answers checks a password.
        var known = new List<string>();
        for (var i = 0; i < 4; i++) known.Add((await NewUserAsync()).Email);
        var (locked, _, _) = await NewUserAsync();
        using var client = app.Anonymous();
        for (var i = 0; i < 5; i++) await client.PostAsync("/auth/token", new { email = locked, password = "wrong" });
        await client.PostAsync("/auth/token", new { email = "warm-up@tests.local", password = "wrong" });

        async Task<double> TimeAsync(string email)
        {
            var watch = Stopwatch.StartNew();
            var (status, _) = await client.PostAsync("/auth/token", new { email, password = "wrong-password" });
            watch.Stop();
            Assert.Equal(HttpStatusCode.Unauthorized, status);
            return watch.Elapsed.TotalMilliseconds;
        }

        List<double> knownTimes = [], unknownTimes = [], lockedTimes = [];
        for (var round = 0; round < 4; round++)
        {
            foreach (var email in known)
            {
                knownTimes.Add(await TimeAsync(email));
                unknownTimes.Add(await TimeAsync($"nobody-{Guid.NewGuid():N}@tests.local"));
                lockedTimes.Add(await TimeAsync(locked));
            }
        }
        static double Median(List<double> times) => times.Order().ElementAt(times.Count / 2);
        var (k, u, l) = (Median(knownTimes), Median(unknownTimes), Median(lockedTimes));
        output.WriteLine($"median ms: wrong password {k:F1}, unknown email {u:F1}, locked account {l:F1}");
        Assert.True(u >= 0.5 * k, $"an unknown email answers in {u:F1} ms, a wrong password in {k:F1} ms");
        Assert.True(l >= 0.5 * k, $"a locked account answers in {l:F1} ms, a wrong password in {k:F1} ms");
    }
}
