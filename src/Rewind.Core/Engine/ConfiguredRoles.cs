using Rewind.Core.Access;
using Rewind.Core.Configuration;

namespace Rewind.Core.Engine;

/// <summary>The roles of rewind.yaml's <c>roles:</c> section: everyone holds every role when it is absent.</summary>
internal sealed class ConfiguredRoles(RewindConfig config) : IAuthorizer
{
    public bool Holds(string who, string role) => config.HasRole(who, role);
}
