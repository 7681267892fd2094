namespace CommsConsole.E2E;

/// <summary>A page a user can open: its address, and whether it needs a signed-in user.</summary>
/// <param name="Name">A short name for reports and screenshot files.</param>
/// <param name="Path">The address; <c>{batch}</c> stands for the id of a batch the test has sent.</param>
public sealed record ConsolePage(string Name, string Path, bool SignedIn = true);
