using System.Data;
using System.Linq.Expressions;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Query.SqlExpressions;
using Microsoft.EntityFrameworkCore.Storage;

namespace CommsConsole.Data;

/// <summary>
/// Reading one key of a JSON object kept as text (<see cref="Contact.Attributes"/>) inside SQL, so that filters on
/// attributes run in the database. Each provider has its own pair: SQLite's <c>json_type</c>/<c>json_extract</c> take a
/// path (<see cref="SqlitePath"/>), PostgreSQL's <c>jsonb_typeof</c>/<c>jsonb_extract_path_text</c> take the key itself.
/// Keys and values always travel as parameters. The methods only exist inside queries.
/// </summary>
public static class JsonAttributes
{
    /// <summary>The SQLite JSON path of a key (keys holding a double quote or a backslash cannot be addressed and are refused before).</summary>
    public static string SqlitePath(string key) => "$.\"" + key + "\"";

    /// <summary>SQLite <c>json_type</c>: text, integer, real, true, false, null; null when the key is missing.</summary>
    public static string? SqliteType(string json, string path) => throw InMemory();
    /// <summary>SQLite <c>json_extract</c> as text (meaningful when the type is text).</summary>
    public static string? SqliteText(string json, string path) => throw InMemory();
    /// <summary>SQLite <c>json_extract</c> as a number (meaningful when the type is integer or real).</summary>
    public static double SqliteNumber(string json, string path) => throw InMemory();

    /// <summary>PostgreSQL <c>jsonb_typeof</c>: string, number, boolean, null; null when the key is missing.</summary>
    public static string? PostgresType(string json, string key) => throw InMemory();
    /// <summary>PostgreSQL <c>jsonb_extract_path_text</c>: the value as text (true/false for booleans).</summary>
    public static string? PostgresText(string json, string key) => throw InMemory();
    /// <summary>The value cast to double precision: call only under a CASE that checked the type is number.</summary>
    public static double PostgresNumber(string json, string key) => throw InMemory();

    private static NotSupportedException InMemory() => new("JsonAttributes functions run only inside database queries");

    private static readonly RelationalTypeMapping Jsonb = new StringTypeMapping("jsonb", DbType.String);
    private static readonly RelationalTypeMapping PostgresDouble = new DoubleTypeMapping("double precision");
    private static readonly RelationalTypeMapping SqliteReal = new DoubleTypeMapping("REAL");

    public static void Register(ModelBuilder builder)
    {
        Map(builder, nameof(SqliteType), a => Function("json_type", a, typeof(string), a[0].TypeMapping));
        Map(builder, nameof(SqliteText), a => Function("json_extract", a, typeof(string), a[0].TypeMapping));
        Map(builder, nameof(SqliteNumber), a => Function("json_extract", a, typeof(double), SqliteReal));
        Map(builder, nameof(PostgresType), a => Function("jsonb_typeof", [Function("jsonb_extract_path", [AsJsonb(a[0]), a[1]], typeof(string), Jsonb)], typeof(string), a[0].TypeMapping));
        Map(builder, nameof(PostgresText), a => Function("jsonb_extract_path_text", [AsJsonb(a[0]), a[1]], typeof(string), a[0].TypeMapping));
        Map(builder, nameof(PostgresNumber), a => new SqlUnaryExpression(ExpressionType.Convert,
            Function("jsonb_extract_path_text", [AsJsonb(a[0]), a[1]], typeof(string), a[0].TypeMapping), typeof(double), PostgresDouble));
    }

    private static void Map(ModelBuilder builder, string method, Func<IReadOnlyList<SqlExpression>, SqlExpression> translation) =>
        builder.HasDbFunction(typeof(JsonAttributes).GetMethod(method)!).HasTranslation(translation);

    private static SqlExpression AsJsonb(SqlExpression text) => new SqlUnaryExpression(ExpressionType.Convert, text, typeof(string), Jsonb);

    // Nullable whatever the arguments are: a missing key gives NULL from non-null arguments, and EF Core must know it to
    // keep C#'s meaning of NOT and != (else `NOT city = "x"` would drop the contacts without a city).
    private static SqlFunctionExpression Function(string name, IReadOnlyList<SqlExpression> args, Type type, RelationalTypeMapping? mapping) =>
        new(name, args, nullable: true, argumentsPropagateNullability: args.Select(_ => false), type, mapping);
}
