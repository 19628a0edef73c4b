using System.Buffers;
using System.IO.Compression;
using System.Threading.Channels;

namespace Rewind.Core.Artifacts;

/// <summary>
/// Writes a stored file compressed. What is written is queued (a few buffers, bounded) and compressed on a task of
/// its own, so the deploy that writes an inverse (or validates a bundle) does not also pay for its compression on
/// its own thread. A flush says the content is all written; disposing the stream then finishes the compressed data
/// and puts the file on disk (fsync), and a failure anywhere in that (a full disk) is the writer's error. A bundle
/// is renamed into the store only after every one of its files was completed so, and the store never holds a file
/// cut short. Disposed without a flush, the file is abandoned (its operation failed and its folder is deleted): it
/// is closed without an fsync, and a disk that fails while closing it does not hide the first error.
/// </summary>
internal sealed class CompressedFileWriteStream : Stream
{
    private readonly Stream _file;
    private readonly GZipStream _compressor;
    private readonly Channel<(byte[] Bytes, int Length)> _queue =
        Channel.CreateBounded<(byte[] Bytes, int Length)>(new BoundedChannelOptions(4) { SingleReader = true, SingleWriter = true });

    private readonly Task _compressing;
    private bool _disposed;
    private bool _complete;

    public CompressedFileWriteStream(Stream file)
    {
        _file = file;
        _compressor = new GZipStream(file, CompressionLevel.Fastest, leaveOpen: true);
        _compressing = Task.Run(CompressAsync);
    }

    public override bool CanRead => false;

    public override bool CanSeek => false;

    public override bool CanWrite => true;

    public override long Length => throw new NotSupportedException();

    public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }

    public override void Write(byte[] buffer, int offset, int count) => Write(buffer.AsSpan(offset, count));

    public override void Write(ReadOnlySpan<byte> buffer) => EnqueueAsync(Copy(buffer), buffer.Length, CancellationToken.None).AsTask().GetAwaiter().GetResult();

    public override ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default) =>
        EnqueueAsync(Copy(buffer.Span), buffer.Length, cancellationToken);

    public override Task WriteAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        WriteAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

    /// <summary>Marks the content complete (see the class); nothing is written yet, since a flush in the middle of compressed data costs size.</summary>
    public override void Flush() => _complete = true;

    public override Task FlushAsync(CancellationToken cancellationToken)
    {
        _complete = true;
        return Task.CompletedTask;
    }

    public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();

    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

    public override void SetLength(long value) => throw new NotSupportedException();

    public override async ValueTask DisposeAsync()
    {
        if (_disposed)
        {
            return;
        }

        _disposed = true;
        _queue.Writer.TryComplete();
        try
        {
            if (!_complete)
            {
                await AbandonAsync();
            }
            else
            {
                await _compressing;
                await _compressor.DisposeAsync();
                if (_file is FileStream onDisk)
                {
                    // On a thread of its own: a bundle's files are completed together, and their fsyncs then overlap.
                    await Task.Run(() => onDisk.Flush(flushToDisk: true));
                }
            }
        }
        finally
        {
            await _file.DisposeAsync();
            await base.DisposeAsync();
        }
    }

    protected override void Dispose(bool disposing)
    {
        if (disposing && !_disposed)
        {
            _disposed = true;
            _queue.Writer.TryComplete();
            try
            {
                if (!_complete)
                {
                    AbandonAsync().GetAwaiter().GetResult();
                }
                else
                {
                    _compressing.GetAwaiter().GetResult();
                    _compressor.Dispose();
                    (_file as FileStream)?.Flush(flushToDisk: true);
                }
            }
            finally
            {
                _file.Dispose();
            }
        }

        base.Dispose(disposing);
    }

    private static byte[] Copy(ReadOnlySpan<byte> buffer)
    {
        var bytes = ArrayPool<byte>.Shared.Rent(buffer.Length);
        buffer.CopyTo(bytes);
        return bytes;
    }

    private async ValueTask EnqueueAsync(byte[] bytes, int length, CancellationToken cancellationToken)
    {
        try
        {
            await _queue.Writer.WriteAsync((bytes, length), cancellationToken);
        }
        catch (Exception e) when (e is ChannelClosedException or OperationCanceledException)
        {
            ArrayPool<byte>.Shared.Return(bytes);
            if (e is ChannelClosedException)
            {
                // The compressor stopped: its own error (the disk's, say) is the one to report.
                await _compressing;
                throw new ObjectDisposedException(nameof(CompressedFileWriteStream));
            }

            throw;
        }
    }

    private async Task CompressAsync()
    {
        try
        {
            await foreach (var (bytes, length) in _queue.Reader.ReadAllAsync())
            {
                try
                {
                    _compressor.Write(bytes, 0, length);
                }
                finally
                {
                    ArrayPool<byte>.Shared.Return(bytes);
                }
            }
        }
        catch (Exception e)
        {
            _queue.Writer.TryComplete(e);
            while (_queue.Reader.TryRead(out var left))
            {
                ArrayPool<byte>.Shared.Return(left.Bytes);
            }

            throw;
        }
    }

    private async Task AbandonAsync()
    {
        try
        {
            await _compressing;
            _compressor.Dispose();
        }
        catch (Exception e) when (e is IOException or ObjectDisposedException)
        {
            // The file is thrown away, and the error that stopped it was already the writer's.
        }
    }
}
