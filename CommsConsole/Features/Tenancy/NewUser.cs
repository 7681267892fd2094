using CommsConsole.Data;

namespace CommsConsole.Features.Tenancy;

/// <summary>A user just created: given a password by the Admin, or invited to choose one (and whether the invitation went out).</summary>
public sealed record NewUser(ApplicationUser User, bool Invited, string? InvitationProblem);
