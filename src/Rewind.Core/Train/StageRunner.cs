namespace Rewind.Core.Train;

/// <summary>
/// Runs the targets of one stage at most <c>parallel</c> at a time (<c>groups.G.parallel</c>), each its own
/// operation with its own lock and journal. Once one result says stop, no new target starts; those in flight
/// finish. With <c>parallel: 1</c> it is the plain loop: one target after the other, stopping at the first failure.
/// </summary>
internal static class StageRunner
{
    /// <summary>The results, in the stage's order, of the targets that ran (a stop leaves the rest out).</summary>
    public static async Task<IReadOnlyList<T>> RunAsync<T>(IReadOnlyList<string> targets, int parallel, Func<string, Task<T>> run, Func<T, bool> stops, CancellationToken cancellationToken)
        where T : class
    {
        var results = new T?[targets.Count];
        var stopped = 0;
        using var slots = new SemaphoreSlim(Math.Max(1, parallel));
        var running = new List<Task>();
        OperationCanceledException? cancelled = null;
        for (var i = 0; i < targets.Count; i++)
        {
            try
            {
                await slots.WaitAsync(cancellationToken);
            }
            catch (OperationCanceledException e)
            {
                // Never leave an operation running unobserved: those in flight finish before the stage reports.
                cancelled = e;
                break;
            }

            if (Volatile.Read(ref stopped) == 1)
            {
                slots.Release();
                break;
            }

            var index = i;

            // On a thread of its own: SQLite's driver completes its "async" calls synchronously, and the next
            // target must be able to start while this one runs.
            running.Add(Task.Run(async () =>
            {
                try
                {
                    var result = await run(targets[index]);
                    results[index] = result;
                    if (stops(result))
                    {
                        Volatile.Write(ref stopped, 1);
                    }
                }
                catch
                {
                    Volatile.Write(ref stopped, 1);
                    throw;
                }
                finally
                {
                    slots.Release();
                }
            }, CancellationToken.None));
        }

        await Task.WhenAll(running);
        if (cancelled is not null)
        {
            throw cancelled;
        }

        return results.Where(r => r is not null).ToList()!;
    }
}
