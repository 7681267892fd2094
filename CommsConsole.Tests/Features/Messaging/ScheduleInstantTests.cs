using CommsConsole.Features.Messaging;

namespace CommsConsole.Tests.Features.Messaging;

/// <summary>A scheduled time is read on the tenant's clock, whatever the server's zone.</summary>
public sealed class ScheduleInstantTests
{
    [Theory]
    [InlineData("Asia/Shanghai", "2026-12-01", "09:00", "2026-12-01T01:00:00Z")]
    [InlineData("Europe/Berlin", "2026-07-01", "09:00", "2026-07-01T07:00:00Z")]
    [InlineData("Europe/Berlin", "2026-12-01", "09:00", "2026-12-01T08:00:00Z")]
    // 02:30 does not exist in New York on 8 March 2026 (clocks go from 02:00 to 03:00): it is taken as 03:00 EDT.
    [InlineData("America/New_York", "2026-03-08", "02:30", "2026-03-08T07:00:00Z")]
    public void WallClockTimeInTheTenantsZone_IsTheRightInstant(string zone, string date, string time, string expected)
    {
        var at = ComposeService.ScheduleInstant(DateTime.Parse(date), TimeSpan.Parse(time), TimeZoneInfo.FindSystemTimeZoneById(zone));
        Assert.Equal(DateTimeOffset.Parse(expected).UtcDateTime, at.UtcDateTime);
    }
}
