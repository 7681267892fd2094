namespace CommsConsole.E2E;

[CollectionDefinition(Name)]
public sealed class TourCollection : ICollectionFixture<TourFixture>
{
    public const string Name = "tour";
}
