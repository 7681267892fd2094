using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Http.Metadata;

namespace CommsConsole.Features.Tenancy;

/// <summary>
/// What a key's scopes let it do, within what its owner's role allows: <c>read</c> only reads (GET); <c>send</c> sends and
/// reads what sending needs (the messages' logs and status). A key without scopes may do all its owner may.
/// This is the only place scopes are decided.
/// </summary>
public static class ApiKeyScopes
{
    public const string Read = "read";
    public const string Send = "send";
    public const string Claim = "scope";
    public static readonly IReadOnlyList<string> All = [Send, Read];

    // The endpoint families whose reads are the messages' own (the logs, a record's status).
    private static readonly string[] MessageTags = ["communication", "notification-sms"];

    public static Result<IReadOnlyList<string>> Parse(IReadOnlyList<string>? scopes)
    {
        if (scopes is null) return Result<IReadOnlyList<string>>.Ok([]);
        foreach (var scope in scopes)
        {
            if (!All.Contains(scope)) return AppError.Validation($"scopes: '{scope}' is not a scope (send, read)");
        }
        return Result<IReadOnlyList<string>>.Ok(All.Where(scopes.Contains).ToList());
    }

    public static IReadOnlyList<string> Split(string? stored) => stored is null ? [] : stored.Split(' ', StringSplitOptions.RemoveEmptyEntries);

    /// <summary>Whether scopes let a request reach an endpoint (its role is checked apart, by the endpoint's policies).</summary>
    public static bool Allow(IReadOnlyCollection<string> scopes, string method, Endpoint? endpoint)
    {
        if (scopes.Count == 0) return true;
        var reads = HttpMethods.IsGet(method) || HttpMethods.IsHead(method);
        if (scopes.Contains(Read) && reads) return true;
        if (!scopes.Contains(Send) || endpoint is null) return false;
        if (endpoint.Metadata.GetOrderedMetadata<IAuthorizeData>().Any(a => a.Policy == Policies.Send)) return true;
        return reads && endpoint.Metadata.GetOrderedMetadata<ITagsMetadata>().SelectMany(t => t.Tags).Any(MessageTags.Contains);
    }
}

/// <summary>Part of every API policy: a key's scopes narrow what its owner's role allows.</summary>
public sealed class ApiKeyScopeRequirement : AuthorizationHandler<ApiKeyScopeRequirement>, IAuthorizationRequirement
{
    /// <summary>Set on a request a key's scopes refused, so that the 403 says why.</summary>
    public const string RefusedItem = "api-key-scope-refused";

    protected override Task HandleRequirementAsync(AuthorizationHandlerContext context, ApiKeyScopeRequirement requirement)
    {
        var scopes = context.User.FindAll(ApiKeyScopes.Claim).Select(c => c.Value).ToList();
        var http = context.Resource as HttpContext;
        if (ApiKeyScopes.Allow(scopes, http?.Request.Method ?? "", http?.GetEndpoint())) context.Succeed(requirement);
        else if (http is not null) http.Items[RefusedItem] = true;
        return Task.CompletedTask;
    }
}
