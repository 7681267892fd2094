namespace CommsConsole.Features.Security;

public static class NetworkTargetExtensions
{
    public static IServiceCollection AddNetworkTargetGuard(this IServiceCollection services)
    {
        services.AddOptions<NetworkTargetOptions>().BindConfiguration(NetworkTargetOptions.Section);
        services.AddSingleton<NetworkTargetGuard>();
        return services;
    }
}
