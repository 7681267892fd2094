using CommsConsole.Tests.Infrastructure;

namespace CommsConsole.Tests.Features.Tenancy;

/// <summary>An app that revalidates console sessions every second, so a test sees a session end without waiting a minute.</summary>
public sealed class ShortSessionApp() : AppFactory(null, new Dictionary<string, string?> { ["Security:SessionRevalidationSeconds"] = "1" });
