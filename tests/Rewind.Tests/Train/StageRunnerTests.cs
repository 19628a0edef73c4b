using CsCheck;
using Rewind.Core.Train;

namespace Rewind.Tests.Train;

/// <summary>The bounded runner behind <c>groups.G.parallel</c>: never more than N at once, and a stop starts nothing new.</summary>
public sealed class StageRunnerTests
{
    private sealed record Ran(string Target, bool Failed);

    [Fact]
    public async Task RunAsync_AnyStageAndParallelism_NeverExceedsParallelAndAStopStartsNoNewTarget()
    {
        // failAt < 0: nothing fails. Otherwise the target at failAt (among the first `parallel`) fails at once while
        // the others in flight wait for it: after its stop, no further target may start.
        await Gen.Select(Gen.Int[1, 20], Gen.Int[1, 6], Gen.Int[-1, 5]).SampleAsync(async (count, parallel, failAt) =>
        {
            var fails = failAt >= 0 && failAt < Math.Min(count, parallel);
            var targets = Enumerable.Range(0, count).Select(i => $"t{i}").ToList();
            var failed = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            var open = 0;
            var most = 0;
            var started = new List<string>();
            var results = await StageRunner.RunAsync(targets, parallel, async name =>
            {
                lock (started)
                {
                    started.Add(name);
                    most = Math.Max(most, ++open);
                }

                var failing = fails && name == $"t{failAt}";
                if (!failing)
                {
                    await (fails ? failed.Task : Task.Delay(1));
                }

                lock (started)
                {
                    open--;
                }

                return new Ran(name, failing);
            }, r =>
            {
                if (r.Failed)
                {
                    // Completed just after the runner records the stop (its slot is released after this returns).
                    _ = Task.Delay(20).ContinueWith(_ => failed.TrySetResult(), TaskScheduler.Default);
                }

                return r.Failed;
            }, CancellationToken.None);

            Assert.True(most <= parallel, $"{most} ran at once with parallel {parallel}");
            Assert.Equal(targets.Take(started.Count), results.Select(r => r.Target));
            Assert.Equal(fails ? Math.Min(count, parallel) : count, started.Count);
        }, iter: 40);
    }
}
