using CsCheck;
using Rewind.Core.Configuration;

namespace Rewind.Tests.Rules;

/// <summary>The window's arithmetic: inside or not, and when it next opens and closes, for any window and instant.</summary>
public sealed class DeployWindowTests
{
    [Fact]
    public void Inside_agrees_with_the_minute_of_day_and_the_next_opening_is_inside_and_its_close_is_not()
    {
        Gen.Select(Gen.Int[0, 1439], Gen.Int[0, 1439], Gen.Long[0, 3_000_000_000L], Gen.Int[0, 3].Select(i => new[] { "UTC", "Europe/Berlin", "America/New_York", "Asia/Kolkata" }[i]))
            .Where((s, e, _, _) => s != e)
            .Sample((startMinute, endMinute, seconds, zone) =>
            {
                var window = DeployWindow.Parse($"{startMinute / 60:00}:{startMinute % 60:00}-{endMinute / 60:00}:{endMinute % 60:00}", zone, out var error)!;
                Assert.Null(error);
                var now = DateTimeOffset.UnixEpoch.AddSeconds(seconds);
                var local = TimeZoneInfo.ConvertTime(now, window.Zone);
                var minute = local.Hour * 60 + local.Minute;
                var inside = startMinute < endMinute ? minute >= startMinute && minute < endMinute : minute >= startMinute || minute < endMinute;
                Assert.Equal(inside, window.Contains(now));

                var (opens, closes) = window.Next(now);
                Assert.True(opens > now && closes > opens && closes - opens <= TimeSpan.FromHours(25), $"{window} at {now:O}: opens {opens:O}, closes {closes:O}");
                Assert.True(window.Contains(opens), $"{window} at {now:O}: {opens:O} is not inside");
                Assert.False(window.Contains(closes), $"{window} at {now:O}: {closes:O} is inside");
            }, iter: 2000);
    }

    [Fact]
    public void A_window_opening_in_the_hour_a_daylight_saving_jump_skips_opens_at_the_jump()
    {
        // New York, 27 April 1986: the clock went from 02:00 to 03:00 (a seed CsCheck once found).
        var window = DeployWindow.Parse("02:54-03:13", "America/New_York", out _)!;
        var (opens, closes) = window.Next(DateTimeOffset.Parse("1986-04-26T18:27:58Z", System.Globalization.CultureInfo.InvariantCulture));
        Assert.Equal(DateTimeOffset.Parse("1986-04-27T07:00:00Z", System.Globalization.CultureInfo.InvariantCulture), opens);
        Assert.Equal(DateTimeOffset.Parse("1986-04-27T07:13:00Z", System.Globalization.CultureInfo.InvariantCulture), closes);
    }

    [Theory]
    [InlineData("1-6", null, "HH:mm-HH:mm")]
    [InlineData("01:00-01:00", null, "empty")]
    [InlineData("01:00-06:00", "Mars/Olympus", "not a known time zone")]
    public void A_window_that_is_not_one_says_why(string text, string? zone, string why)
    {
        Assert.Null(DeployWindow.Parse(text, zone, out var error));
        Assert.Contains(why, error, StringComparison.Ordinal);
    }
}
