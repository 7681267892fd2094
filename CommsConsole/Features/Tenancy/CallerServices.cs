using System.Security.Claims;

namespace CommsConsole.Features.Tenancy;

/// <summary>
/// What an endpoint that acts for a caller is given (as <c>[AsParameters]</c>, with its services beside): the caller, read
/// once from the request's user. Such endpoints require authorization, so a request without a caller never reaches one.
/// </summary>
public abstract record CallerServices(ClaimsPrincipal User)
{
    public Caller Caller { get; } = Caller.From(User) ?? throw new InvalidOperationException("endpoint reached without an authenticated caller");
}
