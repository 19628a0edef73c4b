using System.Runtime.InteropServices;
using Microsoft.Win32.SafeHandles;

namespace Rewind.Core.Bundles;

/// <summary>
/// A bundle directory. Links are refused (they could point anywhere), so are pipes and devices (reading one
/// could block forever or never end), and the files together must stay within the limits a zip would.
/// </summary>
internal sealed partial class DirectoryBundleFiles : IBundleFiles
{
    private const int ReadOnlyNonBlocking = 0x800; // O_RDONLY | O_NONBLOCK (Linux, every architecture .NET runs on)
    private const int CloseOnExec = 0x80000; // O_CLOEXEC

    private readonly string _root;

    public DirectoryBundleFiles(string root, BundleLimits limits)
    {
        _root = Path.GetFullPath(root);
        var paths = new List<string>();
        long total = 0;
        foreach (var entry in new DirectoryInfo(_root).EnumerateFileSystemInfos("*", SearchOption.AllDirectories))
        {
            var relative = Path.GetRelativePath(_root, entry.FullName).Replace(Path.DirectorySeparatorChar, '/');
            if (entry.LinkTarget is not null)
            {
                throw new BundleInvalidException(relative, 0, "is a symbolic link; a bundle may hold only regular files and folders");
            }

            if (entry is FileInfo file)
            {
                paths.Add(relative);
                total += file.Length;
                if (total > limits.MaxUnpackedBytes)
                {
                    throw new BundleInvalidException(Origin, 0, $"holds more than {limits.MaxUnpackedBytes} bytes (limit maxUnpackedBytes)");
                }
            }

            if (paths.Count > limits.MaxEntries)
            {
                throw new BundleInvalidException(Origin, 0, $"holds more than {limits.MaxEntries} files (limit maxEntries)");
            }
        }

        paths.Sort(StringComparer.Ordinal);
        Paths = paths;
    }

    public string Origin => _root;

    public IReadOnlyList<string> Paths { get; }

    public Stream Open(string path)
    {
        var full = Path.Combine(_root, path);
        if (OperatingSystem.IsWindows())
        {
            return new FileStream(full, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 16, FileOptions.SequentialScan);
        }

        // A named pipe would block an ordinary open until some writer appears: open without blocking, then
        // refuse anything that is not a regular file (a pipe or a device cannot seek).
        var descriptor = OpenFile(full, ReadOnlyNonBlocking | CloseOnExec);
        if (descriptor < 0)
        {
            throw new BundleInvalidException(path, 0, $"cannot be opened (errno {Marshal.GetLastPInvokeError()}): check it exists and is readable");
        }

        var handle = new SafeFileHandle(descriptor, ownsHandle: true);
        FileStream stream;
        try
        {
            stream = new FileStream(handle, FileAccess.Read, 1 << 16);
        }
        catch
        {
            handle.Dispose();
            throw;
        }

        if (!stream.CanSeek)
        {
            stream.Dispose();
            throw new BundleInvalidException(path, 0, "is a pipe or a device; a bundle may hold only regular files and folders");
        }

        return stream;
    }

    public void Dispose()
    {
    }

    [LibraryImport("libc", EntryPoint = "open", StringMarshalling = StringMarshalling.Utf8, SetLastError = true)]
    private static partial int OpenFile(string path, int flags);
}
