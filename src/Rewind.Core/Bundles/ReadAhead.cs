using System.Runtime.CompilerServices;
using System.Threading.Channels;

namespace Rewind.Core.Bundles;

/// <summary>
/// Reads a stream of parsed lines ahead of its consumer, on a thread of its own, through a bounded buffer: the
/// consumer (a database applying records one statement at a time) and the parsing (UTF-8 and JSON checks of
/// every line) then use two cores instead of taking turns on one. Order is kept; an error while reading reaches
/// the consumer as itself, at the point in the stream where it happened.
/// </summary>
public static class ReadAhead
{
    public static async IAsyncEnumerable<T> Of<T>(IAsyncEnumerable<T> source, int capacity = 1024, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        var buffer = Channel.CreateBounded<T>(new BoundedChannelOptions(capacity) { SingleReader = true, SingleWriter = true });
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var reader = Task.Run(async () =>
        {
            try
            {
                await foreach (var item in source.WithCancellation(stop.Token))
                {
                    await buffer.Writer.WriteAsync(item, stop.Token);
                }

                buffer.Writer.Complete();
            }
            catch (Exception e)
            {
                buffer.Writer.TryComplete(e);
            }
        }, CancellationToken.None);

        try
        {
            // WaitToReadAsync rethrows the reader's error once the items before it are consumed.
            while (await buffer.Reader.WaitToReadAsync(cancellationToken))
            {
                while (buffer.Reader.TryRead(out var item))
                {
                    yield return item;
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
