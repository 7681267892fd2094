namespace CommsConsole.Features.Templates;

public sealed record TemplateInput(string Code, string Name, Channel Channel, string? Subject, string Body);
