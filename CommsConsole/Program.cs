using CommsConsole.Components;
using CommsConsole.Components.Account;
using CommsConsole.Data;
using CommsConsole.Features.Api;
using CommsConsole.Features.Messaging;
using CommsConsole.Features.Tenancy;
using Microsoft.AspNetCore.Http.Json;

var builder = WebApplication.CreateBuilder(args);

builder.AddDataLayer();
builder.AddTenancy();
builder.AddMessaging();
builder.AddApiDocs();
builder.Services.AddRazorComponents().AddInteractiveServerComponents();
builder.Services.AddHealthChecks();
builder.Services.AddSingleton<CommsConsole.Components.Shared.ServiceRunner>();
builder.Services.Configure<RouteHandlerOptions>(o => o.ThrowOnBadRequest = true);

var app = builder.Build();

await app.InitializeDatabaseAsync();

app.UseApiErrorEnvelopes();
if (!app.Environment.IsDevelopment()) app.UseHsts();
app.UseStatusCodePagesWithReExecute("/not-found", createScopeForStatusCodePages: true);
app.UseAuthentication();
app.UseAuthorization();
app.UseAntiforgery();

app.MapStaticAssets();
app.MapRazorComponents<App>().AddInteractiveServerRenderMode();
app.MapAdditionalIdentityEndpoints().ExcludeFromDescription();
app.MapHealthChecks("/health").AllowAnonymous();
app.MapApiDocs();
app.MapTenancyApi();
app.MapMessaging();

app.Run();

public partial class Program;
