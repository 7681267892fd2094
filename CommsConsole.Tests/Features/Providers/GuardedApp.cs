using CommsConsole.Tests.Infrastructure;

namespace CommsConsole.Tests.Features.Providers;

/// <summary>The app as installed: tenants' destinations may not reach the server's own networks.</summary>
public sealed class GuardedApp() : AppFactory(null, new Dictionary<string, string?> { ["Security:AllowPrivateNetworkTargets"] = "false" });
