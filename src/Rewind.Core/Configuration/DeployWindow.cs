using System.Globalization;

namespace Rewind.Core.Configuration;

/// <summary>
/// A daily window in which a target (or a group's members) accepts deploys, e.g. <c>01:00-06:00</c> in
/// <c>Europe/Berlin</c> (seed 003: patches go out from 1 to 6 AM). A window whose end is before its start runs
/// over midnight. Rollbacks are never held by a window: the fast path waits for nothing.
/// </summary>
public sealed record DeployWindow(TimeOnly Start, TimeOnly End, TimeZoneInfo Zone)
{
    /// <summary>The text as written in <c>rewind.yaml</c>, with its zone: <c>01:00-06:00 Europe/Berlin</c>.</summary>
    public override string ToString() => $"{Start:HH\\:mm}-{End:HH\\:mm} {Zone.Id}";

    /// <summary>Reads <c>HH:mm-HH:mm</c> and a time zone id (UTC when null); null with why when either is not valid.</summary>
    public static DeployWindow? Parse(string window, string? timezone, out string? error)
    {
        error = null;
        var parts = window.Split('-', StringSplitOptions.TrimEntries);
        if (parts.Length != 2
            || !TimeOnly.TryParseExact(parts[0], "HH:mm", CultureInfo.InvariantCulture, DateTimeStyles.None, out var start)
            || !TimeOnly.TryParseExact(parts[1], "HH:mm", CultureInfo.InvariantCulture, DateTimeStyles.None, out var end))
        {
            error = $"window '{window}' is not a daily window: write it as HH:mm-HH:mm, e.g. \"01:00-06:00\"";
            return null;
        }

        if (start == end)
        {
            error = $"window '{window}' is empty: its start and end are the same time";
            return null;
        }

        if (!TimeZoneInfo.TryFindSystemTimeZoneById(timezone ?? "UTC", out var zone))
        {
            error = $"timezone '{timezone}' is not a known time zone: use an IANA id such as Europe/Berlin or UTC";
            return null;
        }

        return new DeployWindow(start, end, zone);
    }

    /// <summary>True when <paramref name="now"/> falls inside the window, on the window's own wall clock.</summary>
    public bool Contains(DateTimeOffset now)
    {
        var time = TimeOnly.FromDateTime(TimeZoneInfo.ConvertTime(now, Zone).DateTime);
        return Start < End ? time >= Start && time < End : time >= Start || time < End;
    }

    /// <summary>When the window next opens after <paramref name="now"/> and when that opening closes.</summary>
    public (DateTimeOffset Opens, DateTimeOffset Closes) Next(DateTimeOffset now)
    {
        var today = DateOnly.FromDateTime(TimeZoneInfo.ConvertTime(now, Zone).DateTime);
        // A window wholly inside an hour a daylight-saving jump skips does not open that day: the next day's does.
        var opens = Enumerable.Range(-1, 4).Select(d => At(today.AddDays(d), Start)).Where(t => t > now && Contains(t)).Min();
        return (opens, ClosesAfter(opens));
    }

    /// <summary>When the opening that contains (or starts at) <paramref name="at"/> closes.</summary>
    public DateTimeOffset ClosesAfter(DateTimeOffset at)
    {
        var today = DateOnly.FromDateTime(TimeZoneInfo.ConvertTime(at, Zone).DateTime);
        return Enumerable.Range(0, 3).Select(d => At(today.AddDays(d), End)).Where(t => t > at).Min();
    }

    /// <summary>In words, for <c>plan</c>, <c>status</c> and refusals: open now until when, or when it next opens.</summary>
    public string Describe(DateTimeOffset now)
    {
        if (Contains(now))
        {
            return $"{this}: open now, until {Local(ClosesAfter(now))}";
        }

        var (opens, closes) = Next(now);
        return $"{this}: closed now; next opens {Local(opens)} until {Local(closes)}";
    }

    private string Local(DateTimeOffset at) =>
        $"{TimeZoneInfo.ConvertTime(at, Zone):yyyy-MM-dd HH:mm} ({at.UtcDateTime:yyyy-MM-dd HH:mm}Z)";

    // A wall-clock time a daylight-saving jump skips is taken as the jump itself: the first minute the clock shows
    // after it (02:54 on a night the clock goes from 02:00 to 03:00 is 03:00).
    private DateTimeOffset At(DateOnly day, TimeOnly time)
    {
        var local = day.ToDateTime(time);
        while (Zone.IsInvalidTime(local))
        {
            local = local.AddMinutes(1);
        }

        return new DateTimeOffset(local, Zone.GetUtcOffset(local));
    }
}
