using System.Net.Http.Json;
using System.Text.Json;
using System.Text.RegularExpressions;
using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;

namespace CommsConsole.E2E;

[CollectionDefinition(Name)]
public sealed class TourCollection : ICollectionFixture<TourFixture>
{
    public const string Name = "tour";
}
