namespace Rewind.Core.Code;

/// <summary>Switches one code slot between immutable artifact versions.</summary>
public interface ICodeDeployer
{
    /// <summary>The version the slot runs now, or null when it cannot tell.</summary>
    Task<string?> CurrentVersionAsync(CancellationToken cancellationToken = default);

    /// <summary>
    /// Makes <paramref name="version"/> current. <paramref name="artifact"/> is a file in the artifact store (a zip
    /// for the directory deployer) or an external reference (an image); null when only the version is known.
    /// Switching to the version already current does nothing, so a re-run never does a step twice.
    /// </summary>
    Task SwitchAsync(string version, string? artifact, string? sha256, CancellationToken cancellationToken = default);
}
