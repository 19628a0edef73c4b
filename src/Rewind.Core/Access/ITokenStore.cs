namespace Rewind.Core.Access;

/// <summary>The API tokens in the control-plane store; several server instances sharing the store see the same tokens.</summary>
public interface ITokenStore
{
    /// <summary>Stores a new token; throws <see cref="BadInputException"/> when a token of that name exists.</summary>
    Task CreateAsync(ApiToken token, CancellationToken cancellationToken = default);

    /// <summary>The token whose secret hashes to <paramref name="hash"/>, or null.</summary>
    Task<ApiToken?> FindByHashAsync(string hash, CancellationToken cancellationToken = default);

    /// <summary>Every token, by name (hashes included; callers never show them).</summary>
    Task<IReadOnlyList<ApiToken>> ListAsync(CancellationToken cancellationToken = default);

    /// <summary>Removes a token; false when there was none of that name.</summary>
    Task<bool> RevokeAsync(string name, CancellationToken cancellationToken = default);
}
