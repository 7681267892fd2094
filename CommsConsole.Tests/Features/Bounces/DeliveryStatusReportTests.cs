using System.Text;
using CommsConsole.Data;
using CommsConsole.Features.Bounces;
using MimeKit;

namespace CommsConsole.Tests.Features.Bounces;

public sealed class DeliveryStatusReportTests
{
    private static MimeMessage Parse(string eml) => MimeMessage.Load(new MemoryStream(Encoding.UTF8.GetBytes(eml)));

    [Theory]
    [InlineData("42.0123456789abcdef@news.example", 42L)]
    [InlineData("٤٢.0123456789abcdef@news.example", null)]
    [InlineData("４２.0123456789abcdef@news.example", null)]
    [InlineData("+42.0123456789abcdef@news.example", null)]
    [InlineData("0.0123456789abcdef@news.example", null)]
    [InlineData("99999999999999999999.0123456789abcdef@news.example", null)]
    [InlineData("abc@news.example", null)]
    [InlineData("", null)]
    public void MessageRowId_IsReadFromTheProvidersMessageId_AsciiDigitsOnly(string messageId, long? expected) =>
        Assert.Equal(expected, DeliveryStatusReport.MessageRowId(messageId));

    [Fact]
    public void Report_GivesTheReturnedMessageId_AndEachRecipient()
    {
        var report = DeliveryStatusReport.Read(Parse(Dsn.For("<7.00ff@news.example>", "Someone@Example.com", "failed", "5.1.1", "550 5.1.1 user unknown")));

        Assert.NotNull(report);
        Assert.Equal("7.00ff@news.example", report.OriginalMessageId);
        var r = Assert.Single(report.Recipients);
        Assert.Equal(("Someone@Example.com", "Someone@Example.com", BounceKind.Hard, false), (r.FinalRecipient, r.OriginalRecipient, r.Kind, r.Delivered));
        Assert.Equal("smtp; 550 5.1.1 user unknown", r.Diagnostic);
    }

    [Theory]
    [InlineData("failed", "5.2.2", BounceKind.Hard)]
    [InlineData("failed", "4.4.7", BounceKind.Soft)]
    [InlineData("delayed", "4.4.1", BounceKind.Soft)]
    [InlineData("FAILED", "", BounceKind.Hard)]
    [InlineData("delivered", "2.0.0", null)]
    [InlineData("bogus", "5.0.0", null)]
    public void Recipient_IsHardOrSoft_ByActionAndStatus(string action, string status, BounceKind? kind) =>
        Assert.Equal(kind, new DsnRecipient("a@example.com", null, action, status, null).Kind);

    [Fact]
    public void OrdinaryMail_AndOtherReports_AreNotDeliveryStatusReports()
    {
        Assert.Null(DeliveryStatusReport.Read(Parse("From: a@example.com\r\nSubject: hi\r\nContent-Type: text/plain\r\n\r\nAction: failed\r\n")));
        var other = Dsn.For("<7.00ff@news.example>", "a@example.com", "failed", "5.1.1", "550").Replace("report-type=delivery-status", "report-type=disposition-notification");
        Assert.Null(DeliveryStatusReport.Read(Parse(other)));
    }
}
