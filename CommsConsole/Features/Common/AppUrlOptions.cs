namespace CommsConsole.Features.Common;

public sealed class AppUrlOptions
{
    public const string Section = "App";
    /// <summary>The address people reach the app at, for links in messages (https://console.example.com).</summary>
    public string? PublicBaseUrl { get; set; }
}
