namespace CommsConsole.Features.Tenancy;

public static class Policies
{
    public const string Send = "send";
    public const string Read = "read";
    public const string ManageUsers = "manage-users";
    public const string ManageTenants = "manage-tenants";
}
