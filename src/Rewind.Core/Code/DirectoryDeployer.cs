using System.Runtime.InteropServices;
using Rewind.Core.Bundles;

namespace Rewind.Core.Code;

/// <summary>
/// Unpacks each version into <c>root/releases/&lt;version&gt;/</c> (once; release folders are never touched again)
/// and switches <c>root/current</c>, a symbolic link, atomically: a new link is written beside it and renamed
/// over the old one, so <c>current</c> always points at a complete release. Artifacts are unpacked within the
/// bundle <c>limits</c> (see <see cref="ZipArtifact"/>).
/// </summary>
public sealed partial class DirectoryDeployer(string root, BundleLimits limits) : ICodeDeployer
{
    private string Releases => Path.Combine(root, "releases");

    private string Current => Path.Combine(root, "current");

    public Task<string?> CurrentVersionAsync(CancellationToken cancellationToken = default)
    {
        var link = new FileInfo(Current);
        return Task.FromResult(link.LinkTarget is { } target ? Path.GetFileName(target.TrimEnd('/')) : null);
    }

    public async Task SwitchAsync(string version, string? artifact, string? sha256, CancellationToken cancellationToken = default)
    {
        if (await CurrentVersionAsync(cancellationToken) == version)
        {
            return;
        }

        var release = Path.Combine(Releases, version);
        if (!Directory.Exists(release))
        {
            if (artifact is null || !File.Exists(artifact))
            {
                throw new OperationFailedException($"release folder {release} is missing and no stored artifact for version {version} is available to unpack");
            }

            Directory.CreateDirectory(Releases);
            var unpacking = Path.Combine(Releases, $".unpacking-{version}-{Guid.NewGuid():N}");
            try
            {
                await ZipArtifact.ExtractAsync(artifact, unpacking, limits, cancellationToken);
                Directory.Move(unpacking, release);
            }
            catch (Exception e) when (e is InvalidDataException or IOException or BadInputException && !Directory.Exists(release))
            {
                throw new OperationFailedException($"could not unpack version {version} into {release}: {e.Message}", e);
            }
            finally
            {
                if (Directory.Exists(unpacking))
                {
                    Directory.Delete(unpacking, recursive: true);
                }
            }
        }

        var next = Path.Combine(root, $".current-{Guid.NewGuid():N}");
        File.CreateSymbolicLink(next, Path.Combine("releases", version));

        // rename(2) replaces the old link atomically; .NET's File.Move follows links and Directory.Move will not overwrite.
        if (Rename(next, Current) != 0)
        {
            var errno = Marshal.GetLastPInvokeError();
            File.Delete(next);
            throw new OperationFailedException($"could not switch {Current} to {version}: rename failed with errno {errno}");
        }
    }

    [LibraryImport("libc", EntryPoint = "rename", StringMarshalling = StringMarshalling.Utf8, SetLastError = true)]
    private static partial int Rename(string oldPath, string newPath);
}
