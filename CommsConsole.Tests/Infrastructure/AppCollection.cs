namespace CommsConsole.Tests.Infrastructure;

[CollectionDefinition(Name)]
public sealed class AppCollection : ICollectionFixture<SharedApp>
{
    public const string Name = "app";
}
