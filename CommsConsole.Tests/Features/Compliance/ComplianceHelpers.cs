using CommsConsole.Features.Compliance;
using CommsConsole.Features.Messaging;
using CommsConsole.Features.Tenancy;
using CommsConsole.Tests.Infrastructure;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace CommsConsole.Tests.Features.Compliance;

/// <summary>Steps the compliance tests share: an Admin of a tenant as the service layer sees it, and its services.</summary>
public static class ComplianceHelpers
{
    public static async Task<Caller> AdminCallerAsync(this AppFactory app, string tenantId)
    {
        var (client, userId) = await app.UserAsync(Roles.Admin, tenantId);
        client.Dispose();
        return new Caller(userId, tenantId, Roles.Admin);
    }

    public static async Task<T> WithAsync<TService, T>(this AppFactory app, Func<TService, Task<T>> call) where TService : notnull
    {
        await using var scope = app.Services.CreateAsyncScope();
        return await call(scope.ServiceProvider.GetRequiredService<TService>());
    }

    public static async Task SuppressAsync(this AppFactory app, string tenantId, Channel channel, string address)
    {
        var caller = await app.AdminCallerAsync(tenantId);
        var added = await app.WithAsync<SuppressionService, CommsConsole.Features.Common.Result<bool>>(s => s.AddByAdminAsync(caller, tenantId, channel, address, "asked by phone", CancellationToken.None));
        Assert.True(added.IsOk, added.Error?.Message);
    }

    public static async Task<PolicyInput> SavePolicyAsync(this AppFactory app, string tenantId, Func<PolicyInput, PolicyInput> change)
    {
        var caller = await app.AdminCallerAsync(tenantId);
        var current = await app.WithAsync<PolicyService, CommsConsole.Features.Common.Result<PolicyInput>>(p => p.GetForEditAsync(caller, tenantId, CancellationToken.None));
        var saved = await app.WithAsync<PolicyService, CommsConsole.Features.Common.Result<PolicyInput>>(p => p.SaveAsync(caller, tenantId, change(current.Value!), CancellationToken.None));
        Assert.True(saved.IsOk, saved.Error?.Message);
        return saved.Value!;
    }

    public static Task WaitSettledAsync(this AppFactory app, long batchId) =>
        app.WaitUntilAsync(async db => !await db.Messages.AnyAsync(m => m.BatchId == batchId && (m.Status == MessageStatus.Pending || m.Status == MessageStatus.Sending)),
            because: $"batch {batchId} settles");
}
