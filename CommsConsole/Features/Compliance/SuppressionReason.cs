namespace CommsConsole.Features.Compliance;

public enum SuppressionReason { UnsubscribeLink, SmsReplyKeyword, Bounce, Admin, Import }
