namespace CommsConsole.Features.Templates;

/// <param name="Format">An email template's format; null keeps the older rule (HTML when the body has tags, else plain text).</param>
public sealed record TemplateInput(string Code, string Name, Channel Channel, string? Subject, string Body, EmailBodyFormat? Format = null);
