namespace Rewind.Core.Code;

/// <summary>Builds the deployer a slot's configuration names.</summary>
public static class CodeDeployers
{
    public static ICodeDeployer For(CodeSlotConfig slot, string baseDirectory) => slot.Deployer switch
    {
        "directory" => new DirectoryDeployer(Path.GetFullPath(Path.Combine(baseDirectory, slot.Root!))),
        "command" => new CommandDeployer(slot, baseDirectory),
        _ => throw new BadInputException($"slot {slot.Name}: unknown deployer '{slot.Deployer}' (use directory or command)"),
    };
}
