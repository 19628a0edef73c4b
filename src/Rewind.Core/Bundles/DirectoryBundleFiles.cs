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

    public Stream Open(string path) => OpenRegularFile(Path.Combine(_root, path), path);

    /// <summary>
    /// Opens <paramref name="full"/> for reading only if it is a regular file, not a link, pipe or device, and the
    /// file opened is the one that was looked at (a link swapped in between is caught by its inode).
    /// </summary>
    internal static Stream OpenRegularFile(string full, string path)
    {
        if (OperatingSystem.IsWindows())
        {
            return new FileStream(full, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 16, FileOptions.SequentialScan);
        }

        var named = UnixFileIdentity.OfPath(full);
        if (named is { IsRegular: false } link && link.IsLink)
        {
            throw new BundleInvalidException(path, 0, "is a symbolic link; a bundle may hold only regular files and folders");
        }

        if (named is { IsRegular: false })
        {
            throw new BundleInvalidException(path, 0, "is a pipe or a device; a bundle may hold only regular files and folders");
        }

        // A named pipe would block an ordinary open until some writer appears: open without blocking, then
        // check that what was opened is the regular file looked at above.
        var descriptor = OpenFile(full, ReadOnlyNonBlocking | CloseOnExec);
        if (descriptor < 0)
        {
            throw new BundleInvalidException(path, 0, $"cannot be opened (errno {Marshal.GetLastPInvokeError()}): check it exists and is readable");
        }

        var handle = new SafeFileHandle(descriptor, ownsHandle: true);
        FileStream stream;
        try
        {
            var opened = UnixFileIdentity.OfDescriptor(descriptor);
            if (named is null || opened is null || !opened.Value.IsRegular || !opened.Value.SameFileAs(named.Value))
            {
                throw new BundleInvalidException(path, 0, "changed while it was being opened (it is now a link, pipe or device); a bundle may hold only regular files and folders");
            }

            stream = new FileStream(handle, FileAccess.Read, 1 << 16);
        }
        catch
        {
            handle.Dispose();
            throw;
        }

        return stream;
    }

    public void Dispose()
    {
    }

    [LibraryImport("libc", EntryPoint = "open", StringMarshalling = StringMarshalling.Utf8, SetLastError = true)]
    private static partial int OpenFile(string path, int flags);
}
