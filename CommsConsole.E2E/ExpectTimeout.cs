using System.Runtime.CompilerServices;
using Microsoft.Playwright;

namespace CommsConsole.E2E;

/// <summary>
/// How long an expectation waits unless it says otherwise. The test command runs these tests beside the other suites on
/// two cores, where a sign-in's redirect and the next page's circuit have taken over 5 s (Playwright's default); an
/// expectation that holds passes as soon as it does, so only a failure waits the whole 15 s.
/// </summary>
internal static class ExpectTimeout
{
    [ModuleInitializer]
    internal static void Set() => Assertions.SetDefaultExpectTimeout(15_000);
}
