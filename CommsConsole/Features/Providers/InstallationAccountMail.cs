using CommsConsole.Features.Tenancy;

namespace CommsConsole.Features.Providers;

/// <summary>Account emails through the installation's email provider (<c>Providers:Email</c>), one at a time, outside the message log.</summary>
public sealed class InstallationAccountMail(IServiceProvider services) : IAccountMail
{
    // Resolved at the first account email, not when a user is created: building the installation's providers starts their
    // rate limiters' clocks, which dispatch should be the first to start.
    private InstallationProviders Providers => services.GetRequiredService<InstallationProviders>();

    public async Task<string?> SendAsync(string tenantId, string to, string subject, string html, CancellationToken ct)
    {
        var message = new OutboundMessage(0, 0, tenantId, Channel.Email, to, subject, html, 1) { IsHtml = true };
        try
        {
            var result = (await Providers.For(Channel.Email).SendAsync([message], ct)).Single();
            return result.Kind == SendResultKind.Sent ? null : result.Error ?? result.Kind.ToString();
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            // A provider that throws counts as a transient failure of its chunk; here there is no retry, so say why.
            return ex.Message;
        }
    }
}
