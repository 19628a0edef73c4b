namespace Rewind.Core.Access;

/// <summary>
/// Whether a caller holds a role. The engine asks it at the start of every operation that changes something;
/// the default reads <c>roles:</c> of rewind.yaml (<see cref="Configuration.RewindConfig.HasRole"/>).
/// </summary>
public interface IAuthorizer
{
    bool Holds(string who, string role);
}
