namespace CommsConsole.Features.Common;

public static class Roles
{
    public const string SystemAdmin = nameof(SystemAdmin);
    public const string Admin = nameof(Admin);
    public const string Marketer = nameof(Marketer);
    public const string Integrator = nameof(Integrator);
    public const string Auditor = nameof(Auditor);

    public static readonly IReadOnlyList<string> All = [SystemAdmin, Admin, Marketer, Integrator, Auditor];

    public static bool IsKnown(string? role) => role is not null && All.Contains(role);

    /// <summary>Roles that may send messages (Auditors only read).</summary>
    public static bool CanSend(string role) => role is SystemAdmin or Admin or Marketer or Integrator;

    /// <summary>
    /// Roles that send from the console's compose page, as an <c>[Authorize(Roles = ...)]</c> list: those that may send,
    /// but Integrators, who send through the API.
    /// </summary>
    public const string Composers = SystemAdmin + "," + Admin + "," + Marketer;

    /// <summary>Roles that see every message of their tenant rather than only their own.</summary>
    public static bool SeesWholeTenant(string role) => role is SystemAdmin or Admin or Auditor;

    /// <summary>Roles that keep the tenant's audience (contacts, lists, consent): those that compose. Everyone else reads it.</summary>
    public static bool ManagesAudience(string role) => role is SystemAdmin or Admin or Marketer;
}
