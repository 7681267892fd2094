using CsvHelper;

namespace CommsConsole.Features.Common;

/// <summary>The one way the app writes CSV that people open in spreadsheets.</summary>
public static class SafeCsv
{
    /// <summary>
    /// A CSV writer that escapes cells a spreadsheet would run as formulas (starting with =, +, -, @, tab or CR) with a
    /// leading apostrophe: CSV injection. Leaves <paramref name="output"/> open.
    /// </summary>
    public static CsvWriter Create(Stream output) =>
        CsvWriter.Create(output, new CsvWriterOptions { Injection = CsvInjection.Escape }, leaveOpen: true);
}
