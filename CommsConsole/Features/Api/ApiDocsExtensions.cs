using System.Reflection;
using Microsoft.OpenApi;
using Scalar.AspNetCore;

namespace CommsConsole.Features.Api;

public static class ApiDocsExtensions
{
    public static void AddApiDocs(this WebApplicationBuilder builder)
    {
        builder.Services.AddOpenApi(options =>
        {
            options.CreateSchemaReferenceId = type =>
                OpenApiConventions.IsAnyValue(type.Type) ? null
                : type.Type.GetCustomAttribute<DocumentNameAttribute>()?.Name ?? Microsoft.AspNetCore.OpenApi.OpenApiOptions.CreateDefaultSchemaReferenceId(type);
            options.AddDocumentTransformer((document, _, _) =>
            {
                document.Info.Title = "CommsConsole API";
                document.Info.Description = "Bulk SMS and email. Get a token with POST /auth/token, or create an API key with POST /auth/api-keys, and send it as `Authorization: Bearer <token or key>`.";
                document.Components ??= new OpenApiComponents();
                document.Components.SecuritySchemes = new Dictionary<string, IOpenApiSecurityScheme>
                {
                    ["Bearer"] = new OpenApiSecurityScheme { Type = SecuritySchemeType.Http, Scheme = "bearer", Description = "A JWT from POST /auth/token or an API key (cc_…) from POST /auth/api-keys." },
                };
                document.Security = [new OpenApiSecurityRequirement { [new OpenApiSecuritySchemeReference("Bearer", document)] = [] }];
                return Task.CompletedTask;
            });
            options.AddIdempotencyKeyParameter();
            options.AddConventions();
        });
    }

    /// <summary>/openapi/v1.json and a browsable reference at /scalar.</summary>
    public static void MapApiDocs(this WebApplication app)
    {
        app.MapOpenApi().AllowAnonymous();
        // Served whole from the app (its script is in the package): no fonts from the internet either, so it works offline.
        app.MapScalarApiReference(options => options.DisableDefaultFonts()).AllowAnonymous();
    }
}
