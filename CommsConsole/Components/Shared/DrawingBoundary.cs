using Microsoft.AspNetCore.Components.Web;
using Microsoft.JSInterop;

namespace CommsConsole.Components.Shared;

/// <summary>
/// Holds a component that draws through JavaScript after it renders (a chart). Leaving the page while it draws ends the
/// circuit under it; that is no error and is dropped without a log entry. Any other failure shows a line in place of
/// the drawing, logged as error boundaries log, and leaves the rest of the page working.
/// </summary>
public sealed class DrawingBoundary : ErrorBoundary
{
    protected override Task OnErrorAsync(Exception exception) =>
        exception is JSDisconnectedException ? Task.CompletedTask : base.OnErrorAsync(exception);
}
