namespace CommsConsole.Data;

/// <summary>Small named secrets the app generates once and shares through the database (e.g. the JWT signing key).</summary>
public class AppSecret
{
    public required string Name { get; set; }
    public required string Value { get; set; }
}
