using CommsConsole.Data;

namespace CommsConsole.Tests.Features.Tenancy;

/// <summary>Who reads which messages and batches: the one scoping rule that the log, the batches and the dashboard share.</summary>
public sealed class OwnedRecordsTests
{
    // Two tenants whose users share ids: only the pair (tenant, user) names an owner.
    private static readonly Batch[] Batches =
    [
        new() { Id = 1, TenantId = "t1", UserId = "u1", Source = BatchSources.Console },
        new() { Id = 2, TenantId = "t1", UserId = "u2", Source = BatchSources.Console },
        new() { Id = 3, TenantId = "t2", UserId = "u1", Source = BatchSources.Console },
        new() { Id = 4, TenantId = "t2", UserId = "u2", Source = BatchSources.Console },
    ];

    [Theory]
    [InlineData(Roles.SystemAdmin, Reach.All, new long[] { 1, 2, 3, 4 })]
    [InlineData(Roles.Admin, Reach.Tenant, new long[] { 1, 2 })]
    [InlineData(Roles.Auditor, Reach.Tenant, new long[] { 1, 2 })]
    [InlineData(Roles.Marketer, Reach.Own, new long[] { 1 })]
    [InlineData(Roles.Integrator, Reach.Own, new long[] { 1 })]
    public void EachRole_ReadsItsReach_AndNoOtherTenantsRecordsOfTheSameUserId(string role, Reach reach, long[] visible)
    {
        var caller = new Caller("u1", "t1", role);

        Assert.Equal(reach, caller.Reach);
        Assert.Equal(visible, Batches.AsQueryable().VisibleTo(caller).Select(b => b.Id).Order());
    }

    [Fact]
    public void MessagesAreScopedByTheSameRule()
    {
        Message[] messages =
        [
            new() { Id = 10, TenantId = "t1", UserId = "u1", Recipient = "13800000000", Content = "a" },
            new() { Id = 11, TenantId = "t1", UserId = "u2", Recipient = "13800000001", Content = "b" },
            new() { Id = 12, TenantId = "t2", UserId = "u2", Recipient = "13800000002", Content = "c" },
        ];

        Assert.Equal([11], messages.AsQueryable().VisibleTo(new Caller("u2", "t1", Roles.Marketer)).Select(m => m.Id));
        Assert.Equal([10, 11], messages.AsQueryable().VisibleTo(new Caller("u2", "t1", Roles.Auditor)).Select(m => m.Id));
    }
}
