namespace CommsConsole.Features.Tenancy;

public sealed record IssuedToken(string AccessToken, int ExpiresIn);
