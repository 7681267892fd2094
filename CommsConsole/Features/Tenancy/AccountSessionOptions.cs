namespace CommsConsole.Features.Tenancy;

/// <summary>How soon a console session notices that its account was locked, demoted or re-passworded.</summary>
public sealed class AccountSessionOptions
{
    public const string Section = "Security";
    public int SessionRevalidationSeconds { get; set; } = 60;
    public TimeSpan RevalidationInterval => TimeSpan.FromSeconds(Math.Max(1, SessionRevalidationSeconds));
    /// <summary>Password-reset and confirmation emails one account may be sent an hour (0: no limit).</summary>
    public int AccountEmailsPerHour { get; set; } = 5;
}
