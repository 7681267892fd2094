using System.Net;
using CommsConsole.Tests.Infrastructure;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace CommsConsole.Tests.Features.Providers;

/// <summary>The app as installed: tenants' destinations may not reach the server's own networks.</summary>
public sealed class GuardedApp() : AppFactory(null, new Dictionary<string, string?> { ["Security:AllowPrivateNetworkTargets"] = "false" });
