using System.Net;
using CommsConsole.Features.Tenancy;
using CommsConsole.Tests.Infrastructure;

namespace CommsConsole.Tests.Features.Tenancy;

[Collection(AppCollection.Name)]
public sealed class AdminApiTests(SharedApp app)
{
    [Fact]
    public async Task CreateTenant_AsSystemAdmin_ReturnsIdAndSeedsDefaultTemplates()
    {
        using var admin = await app.AdminAsync();
        var (status, body) = await admin.PostAsync("/admin/tenants", new { name = "Acme " + Guid.NewGuid().ToString("N")[..6] });
        Assert.Equal(HttpStatusCode.Created, status);
        var id = body.Str("id");
        Assert.StartsWith("tnt_", id);
        using var db = app.Db();
        Assert.Equal(["NOTIFY", "VERIFY_CODE"], db.Templates.Where(t => t.TenantId == id).Select(t => t.Code).OrderBy(c => c).ToArray());
    }

    [Fact]
    public async Task CreateTenant_AsAdmin_Is403()
    {
        var tenant = await app.CreateTenantAsync();
        var (client, _) = await app.UserAsync(Roles.Admin, tenant);
        var (status, body) = await client.PostAsync("/admin/tenants", new { name = "nope" });
        Assert.Equal(HttpStatusCode.Forbidden, status);
        Assert.Equal(403, body.Int("code"));
    }

    [Fact]
    public async Task CreateTenant_WithEmptyName_Is400NamingTheField()
    {
        using var admin = await app.AdminAsync();
        var (status, body) = await admin.PostAsync("/admin/tenants", new { name = " " });
        Assert.Equal(HttpStatusCode.BadRequest, status);
        Assert.StartsWith("name", body.Str("message"));
    }

    [Fact]
    public async Task CreateUser_AdminInOwnTenant_SucceedsButNotInAnother()
    {
        var tenant = await app.CreateTenantAsync();
        var other = await app.CreateTenantAsync();
        var (admin, _) = await app.UserAsync(Roles.Admin, tenant);

        var (ok, created) = await admin.PostAsync("/admin/users", new { email = $"m-{Guid.NewGuid():N}@tests.local", password = "User-Passw0rd!", role = "Marketer", tenant_id = tenant });
        Assert.Equal(HttpStatusCode.Created, ok);
        Assert.StartsWith("usr_", created.Str("id"));

        var (denied, _) = await admin.PostAsync("/admin/users", new { email = $"m-{Guid.NewGuid():N}@tests.local", password = "User-Passw0rd!", role = "Marketer", tenant_id = other });
        Assert.Equal(HttpStatusCode.Forbidden, denied);
    }

    [Theory]
    [InlineData("not-an-email", "User-Passw0rd!", "Marketer", "email")]
    [InlineData("x@tests.local", "short", "Marketer", "password")]
    [InlineData("x@tests.local", "User-Passw0rd!", "Emperor", "role")]
    public async Task CreateUser_WithBadField_Is400NamingIt(string email, string password, string role, string field)
    {
        var tenant = await app.CreateTenantAsync();
        using var admin = await app.AdminAsync();
        var (status, body) = await admin.PostAsync("/admin/users", new { email, password, role, tenant_id = tenant });
        Assert.Equal(HttpStatusCode.BadRequest, status);
        Assert.StartsWith(field, body.Str("message"));
    }

    [Fact]
    public async Task ListUsers_AsAdmin_ShowsOnlyOwnTenant()
    {
        var tenant = await app.CreateTenantAsync();
        var other = await app.CreateTenantAsync();
        var (admin, adminId) = await app.UserAsync(Roles.Admin, tenant);
        var (_, marketerId) = await app.UserAsync(Roles.Marketer, tenant);
        var (_, strangerId) = await app.UserAsync(Roles.Marketer, other);

        var (status, body) = await admin.GetJsonAsync("/admin/users");
        Assert.Equal(HttpStatusCode.OK, status);
        var items = body.GetProperty("items").EnumerateArray().ToList();
        var ids = items.Select(i => i.Str("id")).ToList();
        Assert.Contains(adminId, ids);
        Assert.Contains(marketerId, ids);
        Assert.DoesNotContain(strangerId, ids);
        Assert.All(items, i => Assert.Equal(tenant, i.Str("tenant_id")));
        Assert.Contains(items, i => i.Str("id") == marketerId && i.Str("role") == "Marketer" && i.Str("email").Contains('@'));
    }

    [Fact]
    public async Task ListUsers_AsMarketer_Is403()
    {
        var tenant = await app.CreateTenantAsync();
        var (marketer, _) = await app.UserAsync(Roles.Marketer, tenant);
        var (status, _) = await marketer.GetJsonAsync("/admin/users");
        Assert.Equal(HttpStatusCode.Forbidden, status);
    }
}
