using CommsConsole.Features.Tenancy;
using Microsoft.AspNetCore.Components.Authorization;

namespace CommsConsole.Components.Shared;

/// <summary>The signed-in user as the service layer knows it, read from the circuit's authentication state.</summary>
public sealed class CallerState(AuthenticationStateProvider auth)
{
    public async Task<Caller> GetAsync()
    {
        var state = await auth.GetAuthenticationStateAsync();
        return Caller.From(state.User) ?? throw new InvalidOperationException("no signed-in user");
    }
}
