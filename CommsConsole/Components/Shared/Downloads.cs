using Microsoft.JSInterop;

namespace CommsConsole.Components.Shared;

/// <summary>Files the console hands to the browser: written to a temporary file first (never whole in memory), then streamed.</summary>
public static class Downloads
{
    /// <summary>Writes the file with <paramref name="write"/>; when it answers true, sends it to the browser as <paramref name="fileName"/>.</summary>
    public static async Task<bool> SendAsync(IJSRuntime js, string fileName, Func<Stream, Task<bool>> write)
    {
        await using var file = new FileStream(Path.Combine(Path.GetTempPath(), "commsconsole-" + Guid.NewGuid().ToString("N")), FileMode.CreateNew,
            FileAccess.ReadWrite, FileShare.None, 64 * 1024, FileOptions.DeleteOnClose | FileOptions.Asynchronous);
        if (!await write(file)) return false;
        file.Position = 0;
        using var reference = new DotNetStreamReference(file, leaveOpen: true);
        await js.InvokeVoidAsync("commsConsole.downloadFile", fileName, reference);
        return true;
    }
}
