using System.Buffers;
using System.Runtime.CompilerServices;

namespace Rewind.Core.Bundles;

/// <summary>
/// Reads a stream as lines of UTF-8 bytes without decoding it to strings, so a bundle of a million
/// records is streamed with a buffer the size of its longest line. Blank lines are skipped but counted.
/// With <c>copy: false</c> a line is a window into the read buffer, valid only until the next line is asked
/// for: what the validation pass and the record parser (which copies what it keeps) need, without an array per line.
/// </summary>
internal static class NdjsonLines
{
    public static async IAsyncEnumerable<(ReadOnlyMemory<byte> Line, long Number)> ReadAsync(
        Stream stream, string file, int maxLineBytes, [EnumeratorCancellation] CancellationToken cancellationToken = default, bool copy = true)
    {
        var buffer = ArrayPool<byte>.Shared.Rent(1 << 16);
        try
        {
            int start = 0, end = 0;
            long number = 0;
            var eof = false;
            while (true)
            {
                var newline = Array.IndexOf(buffer, (byte)'\n', start, end - start);
                if (newline < 0 && !eof)
                {
                    if (end - start > maxLineBytes)
                    {
                        throw new BundleInvalidException(file, number + 1, $"the line is longer than {maxLineBytes} bytes (maxLineBytes)");
                    }

                    if (start > 0)
                    {
                        Buffer.BlockCopy(buffer, start, buffer, 0, end - start);
                        end -= start;
                        start = 0;
                    }

                    if (end == buffer.Length)
                    {
                        var bigger = ArrayPool<byte>.Shared.Rent(buffer.Length * 2);
                        Buffer.BlockCopy(buffer, 0, bigger, 0, end);
                        ArrayPool<byte>.Shared.Return(buffer);
                        buffer = bigger;
                    }

                    var read = await stream.ReadAsync(buffer.AsMemory(end), cancellationToken);
                    if (read == 0)
                    {
                        eof = true;
                    }

                    end += read;
                    continue;
                }

                var lineEnd = newline < 0 ? end : newline;
                if (lineEnd == start && newline < 0)
                {
                    yield break;
                }

                number++;
                var length = lineEnd - start;
                if (length > 0 && buffer[lineEnd - 1] == (byte)'\r')
                {
                    length--;
                }

                if (length > maxLineBytes)
                {
                    throw new BundleInvalidException(file, number, $"the line is longer than {maxLineBytes} bytes (maxLineBytes)");
                }

                if (!IsBlank(buffer.AsSpan(start, length)))
                {
                    // A consumer that keeps the line (a data row is staged from it) gets its own copy.
                    yield return (copy ? buffer.AsSpan(start, length).ToArray() : buffer.AsMemory(start, length), number);
                }

                start = newline < 0 ? end : newline + 1;
            }
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    private static bool IsBlank(ReadOnlySpan<byte> line)
    {
        foreach (var b in line)
        {
            if (b is not ((byte)' ' or (byte)'\t'))
            {
                return false;
            }
        }

        return true;
    }
}
