using Rewind.Core.Configuration;

namespace Rewind.Core.Code;

/// <summary>Builds the deployer a slot's configuration names.</summary>
public static class CodeDeployers
{
    /// <summary>The deployer of <paramref name="slot"/>; a directory deployer unpacks within <paramref name="limits"/> (the defaults if none).</summary>
    public static ICodeDeployer For(CodeSlotConfig slot, string baseDirectory, Bundles.BundleLimits? limits = null) => slot.Deployer switch
    {
        "directory" => new DirectoryDeployer(Path.GetFullPath(Path.Combine(baseDirectory, slot.Root!)), limits ?? Bundles.BundleLimits.Default),
        "command" => new CommandDeployer(slot, baseDirectory),
        _ => throw new BadInputException($"slot {slot.Name}: unknown deployer '{slot.Deployer}' (use directory or command)"),
    };
}
