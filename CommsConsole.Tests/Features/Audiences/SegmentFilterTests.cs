using CommsConsole.Features.Audiences;
using CommsConsole.Features.Common;

namespace CommsConsole.Tests.Features.Audiences;

/// <summary>The segment filter language: what it reads, and every way it refuses, naming the column.</summary>
public sealed class SegmentFilterTests
{
    private static SegmentNode Parse(string text)
    {
        Assert.True(SegmentFilter.TryParse(text, out var node, out var error), error?.Error.Message);
        return node!;
    }

    private static SegmentFilterError Error(string text)
    {
        Assert.False(SegmentFilter.TryParse(text, out _, out var error), $"'{text}' parsed");
        Assert.Equal(ErrorKind.Validation, error!.Error.Kind);
        return error;
    }

    [Fact]
    public void TheIssuesExample_ParsesToItsTree()
    {
        var node = Parse("city = \"Shanghai\" AND tag \"VIP\" AND NOT received marketing sms in 7 days");

        Assert.Equal(new AndNode(new AndNode(new AttributeNode("city", CompareOp.Equal, "Shanghai"), new TagNode("vip")),
            new NotNode(new ReceivedNode(Purpose.Marketing, Channel.Sms, 7))), node);
    }

    [Theory]
    [InlineData("attributes.age >= 30")]
    [InlineData("attributes.age < -1.5")]
    [InlineData("in list \"Newsletter\"")]
    [InlineData("list 12")]
    [InlineData("subscribed email")]
    [InlineData("unsubscribed sms")]
    [InlineData("has phone")]
    [InlineData("has attributes.city")]
    [InlineData("has attributes.\"first name\"")]
    [InlineData("name contains \"li\"")]
    [InlineData("email = \"a@example.com\"")]
    [InlineData("phone != \"+86 138 0013 8000\"")]
    [InlineData("created after 2026-01-01")]
    [InlineData("created before 2026-12-31 OR created in 30 days")]
    [InlineData("received sms in 1 day")]
    [InlineData("received any in 3650 days")]
    [InlineData("received transactional email in 2 days")]
    [InlineData("attributes.vip = true and not attributes.blocked = false")]
    [InlineData("(tag \"a\" OR tag \"b\") AND NOT (list 1 OR list 2)")]
    [InlineData("attributes.\"城市\" = \"上海\"")]
    [InlineData("城市 contains \"海\"")]
    [InlineData("attributes.signup = 2026-01-01")]
    [InlineData("attributesofme = 1")]
    public void GoodFilters_Parse(string filter) => Parse(filter);

    [Fact]
    public void AndBindsTighterThanOr_AndNotTighterThanAnd()
    {
        Assert.Equal(new OrNode(new TagNode("a"), new AndNode(new NotNode(new TagNode("b")), new TagNode("c"))),
            Parse("tag \"a\" or not tag \"b\" and tag \"c\""));
    }

    [Fact]
    public void FullWidthQuotesDigitsAndOperators_ReadAsTheirAsciiTwins_ButNotInsideStrings()
    {
        Assert.Equal(new AttributeNode("age", CompareOp.GreaterOrEqual, 30m), Parse("attributes.age ＞＝ ３０"));
        Assert.Equal(new ListNode(null, 12), Parse("list １２"));
        Assert.Equal(new AttributeNode("city", CompareOp.Equal, "Ｓhanghai"), Parse("city = “Ｓhanghai”"));
        Assert.Equal(new TagNode("vip"), Parse("tag ＂vip＂"));
        Assert.Equal(new CreatedNode(new DateOnly(2026, 1, 1), null, null), Parse("created after ２０２６-０１-０１"));
    }

    [Theory]
    // Each error names the column (1-based) where the filter went wrong and what would have been accepted there.
    [InlineData("", 1, "expected a condition, found the end of the filter")]
    [InlineData("tag vip", 5, "expected a quoted string, found 'vip'")]
    [InlineData("tag \"vip", 5, "expected a closing quote")]
    [InlineData("city = ", 8, "expected a quoted string, a number, true or false, found the end of the filter")]
    [InlineData("city \"Shanghai\"", 6, "expected an operator (=, !=, <, <=, >, >=, contains)")]
    [InlineData("tag \"a\" tag \"b\"", 9, "expected AND, OR or the end of the filter, found 'tag'")]
    [InlineData("(tag \"a\"", 9, "expected AND, OR or a closing parenthesis")]
    [InlineData("tag \"a\")", 8, "expected AND, OR or the end of the filter, found ')'")]
    [InlineData("in \"Newsletter\"", 4, "expected list")]
    [InlineData("list -3", 6, "expected a list name in quotes or a list id")]
    [InlineData("list 1.5", 6, "expected a list name in quotes or a list id")]
    [InlineData("subscribed fax", 12, "expected sms or email, found 'fax'")]
    [InlineData("received marketing in 0 days", 23, "expected a whole number of days from 1 to 3650")]
    [InlineData("received sms in 3651 days", 17, "expected a whole number of days from 1 to 3650")]
    [InlineData("received sms in 7", 18, "expected days")]
    [InlineData("received sms", 13, "expected in")]
    [InlineData("received", 9, "expected marketing, transactional, sms, email or in")]
    [InlineData("created after 2026-02-30", 15, "expected a number (digits 0-9) or a date (YYYY-MM-DD)")]
    [InlineData("created after yesterday", 15, "expected a date (YYYY-MM-DD)")]
    [InlineData("created", 8, "expected after, before or in")]
    [InlineData("attributes.age > \"30\"", 18, "expected a number")]
    [InlineData("attributes.age contains 3", 25, "expected a quoted string")]
    [InlineData("name = 3", 8, "expected a quoted string")]
    [InlineData("name > \"a\"", 6, "expected =, != or contains")]
    [InlineData("has fax", 5, "expected phone, email, name or attributes.NAME")]
    [InlineData("attributes.\"a\\\"b\" = 1", 1, "expected an attribute name of 1 to 64 characters without quotes or backslashes")]
    [InlineData("tag \"a\" AND", 12, "expected a condition, found the end of the filter")]
    [InlineData("tag \"a\" AND OR tag \"b\"", 13, "expected a condition, found 'OR'")]
    [InlineData("city ! \"x\"", 6, "expected an operator")]
    [InlineData("city = \"x\" ; DROP TABLE Contacts", 12, "expected a condition, found ';'")]
    [InlineData("list ١٢", 6, "expected a number (digits 0-9) or a date (YYYY-MM-DD), found '١'")]
    [InlineData("attributes.age > 3٠", 19, "expected a number (digits 0-9)")]
    [InlineData("tag \"a\u0000\"", 7, "expected a closing quote")]
    [InlineData("attributes = 1", 1, "expected attributes.NAME or attributes.\"NAME\", found 'attributes'")]
    public void BadFilters_AreRefused_NamingTheColumnAndWhatWasExpected(string filter, int column, string expected)
    {
        var error = Error(filter);

        Assert.Equal(column, error.Column);
        Assert.StartsWith($"filter: column {column}: ", error.Error.Message);
        Assert.Contains(expected, error.Error.Message);
    }

    [Fact]
    public void A100KilobyteFilter_IsRefusedAtOnce_WithoutReadingIt()
    {
        var huge = string.Concat(Enumerable.Repeat("tag \"a\" OR ", 10_000));

        var error = Error(huge);

        Assert.Contains($"at most {SegmentFilter.MaxLength} characters", error.Error.Message);
        Assert.True(huge.Length > 100_000);
    }

    [Fact]
    public void DeepNesting_IsRefusedAtTheLevelThatGoesTooDeep_AndNeverOverflowsTheStack()
    {
        var depth = SegmentFilter.MaxDepth + 1;
        var deep = new string('(', depth) + "tag \"a\"" + new string(')', depth);
        var nots = string.Concat(Enumerable.Repeat("NOT ", 400)) + "has phone";
        var allowed = new string('(', SegmentFilter.MaxDepth) + "tag \"a\"" + new string(')', SegmentFilter.MaxDepth);

        Assert.Contains($"nested deeper than {SegmentFilter.MaxDepth} levels", Error(deep).Error.Message);
        Assert.Equal(depth + 1, Error(deep).Column);
        Assert.Contains("nested deeper than", Error(nots).Error.Message);
        Parse(allowed);
    }

    [Fact]
    public void MoreThanTheMostConditions_IsRefusedAtTheFirstOneTooMany()
    {
        var many = string.Join(" OR ", Enumerable.Range(0, SegmentFilter.MaxTerms + 1).Select(i => $"tag \"t{i}\""));
        var most = string.Join(" OR ", Enumerable.Range(0, SegmentFilter.MaxTerms).Select(i => $"tag \"t{i}\""));

        var error = Error(many);

        Assert.Contains($"more than {SegmentFilter.MaxTerms} conditions", error.Error.Message);
        Assert.Equal(many.LastIndexOf("tag", StringComparison.Ordinal) + 1, error.Column);
        Parse(most);
    }

    [Fact]
    public void SqlAndMarkupInStrings_AreValues()
    {
        Assert.Equal(new AttributeNode("city", CompareOp.Equal, "x' OR 1=1 --"), Parse("city = \"x' OR 1=1 --\""));
        Assert.Equal(new FieldNode(ContactField.Name, TextOp.Contains, "<script>\"</script>"), Parse("name contains \"<script>\\\"</script>\""));
        Assert.Equal(new AttributeNode("'); DROP TABLE Contacts; --", CompareOp.Equal, 1m), Parse("attributes.\"'); DROP TABLE Contacts; --\" = 1"));
    }
}
