using System.Collections.Concurrent;
using Microsoft.Extensions.Time.Testing;

namespace Rewind.Tests.Support;

/// <summary>
/// A fake clock that also says when code starts waiting on it: a test awaits <see cref="WaitingAsync"/> (a barrier:
/// the soak or the heartbeat has begun) and then advances the clock, instead of sleeping and hoping the code got there.
/// </summary>
public sealed class WatchedClock() : FakeTimeProvider(new DateTimeOffset(2026, 3, 2, 9, 0, 0, TimeSpan.Zero))
{
    private readonly ConcurrentDictionary<TimeSpan, SemaphoreSlim> _started = new();

    /// <summary>
    /// Completes once a timer (a <c>Task.Delay</c>, a periodic timer) is set to <paramref name="due"/> on this clock,
    /// one completion per timer set; throws if none is set within a minute of real time (the code never got there).
    /// </summary>
    public async Task WaitingAsync(TimeSpan due)
    {
        if (!await Started(due).WaitAsync(TimeSpan.FromMinutes(1)))
        {
            throw new TimeoutException($"nothing started waiting {due} on the clock");
        }
    }

    public override ITimer CreateTimer(TimerCallback callback, object? state, TimeSpan dueTime, TimeSpan period)
    {
        var timer = base.CreateTimer(callback, state, dueTime, period);
        Started(dueTime == Timeout.InfiniteTimeSpan ? period : dueTime).Release();
        return timer;
    }

    private SemaphoreSlim Started(TimeSpan due) => _started.GetOrAdd(due, _ => new SemaphoreSlim(0));
}
