using System.Runtime.CompilerServices;
using System.Threading.Channels;

namespace Rewind.Core.Bundles;

/// <summary>
/// Reads a stream of parsed lines ahead of its consumer, on a thread of its own, through a bounded buffer: the
/// consumer (a database applying records one statement at a time) and the parsing (UTF-8 and JSON checks of
/// every line) then use two cores instead of taking turns on one. Items cross in batches, so the two threads
/// hand over once per batch, not once per item. Order is kept; an error while reading reaches the consumer as
/// itself, after the items before it.
/// </summary>
public static class ReadAhead
{
    public static async IAsyncEnumerable<T> Of<T>(IAsyncEnumerable<T> source, int batch = 256, int batches = 4, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        var buffer = Channel.CreateBounded<List<T>>(new BoundedChannelOptions(batches) { SingleReader = true, SingleWriter = true });
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var reader = Task.Run(async () =>
        {
            var items = new List<T>(batch);
            try
            {
                await foreach (var item in source.WithCancellation(stop.Token))
                {
                    items.Add(item);
                    if (items.Count == batch)
                    {
                        await buffer.Writer.WriteAsync(items, stop.Token);
                        items = new List<T>(batch);
                    }
                }

                if (items.Count > 0)
                {
                    await buffer.Writer.WriteAsync(items, stop.Token);
                }

                buffer.Writer.Complete();
            }
            catch (Exception e)
            {
                // The items read before the error are delivered first, unless the consumer is gone.
                if (items.Count > 0 && !stop.IsCancellationRequested)
                {
                    try
                    {
                        await buffer.Writer.WriteAsync(items, stop.Token);
                    }
                    catch (OperationCanceledException)
                    {
                    }
                }

                buffer.Writer.TryComplete(e);
            }
        }, CancellationToken.None);

        try
        {
            // WaitToReadAsync rethrows the reader's error once the batches before it are consumed.
            while (await buffer.Reader.WaitToReadAsync(cancellationToken))
            {
                while (buffer.Reader.TryRead(out var items))
                {
                    foreach (var item in items)
                    {
                        yield return item;
                    }
                }
            }
        }
        finally
        {
            // The consumer stopped early (an error, or it had enough): stop the reader and wait for it, so no
            // file stays open behind the caller's back.
            await stop.CancelAsync();
            await reader;
        }
    }
}
