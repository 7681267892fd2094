namespace CommsConsole.Features.Common;

/// <summary>Where a batch came from, as its <c>Source</c> column records it: the face that accepted the send.</summary>
public static class BatchSources
{
    public const string Console = "console", ApiBulk = "api-bulk", SmsSend = "sms-send", SmsBatch = "sms-batch", SmsTemplate = "sms-template",
        Campaign = "campaign", CampaignTest = "campaign-test";
}
