using CommsConsole.Data;
using CommsConsole.Features.Tenancy;
using CommsConsole.Testing;
using CommsConsole.Tests.Infrastructure;
using Microsoft.AspNetCore.Http;
using Microsoft.EntityFrameworkCore;

namespace CommsConsole.Tests.Features.Webhooks;

public sealed class WebhookRestartTests
{
    private static Dictionary<string, string?> Settings() => new()
    {
        ["Webhooks:TimeoutSeconds"] = "30",
        ["Webhooks:LeaseSeconds"] = "2",
        ["Webhooks:PollSeconds"] = "0.1",
    };

    [Fact]
    public async Task AnAppStoppedMidDelivery_LeavesTheEvent_ToTheAppStartedAfterIt()
    {
        var directory = Path.Combine(Path.GetTempPath(), "commsconsole-webhooks-" + Guid.NewGuid().ToString("N")[..8]);
        var release = new TaskCompletionSource();
        // The first request is held unanswered while the app goes down; the next is answered.
        await using var receiver = await WebhookReceiver.StartAsync(async (n, context) =>
        {
            if (n == 1) await Task.WhenAny(release.Task, Task.Delay(Timeout.Infinite, context.RequestAborted));
            await context.Response.WriteAsync("ok");
        });
        try
        {
            long endpointId;
            await using (var first = new AppFactory(directory, Settings()))
            {
                await ((IAsyncLifetime)first).InitializeAsync();
                var (admin, _) = await first.UserAsync(Roles.Admin, await first.CreateTenantAsync());
                (endpointId, _) = await admin.EndpointAsync(receiver.Url, "message.sent");
                var (status, body) = await admin.PostAsync("/notification/sms/send", new { phone = "13800138000", content = "hi" });
                Assert.True(status == System.Net.HttpStatusCode.OK, body.ToString());
                await receiver.WaitForAsync(1, "the first attempt, held by the receiver");
            }
            using (var stopped = new AppFactory(directory).DbWithoutStarting())
            {
                var delivery = await stopped.WebhookDeliveries.SingleAsync(d => d.EndpointId == endpointId);
                Assert.Equal(WebhookDeliveryStatus.Sending, delivery.Status);
            }

            await using var second = new AppFactory(directory, Settings());
            await ((IAsyncLifetime)second).InitializeAsync();
            await second.WaitUntilAsync(db => db.WebhookDeliveries.AnyAsync(d => d.EndpointId == endpointId && d.Status == WebhookDeliveryStatus.Succeeded),
                because: "the restarted app delivers the event left sending");
            var requests = receiver.Requests.ToList();
            Assert.Equal(2, requests.Count);
            Assert.Equal(requests[0].Id, requests[1].Id);
        }
        finally
        {
            release.TrySetResult();
            await AppFactory.DeleteAsync(directory);
        }
    }
}
