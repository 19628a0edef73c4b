using System.IO.Compression;

namespace Rewind.Core.Bundles;

/// <summary>
/// A zipped bundle. Entries are checked before anything is read: no absolute paths, no <c>..</c>, no links
/// or devices, and bounds on count, unpacked size and compression ratio (zip bombs). The declared sizes are
/// enforced again while reading (<see cref="ZipEntryReadStream"/>), because a zip may lie about them.
/// </summary>
internal sealed class ZipBundleFiles : IBundleFiles
{
    private const int UnixFileTypeMask = 0xF000;
    private const int UnixRegularFile = 0x8000;
    private const int UnixDirectory = 0x4000;

    private readonly ZipArchive _zip;
    private readonly Dictionary<string, ZipArchiveEntry> _entries = new(StringComparer.Ordinal);
    private readonly string _prefix;

    public ZipBundleFiles(string path, BundleLimits limits)
        : this(new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 16), path, limits)
    {
    }

    /// <summary>Reads a zip from a seekable stream (owned and disposed by this instance); <paramref name="origin"/> names it in messages.</summary>
    public ZipBundleFiles(Stream zip, string origin, BundleLimits limits)
    {
        Origin = origin;
        var path = origin;
        try
        {
            _zip = new ZipArchive(zip, ZipArchiveMode.Read, leaveOpen: false);
        }
        catch (Exception e) when (e is InvalidDataException or IOException or NotSupportedException or ArgumentException)
        {
            zip.Dispose();
            throw new BundleInvalidException(path, 0, $"is not a readable zip file ({e.Message})");
        }

        try
        {
            IReadOnlyCollection<ZipArchiveEntry> entries;
            try
            {
                entries = _zip.Entries;
            }
            catch (Exception e) when (e is InvalidDataException or IOException or NotSupportedException or ArgumentException)
            {
                throw new BundleInvalidException(path, 0, $"is not a readable zip file: its central directory is corrupt ({e.Message})");
            }

            if (entries.Count > limits.MaxEntries)
            {
                throw new BundleInvalidException(path, 0, $"holds {entries.Count} entries, more than the limit of {limits.MaxEntries} (maxEntries)");
            }

            long total = 0;
            foreach (var entry in entries)
            {
                var name = entry.FullName;
                CheckEntryName(path, name);
                var unixType = (entry.ExternalAttributes >> 16) & UnixFileTypeMask;
                var isDirectory = name.EndsWith('/');
                if (unixType != 0 && unixType != UnixRegularFile && !(isDirectory && unixType == UnixDirectory))
                {
                    throw new BundleInvalidException(name, 0, "is a link or a device; a bundle may hold only regular files and folders");
                }

                if (isDirectory)
                {
                    continue;
                }

                if (entry.Length < 0 || entry.CompressedLength < 0)
                {
                    throw new BundleInvalidException(name, 0, "declares a negative size in the zip: the zip is corrupt");
                }

                total += entry.Length;
                if (total > limits.MaxUnpackedBytes)
                {
                    throw new BundleInvalidException(path, 0, $"unpacks to more than {limits.MaxUnpackedBytes} bytes (maxUnpackedBytes)");
                }

                // Every entry, whatever its size: many entries just under a size threshold make a bomb as well as one big one.
                if (entry.Length > 0 && (entry.CompressedLength == 0 || entry.Length / (double)entry.CompressedLength > limits.MaxCompressionRatio))
                {
                    throw new BundleInvalidException(name, 0, $"compresses {entry.Length / Math.Max(1, entry.CompressedLength)}:1, past the limit of {limits.MaxCompressionRatio}:1 (a zip bomb?)");
                }

                if (!_entries.TryAdd(name, entry))
                {
                    throw new BundleInvalidException(name, 0, "appears twice in the zip");
                }
            }

            // A zip made by zipping the bundle's folder has every path under one top folder: accept that too.
            _prefix = CommonTopFolder(_entries.Keys);
            Paths = _entries.Keys.Select(k => k[_prefix.Length..]).Order(StringComparer.Ordinal).ToList();
        }
        catch
        {
            _zip.Dispose();
            throw;
        }
    }

    public string Origin { get; }

    public IReadOnlyList<string> Paths { get; }

    /// <summary>Opens an entry; its declared size is enforced while reading, and corrupt data is reported as a bundle error.</summary>
    public Stream Open(string path)
    {
        var entry = _entries[_prefix + path];
        try
        {
            return new ZipEntryReadStream(entry.Open(), path, entry.Length, entry.Crc32);
        }
        catch (Exception e) when (e is InvalidDataException or IOException or NotSupportedException)
        {
            throw new BundleInvalidException(path, 0, $"cannot be read from the zip ({e.Message}): the zip is corrupt or uses an unsupported compression method");
        }
    }

    /// <summary>The permission bits the zip records for a file (read, write, execute; never set-id), if any.</summary>
    public UnixFileMode? PermissionsOf(string path)
    {
        var bits = (_entries[_prefix + path].ExternalAttributes >> 16) & 0x1FF;
        return bits == 0 ? null : (UnixFileMode)bits;
    }

    public void Dispose() => _zip.Dispose();

    private static void CheckEntryName(string zip, string name)
    {
        if (name.Length == 0 || name.StartsWith('/') || name.StartsWith('\\') || name.Contains('\\') || (name.Length > 1 && name[1] == ':'))
        {
            throw new BundleInvalidException(zip, 0, $"entry '{name}' has an absolute or non-portable path");
        }

        if (name.Split('/').Any(part => part is ".." or "."))
        {
            throw new BundleInvalidException(zip, 0, $"entry '{name}' escapes its folder ('..' or '.' in the path)");
        }

        if (name.Any(char.IsControl))
        {
            throw new BundleInvalidException(zip, 0, "an entry name contains control characters");
        }
    }

    private static string CommonTopFolder(IEnumerable<string> names)
    {
        var list = names.ToList();
        if (list.Count == 0 || list.Contains("bundle.json"))
        {
            return "";
        }

        var first = list[0];
        var slash = first.IndexOf('/', StringComparison.Ordinal);
        if (slash < 0)
        {
            return "";
        }

        var top = first[..(slash + 1)];
        return list.All(n => n.StartsWith(top, StringComparison.Ordinal)) && list.Contains(top + "bundle.json") ? top : "";
    }
}
