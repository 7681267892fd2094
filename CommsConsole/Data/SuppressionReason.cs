namespace CommsConsole.Data;

public enum SuppressionReason { UnsubscribeLink, SmsReplyKeyword, Bounce, Admin, Import }
