namespace CommsConsole.Features.Tenancy;

/// <summary>Hands one email about a person's own account to the installation's email provider.</summary>
public interface IAccountMail
{
    /// <returns>null when the provider took it, else why not.</returns>
    Task<string?> SendAsync(string tenantId, string to, string subject, string html, CancellationToken ct);
}
