namespace CommsConsole.Features.Audiences;

public static class AudiencesExtensions
{
    /// <summary>Contacts, their consent (through the opt-out list), static lists, and the rights over a person's data.</summary>
    public static void AddAudiences(this WebApplicationBuilder builder)
    {
        builder.Services.AddScoped<ContactService>();
        builder.Services.AddScoped<ContactListService>();
        builder.Services.AddScoped<SegmentService>();
        builder.Services.AddScoped<ContactPrivacyService>();
        builder.Services.AddScoped<ContactCsvExport>();
    }

    public static void MapAudiences(this WebApplication app)
    {
        app.MapAudiencesApi();
        app.MapSegmentsApi();
    }
}
