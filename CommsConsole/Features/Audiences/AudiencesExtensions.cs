namespace CommsConsole.Features.Audiences;

public static class AudiencesExtensions
{
    /// <summary>Contacts, their consent (through the opt-out list) and static lists.</summary>
    public static void AddAudiences(this WebApplicationBuilder builder)
    {
        builder.Services.AddScoped<ContactService>();
        builder.Services.AddScoped<ContactListService>();
        builder.Services.AddScoped<SegmentService>();
    }

    public static void MapAudiences(this WebApplication app)
    {
        app.MapAudiencesApi();
        app.MapSegmentsApi();
    }
}
