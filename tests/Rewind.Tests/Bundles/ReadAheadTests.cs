using System.Runtime.CompilerServices;
using CsCheck;
using Rewind.Core.Bundles;

namespace Rewind.Tests.Bundles;

/// <summary>The read-ahead buffer between a bundle's parsing and the database: same items, same order, same errors.</summary>
public sealed class ReadAheadTests
{
    [Fact]
    public async Task Property_read_ahead_yields_the_source_in_order_and_an_error_after_exactly_the_items_before_it()
    {
        await Gen.Select(Gen.Int.Array[0, 3000], Gen.Int[1, 300], Gen.Int[-1, 3000]).SampleAsync(async (items, batch, failAt) =>
        {
            var seen = new List<int>();
            var failed = false;
            try
            {
                await foreach (var item in ReadAhead.Of(Source(items, failAt), batch))
                {
                    seen.Add(item);
                }
            }
            catch (InvalidDataException e)
            {
                failed = true;
                Assert.Equal($"line {failAt}", e.Message);
            }

            var fails = failAt >= 0 && failAt < items.Length;
            Assert.Equal(fails, failed);
            Assert.Equal(fails ? items[..failAt] : items, seen);
        }, iter: 200);
    }

    [Fact]
    public async Task A_consumer_that_stops_early_stops_the_reader_and_its_cleanup_has_run_when_it_returns()
    {
        var closed = new TaskCompletionSource();
        await foreach (var item in ReadAhead.Of(Endless(closed), batch: 4))
        {
            if (item == 10)
            {
                break;
            }
        }

        Assert.True(closed.Task.IsCompleted);
    }

    private static async IAsyncEnumerable<int> Source(int[] items, int failAt)
    {
        for (var i = 0; i < items.Length; i++)
        {
            if (i == failAt)
            {
                throw new InvalidDataException($"line {i}");
            }

            if (i % 97 == 0)
            {
                await Task.Yield();
            }

            yield return items[i];
        }
    }

    private static async IAsyncEnumerable<int> Endless(TaskCompletionSource closed, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        try
        {
            for (var i = 0; ; i++)
            {
                cancellationToken.ThrowIfCancellationRequested();
                await Task.Yield();
                yield return i;
            }
        }
        finally
        {
            closed.SetResult();
        }
    }
}
