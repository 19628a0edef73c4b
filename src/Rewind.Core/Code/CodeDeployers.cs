using Rewind.Core.Configuration;

namespace Rewind.Core.Code;

/// <summary>Builds the deployer a slot's configuration names.</summary>
public static class CodeDeployers
{
    /// <summary>The deployer of <paramref name="slot"/>; a directory deployer unpacks within <paramref name="limits"/> (the defaults if none).</summary>
    public static ICodeDeployer For(CodeSlotConfig slot, string baseDirectory, Bundles.BundleLimits? limits = null) => slot switch
    {
        DirectorySlot directory => new DirectoryDeployer(Path.GetFullPath(Path.Combine(baseDirectory, directory.Root)), limits ?? Bundles.BundleLimits.Default),
        CommandSlot command => new CommandDeployer(command, baseDirectory),
        _ => throw new ArgumentOutOfRangeException(nameof(slot), slot.GetType().Name, "slots are directory or command"),
    };
}
