using System.Globalization;
using System.Text;
using CommsConsole.Data;

namespace CommsConsole.Features.Audiences;

/// <summary>A parsed segment filter: a tree of conditions joined by AND, OR and NOT.</summary>
public abstract record SegmentNode;

public sealed record AndNode(SegmentNode Left, SegmentNode Right) : SegmentNode;
public sealed record OrNode(SegmentNode Left, SegmentNode Right) : SegmentNode;
public sealed record NotNode(SegmentNode Inner) : SegmentNode;
/// <summary><c>tag "vip"</c> (the tag normalised as tags are stored).</summary>
public sealed record TagNode(string Tag) : SegmentNode;
/// <summary><c>in list "Newsletter"</c> (by name) or <c>list 12</c> (by id); only the tenant's own lists.</summary>
public sealed record ListNode(string? Name, long? Id) : SegmentNode;
/// <summary><c>subscribed sms</c>: an address for the channel and no active opt-out of it; <c>unsubscribed</c>: an address that is opted out.</summary>
public sealed record SubscribedNode(Channel Channel, bool Subscribed) : SegmentNode;
public enum ContactField { Name, Phone, Email }
/// <summary><c>has phone</c>, <c>has name</c>, <c>has attributes.city</c>.</summary>
public sealed record HasNode(ContactField? Field, string? Attribute) : SegmentNode;
public enum TextOp { Equal, NotEqual, Contains }
/// <summary><c>name contains "li"</c>, <c>email = "a@example.com"</c>: case-insensitive.</summary>
public sealed record FieldNode(ContactField Field, TextOp Op, string Value) : SegmentNode;
public enum CompareOp { Equal, NotEqual, Less, LessOrEqual, Greater, GreaterOrEqual, Contains }
/// <summary>
/// <c>attributes.age >= 30</c>, <c>city = "Shanghai"</c>, <c>attributes.vip = true</c>. A condition holds only for an
/// attribute of the value's type: a number compares with numbers, a string with strings, a boolean with booleans.
/// </summary>
public sealed record AttributeNode(string Key, CompareOp Op, object Value) : SegmentNode;
/// <summary><c>created after 2026-01-01</c> (from the next day on, UTC), <c>created before …</c>, <c>created in 30 days</c>.</summary>
public sealed record CreatedNode(DateOnly? After, DateOnly? Before, int? WithinDays) : SegmentNode;
/// <summary><c>received marketing sms in 7 days</c>: a message (not failed, cancelled or suppressed) to the contact's address.</summary>
public sealed record ReceivedNode(Purpose? Purpose, Channel? Channel, int Days) : SegmentNode;

/// <summary>Where a filter is wrong: the 1-based column, what was expected there and what was found.</summary>
public sealed record SegmentFilterError(int Column, AppError Error);

/// <summary>
/// The segment filter language (docs/segments.md). A hand-written recursive-descent parser: the grammar is a dozen
/// productions, so a parser generator or combinator package would add more than it saves, and hand-written code lets each
/// error name its column and the words that would have been accepted there. Hostile input is bounded before any work:
/// length, nesting depth and the number of conditions.
/// </summary>
public sealed class SegmentFilter
{
    public const int MaxLength = 2_000;
    public const int MaxDepth = 20;
    public const int MaxTerms = 50;
    public const int MaxDays = 3_650;

    private readonly string _text;
    private readonly List<Token> _tokens;
    private int _pos;
    private int _terms;

    private SegmentFilter(string text, List<Token> tokens) { _text = text; _tokens = tokens; }

    /// <summary>Parses <paramref name="text"/>; on failure the error names the column (1-based) and what was expected.</summary>
    public static Result<SegmentNode> Parse(string? text)
    {
        var parsed = TryParse(text, out var node, out var error);
        return parsed ? node! : error!.Error;
    }

    public static bool TryParse(string? text, out SegmentNode? node, out SegmentFilterError? error)
    {
        node = null;
        error = null;
        try
        {
            if (string.IsNullOrWhiteSpace(text)) throw Fail(1, ErrorText.Of("a condition"), "");
            if (text.Length > MaxLength) throw new FilterException(new SegmentFilterError(MaxLength + 1, AppError.Validation($"filter: at most {MaxLength} characters")));
            var parser = new SegmentFilter(text, Lex(text));
            node = parser.ParseOr(0);
            if (parser.Peek.Kind != Kind.End) throw parser.Expected(ErrorText.Of("AND, OR or the end of the filter"));
            return true;
        }
        catch (FilterException e)
        {
            error = e.Error;
            return false;
        }
    }

    private enum Kind { Word, String, Number, Date, Op, Open, Close, End }

    private readonly record struct Token(Kind Kind, string Text, int Column, object? Value = null)
    {
        public bool Is(string word) => Kind == Kind.Word && string.Equals(Text, word, StringComparison.OrdinalIgnoreCase);
    }

    private sealed class FilterException(SegmentFilterError error) : Exception
    {
        public SegmentFilterError Error { get; } = error;
    }

    private static FilterException Fail(int column, ErrorText expected, string found) =>
        new(new SegmentFilterError(column, found.Length == 0
            ? AppError.Validation($"filter: column {column}: expected {expected}, found the end of the filter")
            : AppError.Validation($"filter: column {column}: expected {expected}, found '{Phones.Echo(found)}'")));

    private FilterException Expected(ErrorText expected) => Fail(Peek.Column, expected, Peek.Kind == Kind.End ? "" : Peek.Text);

    /// <summary>Full-width forms (typed with a Chinese input method) read as their ASCII twins outside strings.</summary>
    private static char Fold(char c) => c switch
    {
        >= '\uFF01' and <= '\uFF5E' => (char)(c - 0xFEE0),
        '\u3000' => ' ',
        _ => c,
    };

    private static bool IsQuote(char c) => c is '"' or '\u201C' or '\u201D' or '\uFF02';
    private static bool IsWordChar(char c) => char.IsLetterOrDigit(c) || c is '_' or '.' or '-';

    private static List<Token> Lex(string text)
    {
        var tokens = new List<Token>();
        var i = 0;
        while (i < text.Length)
        {
            var c = Fold(text[i]);
            var column = i + 1;
            if (char.IsWhiteSpace(c)) { i++; continue; }
            if (IsQuote(text[i]))
            {
                var sb = new StringBuilder();
                i++;
                while (true)
                {
                    if (i >= text.Length) throw Fail(column, ErrorText.Of("a closing quote"), "");
                    var s = text[i];
                    if (s == '\\' && i + 1 < text.Length && (text[i + 1] == '"' || text[i + 1] == '\\')) { sb.Append(text[i + 1]); i += 2; continue; }
                    if (IsQuote(s)) { i++; break; }
                    if (char.IsControl(s)) throw Fail(i + 1, ErrorText.Of("a closing quote"), "\\u" + ((int)s).ToString("X4", CultureInfo.InvariantCulture));
                    sb.Append(s);
                    i++;
                }
                tokens.Add(new Token(Kind.String, sb.ToString(), column));
                continue;
            }
            if (c == '(') { tokens.Add(new Token(Kind.Open, "(", column)); i++; continue; }
            if (c == ')') { tokens.Add(new Token(Kind.Close, ")", column)); i++; continue; }
            if (c is '=' or '<' or '>' or '!')
            {
                var next = i + 1 < text.Length ? Fold(text[i + 1]) : '\0';
                var op = next == '=' ? $"{c}=" : c.ToString();
                if (op == "!") throw Fail(column, ErrorText.Of("an operator (=, !=, <, <=, >, >=, contains)"), "!");
                if (op == "==") op = "=";
                tokens.Add(new Token(Kind.Op, op, column));
                i += next == '=' ? 2 : 1;
                continue;
            }
            if (c == '-' || char.IsAsciiDigit(c))
            {
                var start = i;
                var sb = new StringBuilder();
                sb.Append(c);
                i++;
                while (i < text.Length && (char.IsAsciiDigit(Fold(text[i])) || Fold(text[i]) is '.' or '-')) { sb.Append(Fold(text[i])); i++; }
                if (i < text.Length && IsWordChar(Fold(text[i]))) throw Fail(i + 1, ErrorText.Of("a number (digits 0-9) or a date (YYYY-MM-DD)"), text[start..(i + 1)]);
                var raw = sb.ToString();
                if (raw.Length == 10 && DateOnly.TryParseExact(raw, "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.None, out var date))
                    tokens.Add(new Token(Kind.Date, text[start..i], column, date));
                else if (raw.Length <= 20 && decimal.TryParse(raw, NumberStyles.AllowLeadingSign | NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture, out var number))
                    tokens.Add(new Token(Kind.Number, text[start..i], column, number));
                else throw Fail(column, ErrorText.Of("a number (digits 0-9) or a date (YYYY-MM-DD)"), text[start..i]);
                continue;
            }
            if (IsWordChar(c))
            {
                var start = i;
                var sb = new StringBuilder();
                while (i < text.Length && IsWordChar(Fold(text[i])))
                {
                    var w = Fold(text[i]);
                    // Digits of other scripts look like numbers and are not: refused, not read as letters of a name.
                    if (char.IsDigit(w) && !char.IsAsciiDigit(w)) throw Fail(i + 1, ErrorText.Of("a number (digits 0-9) or a date (YYYY-MM-DD)"), text[i].ToString());
                    sb.Append(w);
                    i++;
                }
                tokens.Add(new Token(Kind.Word, sb.ToString(), start + 1));
                continue;
            }
            throw Fail(column, ErrorText.Of("a condition"), text[i].ToString());
        }
        tokens.Add(new Token(Kind.End, "", text.Length + 1));
        return tokens;
    }

    private Token Peek => _tokens[_pos];
    private Token Next() => _tokens[_pos++];

    private SegmentNode ParseOr(int depth)
    {
        var left = ParseAnd(depth);
        while (Peek.Is("or"))
        {
            Next();
            left = new OrNode(left, ParseAnd(depth));
        }
        return left;
    }

    private SegmentNode ParseAnd(int depth)
    {
        var left = ParseUnary(depth);
        while (Peek.Is("and"))
        {
            Next();
            left = new AndNode(left, ParseUnary(depth));
        }
        return left;
    }

    private SegmentNode ParseUnary(int depth)
    {
        if (depth > MaxDepth) throw new FilterException(new SegmentFilterError(Peek.Column, AppError.Validation($"filter: column {Peek.Column}: nested deeper than {MaxDepth} levels")));
        if (Peek.Is("not"))
        {
            Next();
            return new NotNode(ParseUnary(depth + 1));
        }
        if (Peek.Kind == Kind.Open)
        {
            Next();
            var inner = ParseOr(depth + 1);
            if (Peek.Kind != Kind.Close) throw Expected(ErrorText.Of("AND, OR or a closing parenthesis"));
            Next();
            return inner;
        }
        var column = Peek.Column;
        if (++_terms > MaxTerms) throw new FilterException(new SegmentFilterError(column, AppError.Validation($"filter: column {column}: more than {MaxTerms} conditions")));
        return ParseTerm();
    }

    private SegmentNode ParseTerm()
    {
        var t = Peek;
        if (t.Kind == Kind.String) return ParseAttribute(Next().Text);
        if (t.Kind != Kind.Word) throw Expected(ErrorText.Of("a condition"));
        var word = t.Text.ToLowerInvariant();
        switch (word)
        {
            case "tag":
                Next();
                var tag = ContactService.NormalizeTag(String());
                if (tag.Length is 0 or > Contact.MaxTag) throw Fail(t.Column, ErrorText.Of("a tag of 1 to 64 characters"), tag);
                return new TagNode(tag);
            case "in":
                Next();
                if (!Peek.Is("list")) throw Expected(ErrorText.Of("list, as in: in list \"Newsletter\""));
                Next();
                return ListRef();
            case "list":
                Next();
                return ListRef();
            case "subscribed" or "unsubscribed":
                Next();
                return new SubscribedNode(ReadChannel(required: true)!.Value, word == "subscribed");
            case "has":
                Next();
                if (Peek.Is("name") || Peek.Is("phone") || Peek.Is("email")) return new HasNode(Field(Next().Text), null);
                if (Peek.Kind == Kind.Word && Peek.Text.StartsWith("attributes.", StringComparison.OrdinalIgnoreCase) || Peek.Is("attributes"))
                    return new HasNode(null, AttributeKey());
                throw Expected(ErrorText.Of("phone, email, name or attributes.NAME"));
            case "name" or "phone" or "email":
                Next();
                var field = Field(word);
                TextOp op;
                if (Peek.Is("contains")) op = TextOp.Contains;
                else if (Peek.Kind == Kind.Op && Peek.Text is "=" or "!=") op = Peek.Text == "=" ? TextOp.Equal : TextOp.NotEqual;
                else throw Expected(ErrorText.Of("=, != or contains"));
                Next();
                var value = String();
                return new FieldNode(field, op, value);
            case "created":
                Next();
                if (Peek.Is("after") || Peek.Is("before"))
                {
                    var after = Next().Is("after");
                    if (Peek.Kind != Kind.Date) throw Expected(ErrorText.Of("a date (YYYY-MM-DD)"));
                    var date = (DateOnly)Next().Value!;
                    return after ? new CreatedNode(date, null, null) : new CreatedNode(null, date, null);
                }
                if (Peek.Is("in")) { Next(); return new CreatedNode(null, null, Days()); }
                throw Expected(ErrorText.Of("after, before or in"));
            case "received":
                Next();
                Purpose? purpose = null;
                if (Peek.Is("marketing")) { Next(); purpose = Purpose.Marketing; }
                else if (Peek.Is("transactional")) { Next(); purpose = Purpose.Transactional; }
                else if (Peek.Is("any")) Next();
                var channel = ReadChannel(required: false);
                if (!Peek.Is("in")) throw Expected(channel is null && purpose is null ? ErrorText.Of("marketing, transactional, sms, email or in") : channel is null ? ErrorText.Of("sms, email or in") : ErrorText.Of("in"));
                Next();
                return new ReceivedNode(purpose, channel, Days());
            default:
                if (word == "attributes" || word.StartsWith("attributes.", StringComparison.Ordinal)) return ParseAttribute(AttributeKey());
                if (Keywords.Contains(word)) throw Expected(ErrorText.Of("a condition"));
                // A bare name is an attribute: city = "Shanghai".
                Next();
                return ParseAttribute(t.Text);
        }
    }

    private static readonly HashSet<string> Keywords = ["and", "or", "not", "in", "contains", "after", "before", "days", "true", "false", "marketing", "transactional", "sms", "any"];

    private string AttributeKey()
    {
        var t = Next();
        if (t.Text.Length > "attributes.".Length && t.Text.StartsWith("attributes.", StringComparison.OrdinalIgnoreCase)) return CheckKey(t.Text["attributes.".Length..], t.Column);
        // attributes."a name with spaces": the lexer reads "attributes." as one word when a quote follows the dot.
        if (t.Text.Equals("attributes.", StringComparison.OrdinalIgnoreCase) && Peek.Kind == Kind.String) return CheckKey(Next().Text, t.Column);
        throw Fail(t.Column, ErrorText.Of("attributes.NAME or attributes.\"NAME\""), t.Text);
    }

    private static string CheckKey(string key, int column)
    {
        if (key.Length is 0 or > ContactAttributes.MaxKey || key.Contains('"') || key.Contains('\\'))
            throw Fail(column, ErrorText.Of("an attribute name of 1 to 64 characters without quotes or backslashes"), key);
        return key;
    }

    private AttributeNode ParseAttribute(string key)
    {
        key = CheckKey(key, Peek.Column);
        CompareOp op;
        if (Peek.Is("contains")) op = CompareOp.Contains;
        else if (Peek.Kind == Kind.Op)
        {
            op = Peek.Text switch
            {
                "=" => CompareOp.Equal, "!=" => CompareOp.NotEqual, "<" => CompareOp.Less, "<=" => CompareOp.LessOrEqual,
                ">" => CompareOp.Greater, _ => CompareOp.GreaterOrEqual,
            };
        }
        else throw Expected(ErrorText.Of("an operator (=, !=, <, <=, >, >=, contains)"));
        Next();
        var v = Peek;
        object value;
        if (v.Kind == Kind.String) value = v.Text;
        else if (v.Kind == Kind.Number) value = (decimal)v.Value!;
        else if (v.Is("true") || v.Is("false")) value = v.Is("true");
        else if (v.Kind == Kind.Date) value = ((DateOnly)v.Value!).ToString("yyyy-MM-dd", CultureInfo.InvariantCulture);
        else throw Expected(ErrorText.Of("a quoted string, a number, true or false"));
        var ordered = op is CompareOp.Less or CompareOp.LessOrEqual or CompareOp.Greater or CompareOp.GreaterOrEqual;
        if (ordered && value is not decimal) throw Expected(ErrorText.Of("a number"));
        if (op == CompareOp.Contains && value is not string) throw Expected(ErrorText.Of("a quoted string"));
        Next();
        return new AttributeNode(key, op, value);
    }

    private ListNode ListRef()
    {
        if (Peek.Kind == Kind.String) return new ListNode(Next().Text.Trim(), null);
        if (Peek.Kind == Kind.Number && Peek.Value is decimal d && d >= 1 && d <= long.MaxValue && d == decimal.Truncate(d)) return new ListNode(null, (long)(decimal)Next().Value!);
        throw Expected(ErrorText.Of("a list name in quotes or a list id"));
    }

    private Channel? ReadChannel(bool required)
    {
        if (Peek.Is("sms")) { Next(); return Channel.Sms; }
        if (Peek.Is("email")) { Next(); return Channel.Email; }
        if (required) throw Expected(ErrorText.Of("sms or email"));
        return null;
    }

    private static ContactField Field(string word) => word.ToLowerInvariant() switch
    {
        "name" => ContactField.Name,
        "phone" => ContactField.Phone,
        _ => ContactField.Email,
    };

    private string String()
    {
        if (Peek.Kind != Kind.String) throw Expected(ErrorText.Of("a quoted string"));
        return Next().Text;
    }

    private int Days()
    {
        if (Peek.Kind != Kind.Number || Peek.Value is not decimal d || d != decimal.Truncate(d) || d < 1 || d > MaxDays)
            throw Expected(ErrorText.Of("a whole number of days from 1 to 3650"));
        Next();
        if (!Peek.Is("days") && !Peek.Is("day")) throw Expected(ErrorText.Of("days"));
        Next();
        return (int)d;
    }
}
