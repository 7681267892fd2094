namespace CommsConsole.Features.Templates;

public static class TemplatesExtensions
{
    /// <summary>Stored templates and the sandboxed Liquid engine that renders them.</summary>
    public static void AddTemplates(this WebApplicationBuilder builder)
    {
        var services = builder.Services;
        services.AddOptions<TemplateLimits>().BindConfiguration("Templates");
        services.AddSingleton<LiquidTemplateEngine>();
        services.AddScoped<TemplateService>();
    }
}
