using Rewind.Core.Configuration;

namespace Rewind.Core.Targets;

/// <summary>Opens a target's store from its configured database string; the composition root picks the adapter.</summary>
public interface ITargetStoreFactory
{
    ITargetStore Open(TargetConfig target);
}
