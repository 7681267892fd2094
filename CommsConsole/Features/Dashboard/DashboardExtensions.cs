namespace CommsConsole.Features.Dashboard;

public static class DashboardExtensions
{
    /// <summary>The figures of the console's home page.</summary>
    public static void AddDashboard(this WebApplicationBuilder builder)
    {
        builder.Services.AddScoped<DashboardService>();
    }
}
