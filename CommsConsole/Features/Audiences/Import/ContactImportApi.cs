using System.Globalization;
using System.Security.Claims;
using System.Text.Json.Serialization;
using CommsConsole.Data;
using CommsConsole.Features.Api;
using CommsConsole.Features.Messaging;
using CommsConsole.Features.Tenancy;
using CsvHelper;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.WebUtilities;
using Microsoft.Extensions.Options;
using Microsoft.Net.Http.Headers;

namespace CommsConsole.Features.Audiences.Import;

/// <summary>dto.ImportStartedResponse: the import's id, to poll.</summary>
[DocumentName("dto.ImportStartedResponse")]
public sealed record ImportStartedResponse(
    [property: JsonPropertyName("code")] int Code,
    [property: JsonPropertyName("message")] string Message,
    [property: JsonPropertyName("id")] long Id,
    [property: JsonPropertyName("status")] string Status,
    [property: JsonPropertyName("timestamp")] string Timestamp);

/// <summary>dto.ImportErrorResponse: a bad row, by its line in the file (the header is line 1).</summary>
[DocumentName("dto.ImportErrorResponse")]
public sealed record ImportErrorResponse(
    [property: JsonPropertyName("line")] int Line,
    [property: JsonPropertyName("reason")] string Reason,
    [property: JsonPropertyName("row")] string? Row);

/// <summary>dto.ImportResponse: an import's status, progress and report.</summary>
[DocumentName("dto.ImportResponse")]
public sealed record ImportResponse(
    [property: JsonPropertyName("id")] long Id,
    [property: JsonPropertyName("status")] string Status,
    [property: JsonPropertyName("file_name")] string FileName,
    [property: JsonPropertyName("bytes_total")] long BytesTotal,
    [property: JsonPropertyName("bytes_read")] long BytesRead,
    [property: JsonPropertyName("progress")] double Progress,
    [property: JsonPropertyName("rows_read")] int RowsRead,
    [property: JsonPropertyName("imported")] int Imported,
    [property: JsonPropertyName("updated")] int Updated,
    [property: JsonPropertyName("skipped")] int Skipped,
    [property: JsonPropertyName("kept_unsubscribed")] int KeptUnsubscribed,
    [property: JsonPropertyName("error")] string? Error,
    [property: JsonPropertyName("errors")] IReadOnlyList<ImportErrorResponse> Errors,
    [property: JsonPropertyName("errors_total")] int ErrorsTotal,
    [property: JsonPropertyName("page_info")] PageInfo ErrorsPage,
    [property: JsonPropertyName("created_at")] string CreatedAt,
    [property: JsonPropertyName("finished_at")] string? FinishedAt)
{
    public static ImportResponse From(ContactImport i, Page<ContactImportError> errors) => new(i.Id, ContactImportWire.Status(i.Status), i.FileName,
        i.BytesTotal, i.BytesRead, ContactImportWire.Progress(i), i.RowsRead, i.Imported, i.Updated, i.Skipped, i.KeptUnsubscribed, i.Error,
        errors.Items.Select(e => new ImportErrorResponse(e.Line, e.Reason, e.Raw)).ToList(), errors.Total,
        new PageInfo(errors.PageNumber, errors.PageSize, errors.Total, errors.TotalPages, errors.HasNext, errors.HasPrev),
        ApiEnvelope.Timestamp(i.CreatedAt), i.FinishedAt is { } f ? ApiEnvelope.Timestamp(f) : null);
}

public static class ContactImportWire
{
    public static string Status(ContactImportStatus s) => s switch
    {
        ContactImportStatus.Queued => "queued",
        ContactImportStatus.Running => "running",
        ContactImportStatus.Done => "done",
        _ => "failed",
    };

    /// <summary>How far the job has read the file, 0 to 1.</summary>
    public static double Progress(ContactImport i) =>
        i.Status == ContactImportStatus.Done ? 1 : i.BytesTotal <= 0 ? 0 : Math.Round(Math.Min(1, (double)i.BytesRead / i.BytesTotal), 4);

    /// <summary>The bad rows as CSV (line, reason, row), cells a spreadsheet would run as formulas escaped.</summary>
    public static async Task WriteErrorsCsvAsync(IAsyncEnumerable<ContactImportError> rows, Stream output, CancellationToken ct)
    {
        await using var csv = CsvWriter.Create(output, new CsvWriterOptions { Injection = CsvInjection.Escape, WriteByteOrderMark = true }, leaveOpen: true);
        csv.WriteHeader(["line", "reason", "row"]);
        await foreach (var e in rows.WithCancellation(ct))
        {
            csv.WriteField(e.Line.ToString(CultureInfo.InvariantCulture));
            csv.WriteField(e.Reason);
            csv.WriteField(e.Raw ?? "");
            await csv.EndRecordAsync(ct);
        }
        await csv.FlushAsync(ct);
    }
}

/// <summary>What the import handlers are given.</summary>
public sealed record ImportServices(ContactImportService Imports, IOptions<ContactImportOptions> Options, TimeProvider Clock, ClaimsPrincipal User)
    : CallerServices(User)
{
    public SimpleError Error(AppError error) => ApiEnvelope.Simple(error, Clock);
}

/// <summary>CSV import of contacts under /communication, in that family's style.</summary>
public static class ContactImportApi
{
    public static void MapContactImportApi(this IEndpointRouteBuilder app)
    {
        var group = app.MapGroup("/communication/contacts/import").WithTags("audiences").RequireAuthorization(Policies.Read);
        group.MapPost("", StartImport).WithSummary("Import contacts from a CSV file, as a background job")
            .WithDescription("multipart/form-data with `file` (the CSV, UTF-8, the first line naming the columns) and `mapping`, a JSON object: " +
                "`phone`, `email`, `name` (column names; phone or email required), `attributes` (an object of column name → attribute name), " +
                "`tags` (given to every row), `list_id` (a list every row joins) and `consent`: `stated` when the rows were collected with consent " +
                "(recorded in each address's consent history as an import; an opt-out is lifted only by an Admin's import) or `unchanged` (the default). " +
                "A contact with the same phone or email is updated (left-out fields kept, attributes merged), never duplicated. Answers 202 with the import's id; " +
                "poll GET /communication/contacts/import/{id}. A file that is empty, binary, or has no row after its header, or a mapping naming a missing column: 400, nothing imported. " +
                "Marketers and Admins.")
            .Accepts<IFormFile>("multipart/form-data").Produces<ImportStartedResponse>(202).Produces<SimpleResponse>(400).Produces<SimpleResponse>(401)
            .Produces<SimpleResponse>(403).Produces<SimpleResponse>(404).Produces<SimpleResponse>(413);
        group.MapGet("/{id}", GetImport).WithSummary("An import's status, progress and report (its bad rows by line, paged with page and page_size)")
            .Produces<SimpleResponse>(400).Produces<SimpleResponse>(401).Produces<SimpleResponse>(403).Produces<SimpleResponse>(404);
        group.MapGet("/{id}/errors.csv", DownloadErrors).WithSummary("An import's bad rows as CSV: line, reason and the row as read")
            .Produces(200, contentType: "text/csv").Produces<SimpleResponse>(401).Produces<SimpleResponse>(403).Produces<SimpleResponse>(404);
    }

    public static async Task<Results<Accepted<ImportStartedResponse>, SimpleError>> StartImport(HttpRequest request, [AsParameters] ImportServices services, CancellationToken ct)
    {
        if (!services.Caller.ManagesAudience) return services.Error(AppError.Forbidden("your role cannot import contacts"));
        if (!MediaTypeHeaderValue.TryParse(request.ContentType, out var type) || !type.MediaType.Equals("multipart/form-data", StringComparison.OrdinalIgnoreCase)
            || HeaderUtilities.RemoveQuotes(type.Boundary).Value is not { Length: > 0 and <= 200 } boundary)
            return services.Error(AppError.Validation("file: send multipart/form-data with the parts file and mapping"));
        if (request.HttpContext.Features.Get<IHttpMaxRequestBodySizeFeature>() is { IsReadOnly: false } size)
            size.MaxRequestBodySize = services.Options.Value.MaxFileBytes + 1024 * 1024;

        StagedImport? staged = null;
        string? mappingJson = null;
        try
        {
            var reader = new MultipartReader(boundary, request.Body) { HeadersLengthLimit = 16 * 1024 };
            while (await reader.ReadNextSectionAsync(ct) is { } section)
            {
                if (!ContentDispositionHeaderValue.TryParse(section.ContentDisposition, out var disposition)) continue;
                var name = HeaderUtilities.RemoveQuotes(disposition.Name).Value;
                if (name == "file" && staged is null)
                {
                    var fileName = HeaderUtilities.RemoveQuotes(disposition.FileNameStar.HasValue ? disposition.FileNameStar : disposition.FileName).Value;
                    var result = await services.Imports.StageAsync(section.Body, fileName, services.Caller, ct);
                    if (!result.IsOk) return services.Error(result.Error!);
                    staged = result.Value!;
                }
                else if (name == "mapping" && mappingJson is null)
                {
                    using var text = new StreamReader(section.Body);
                    var buffer = new char[64 * 1024];
                    var read = await text.ReadBlockAsync(buffer, ct);
                    if (read == buffer.Length) return services.Error(AppError.Validation("mapping: at most 64 KB of JSON"));
                    mappingJson = new string(buffer, 0, read);
                }
            }
            if (staged is null) return services.Error(AppError.Validation("file: required (the CSV file, as the multipart part named file)"));
            var mapping = ContactImportMapping.Parse(mappingJson);
            if (!mapping.IsOk) return services.Error(mapping.Error!);
            var started = await services.Imports.StartAsync(staged, mapping.Value!, services.Caller, ct);
            if (!started.IsOk) return services.Error(started.Error!);
            staged = null;
            var import = started.Value!;
            return TypedResults.Accepted($"/communication/contacts/import/{import.Id}",
                new ImportStartedResponse(202, "import queued", import.Id, ContactImportWire.Status(import.Status), ApiEnvelope.Timestamp(services.Clock.GetUtcNow())));
        }
        catch (BadHttpRequestException ex) when (ex.StatusCode == StatusCodes.Status413PayloadTooLarge)
        {
            return services.Error(AppError.Validation($"file: larger than {services.Options.Value.MaxFileBytes / (1024 * 1024)} MB"));
        }
        catch (InvalidDataException)
        {
            return services.Error(AppError.Validation("file: the multipart body is malformed"));
        }
        finally
        {
            if (staged is not null) services.Imports.Discard(staged);
        }
    }

    public static async Task<Results<Ok<ImportResponse>, SimpleError>> GetImport(string id,
        [FromQuery(Name = "page"), WholeNumber] string? page, [FromQuery(Name = "page_size"), WholeNumber] string? pageSize, [AsParameters] ImportServices services, CancellationToken ct)
    {
        if (!AudienceIds.TryParse(id, "import", out var key, out var missing)) return services.Error(missing!);
        if (!QueryNumbers.TryParsePositive(page, 1, out var pageNumber)) return services.Error(AppError.Validation($"page: '{page}' is not a whole number of 1 or more"));
        if (!QueryNumbers.TryParsePositive(pageSize, PageSizes.Max, out var size) || size > PageSizes.Max)
            return services.Error(AppError.Validation($"page_size: '{pageSize}' is not a whole number between 1 and {PageSizes.Max}"));
        var import = await services.Imports.GetAsync(key, services.Caller, ct);
        if (!import.IsOk) return services.Error(import.Error!);
        var errors = await services.Imports.ErrorsAsync(import.Value!, pageNumber, size, ct);
        return TypedResults.Ok(ImportResponse.From(import.Value!, errors));
    }

    public static async Task<Results<PushStreamHttpResult, SimpleError>> DownloadErrors(string id, [AsParameters] ImportServices services, CancellationToken ct)
    {
        if (!AudienceIds.TryParse(id, "import", out var key, out var missing)) return services.Error(missing!);
        var import = await services.Imports.GetAsync(key, services.Caller, ct);
        if (!import.IsOk) return services.Error(import.Error!);
        var rows = services.Imports.ErrorRows(import.Value!);
        return TypedResults.Stream(stream => ContactImportWire.WriteErrorsCsvAsync(rows, stream, ct), "text/csv; charset=utf-8", $"import-{key}-errors.csv");
    }
}
