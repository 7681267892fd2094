using Xunit.Abstractions;
using Xunit.Sdk;

namespace CommsConsole.Tests.Reliability;

/// <summary>Runs the test named ServerStillAnswers_AfterTheWholeSuite after all the others of its class.</summary>
public sealed class RunLastReliabilityOrderer : ITestCaseOrderer
{
    public IEnumerable<TTestCase> OrderTestCases<TTestCase>(IEnumerable<TTestCase> testCases) where TTestCase : ITestCase =>
        testCases.OrderBy(t => t.TestMethod.Method.Name == nameof(BadInputReliabilityTests.ServerStillAnswers_AfterTheWholeSuite) ? 1 : 0)
            .ThenBy(t => t.DisplayName, StringComparer.Ordinal);
}
