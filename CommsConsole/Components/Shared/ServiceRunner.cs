namespace CommsConsole.Components.Shared;

/// <summary>
/// Runs one service call in its own DI scope. A Blazor circuit lives for hours; giving each operation a
/// fresh scope (and so a fresh DbContext) keeps contexts short-lived and never shared by overlapping calls
/// (a timer refresh while a button's handler runs).
/// </summary>
public sealed class ServiceRunner(IServiceScopeFactory scopes)
{
    public async Task<TResult> RunAsync<TService, TResult>(Func<TService, Task<TResult>> call) where TService : notnull
    {
        await using var scope = scopes.CreateAsyncScope();
        return await call(scope.ServiceProvider.GetRequiredService<TService>());
    }

    public async Task RunAsync<TService>(Func<TService, Task> call) where TService : notnull
    {
        await using var scope = scopes.CreateAsyncScope();
        await call(scope.ServiceProvider.GetRequiredService<TService>());
    }
}
