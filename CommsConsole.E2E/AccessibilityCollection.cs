namespace CommsConsole.E2E;

[CollectionDefinition(Name)]
public sealed class AccessibilityCollection : ICollectionFixture<AccessibilityFixture>
{
    public const string Name = "accessibility";
}
