
namespace CommsConsole.Tests.Features.Messaging;

public sealed class RecipientsTests
{
    [Theory]
    [InlineData("13800138000", "13800138000")]
    [InlineData(" 138-0013-8000 ", "13800138000")]
    [InlineData("+8613800138000", "13800138000")]
    [InlineData("008613800138000", "13800138000")]
    [InlineData("8613800138000", "13800138000")]
    [InlineData("19912345678", "19912345678")]
    [InlineData("+447911123456", "+447911123456")]
    [InlineData("+1 650 253 0000", "+16502530000")]
    [InlineData("１３８００１３８０００", "13800138000")]
    [InlineData("١٣٨٠٠١٣٨٠٠٠", "13800138000")]
    [InlineData("۱۳۸۰۰۱۳۸۰۰۰", "13800138000")]
    [InlineData("१३८००१३८०००", "13800138000")]
    [InlineData("＋８６ １３８－００１３－８０００", "13800138000")]
    [InlineData("+４４ ７９１１ １２３４５６", "+447911123456")]
    public void Phone_ValidForms_InDigitsOfAnyOneScript_NormalizeToAscii(string input, string expected)
    {
        Assert.True(Phones.TryNormalize(input, out var normalized, out var error), error?.Message);
        Assert.Equal(expected, normalized);
    }

    [Theory]
    [InlineData("１３８00138000")]
    [InlineData("١٣٨٠٠١٣٨０００")]
    [InlineData("138००138000")]
    [InlineData("13800138000+")]
    [InlineData("+86+13800138000")]
    [InlineData("138.0013.8000")]
    [InlineData("١٣٨00138000")]
    public void Phone_MixedScriptsOrSymbols_AreRefused(string input)
    {
        Assert.False(Phones.TryNormalize(input, out _, out var error));
        Assert.Contains("is not a valid phone number", error.Message);
    }

    [Theory]
    [InlineData("")]
    [InlineData(null)]
    [InlineData("12345")]
    [InlineData("12800138000")]
    [InlineData("1380013800")]
    [InlineData("138001380001")]
    [InlineData("+1234")]
    [InlineData("abc")]
    [InlineData("+44791112345612345678901")]
    [InlineData("1380013800O")]
    public void Phone_InvalidForms_AreRefusedWithAReason(string? input)
    {
        Assert.False(Phones.TryNormalize(input, out _, out var error));
        Assert.False(string.IsNullOrWhiteSpace(error.Message));
    }

    [Fact]
    public void Phone_Error_EchoesTheInputAndTheExpectedForm()
    {
        Phones.TryNormalize("12345", out _, out var error);
        Assert.Equal("'12345' is not a valid phone number: expected 1[3-9]xxxxxxxxx or +<country code><number>", error?.Message);
    }

    [Theory]
    [InlineData("alice@example.com", "alice@example.com")]
    [InlineData("  Alice.Smith+news@Example.COM ", "Alice.Smith+news@example.com")]
    [InlineData("x@mail.example.co.uk", "x@mail.example.co.uk")]
    public void Email_Valid_Normalizes(string input, string expected)
    {
        Assert.True(EmailAddresses.TryNormalize(input, out var normalized, out var error), error?.Message);
        Assert.Equal(expected, normalized);
    }

    [Theory]
    [InlineData("")]
    [InlineData("not-an-email")]
    [InlineData("a@b")]
    [InlineData("a@@b.com")]
    [InlineData("a b@c.com")]
    [InlineData("Alice <alice@example.com>")]
    [InlineData("alice@-example.com")]
    [InlineData("alice@exa_mple.com")]
    [InlineData(".alice@example.com")]
    [InlineData("<script>@x.com")]
    public void Email_Invalid_IsRefused(string input) => Assert.False(EmailAddresses.TryNormalize(input, out _, out _));

    [Theory]
    [InlineData("13800138000", "138****8000")]
    [InlineData("+447911123456", "+44******3456")]
    [InlineData("alice@example.com", "a***@example.com")]
    [InlineData("12345678", "12****78")]
    public void Mask_HidesTheMiddle(string input, string expected) => Assert.Equal(expected, RecipientMask.Mask(input));
}
