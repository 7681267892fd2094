using CommsConsole.Components;
using CommsConsole.Data;
using CommsConsole.Features.Api;
using CommsConsole.Features.Audiences;
using CommsConsole.Features.Audit;
using CommsConsole.Features.Batches;
using CommsConsole.Features.Bounces;
using CommsConsole.Features.Campaigns;
using CommsConsole.Features.Compliance;
using CommsConsole.Features.Dashboard;
using CommsConsole.Features.Dispatch;
using CommsConsole.Features.Messaging;
using CommsConsole.Features.Providers;
using CommsConsole.Features.Receipts;
using CommsConsole.Features.Templates;
using CommsConsole.Features.Tenancy;
using CommsConsole.Features.Tracking;
using CommsConsole.Features.Webhooks;

var builder = WebApplication.CreateBuilder(args);

// The clock every area reads; tests put their own in its place.
builder.Services.AddSingleton(TimeProvider.System);
builder.AddDataLayer();
builder.AddTenancy();
builder.AddTemplates();
builder.AddProviders();
builder.AddMessaging();
builder.AddBatches();
builder.AddDashboard();
builder.AddReceipts();
builder.AddDispatch();
builder.AddCompliance();
builder.AddAudiences();
builder.AddCampaigns();
builder.AddAudit();
builder.AddTracking();
builder.AddBounces();
builder.AddWebhooks();
builder.AddApiDocs();
builder.AddIdempotentSends();
builder.AddConsole();
builder.Services.AddHealthChecks();
builder.Services.Configure<RouteHandlerOptions>(o => o.ThrowOnBadRequest = true);

var app = builder.Build();

await app.InitializeDatabaseAsync();

if (args.FirstOrDefault() == Bootstrap.ResetCommand)
{
    Environment.ExitCode = await app.ResetAdminPasswordAsync(args.Skip(1).FirstOrDefault(a => !a.StartsWith('-')));
    return;
}

app.UseApiErrorEnvelopes();
app.UseApiJsonBodies();
if (!app.Environment.IsDevelopment()) app.UseHsts();
app.UseStatusCodePagesWithReExecute("/not-found", createScopeForStatusCodePages: true);
app.UseApiStatusEnvelopes();
app.UseConsoleLocalization();
app.UseAuthentication();
app.UseAuthorization();
app.UseRateLimiter();
app.UseAntiforgery();

app.MapConsole();
app.MapHealthChecks("/health").AllowAnonymous();
app.MapApiDocs();
app.MapIdempotentSends();
app.MapTenancyApi();
app.MapMessaging();
app.MapReceipts();
app.MapProviders();
app.MapDispatch();
app.MapCompliance();
app.MapAudiences();
app.MapCampaigns();
app.MapAudit();
app.MapTracking();
app.MapBounces();
app.MapWebhooks();

app.Run();

public partial class Program;
