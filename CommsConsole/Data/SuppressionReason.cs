namespace CommsConsole.Data;

// Stored as numbers: new reasons go at the end.
public enum SuppressionReason { UnsubscribeLink, SmsReplyKeyword, Bounce, Admin, Import, Api, Form }
