using CommsConsole.Features.Messaging;

namespace CommsConsole.Features.Audiences;

public static class AudiencesExtensions
{
    /// <summary>Contacts, their consent (through the opt-out list) and static lists.</summary>
    public static void AddAudiences(this WebApplicationBuilder builder)
    {
        builder.Services.AddScoped<ContactService>();
        builder.Services.AddScoped<ContactListService>();
        builder.Services.AddScoped<AudienceService>();
        builder.Services.AddScoped<IAudienceResolver>(sp => sp.GetRequiredService<AudienceService>());
    }

    public static void MapAudiences(this WebApplication app) => app.MapAudiencesApi();
}
