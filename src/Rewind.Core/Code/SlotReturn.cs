using Rewind.Core.Configuration;

namespace Rewind.Core.Code;

/// <summary>
/// Whether a rollback could put a slot back on the version it runs before a release. A directory slot returns to
/// <c>root/releases/&lt;version&gt;</c>, or unpacks the stored artifact of that version; with neither, the rollback
/// would fail and freeze the target, so the release is refused before it deploys (unless accepted as irreversible).
/// A command slot's deployer is trusted to reach any version it is given.
/// </summary>
public static class SlotReturn
{
    /// <summary>Why a rollback could not return <paramref name="slot"/> to <paramref name="version"/>; null when it could (or the version is unknown, said elsewhere).</summary>
    public static string? Problem(CodeSlotConfig slot, string baseDirectory, string? version, string? storedArtifact)
    {
        if (version is null || slot is not DirectorySlot directory)
        {
            return null;
        }

        var release = Path.Combine(Path.GetFullPath(Path.Combine(baseDirectory, directory.Root)), "releases", version);
        if (Directory.Exists(release) || (storedArtifact is not null && File.Exists(storedArtifact)))
        {
            return null;
        }

        return $"slot {slot.Name} runs {version}, but {release} does not exist and no stored artifact of {version} is known, so a rollback could not return it there";
    }
}
