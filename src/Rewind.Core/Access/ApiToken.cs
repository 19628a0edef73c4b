using System.Text.RegularExpressions;

namespace Rewind.Core.Access;

/// <summary>
/// An API token for <c>rewind serve</c> as the control plane keeps it: its name (the identity that lands in the
/// audit), its role, and the SHA-256 of the secret. The secret itself is shown once at creation and never stored.
/// </summary>
public sealed partial record ApiToken(string Name, string Role, string Hash, DateTimeOffset CreatedAt, string CreatedBy)
{
    /// <summary>Validates a token name given at the edge: it is an identity in the audit, so plain and short.</summary>
    public static string ValidName(string name) =>
        NamePattern().IsMatch(name)
            ? name
            : throw new BadInputException($"token name '{name}' is not valid: use 1-100 letters, digits, '.', '_', '@' or '-' (it is the identity the audit shows)");

    [GeneratedRegex("^[A-Za-z0-9._@-]{1,100}$")]
    private static partial Regex NamePattern();
}
