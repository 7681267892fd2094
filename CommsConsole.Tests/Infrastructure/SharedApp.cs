namespace CommsConsole.Tests.Infrastructure;

/// <summary>One app shared by the tests of a collection; each test makes its own tenant and users.</summary>
public sealed class SharedApp() : AppFactory(null);
