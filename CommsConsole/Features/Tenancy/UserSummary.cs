namespace CommsConsole.Features.Tenancy;

public sealed record UserSummary(string Id, string Email, string Role, string TenantId, bool LockedOut);
