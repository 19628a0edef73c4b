namespace Rewind.Server.Access;

/// <summary>No token, or one the store does not know: answered 401. Not a <c>RewindException</c>: the CLI never sees it.</summary>
internal sealed class UnauthenticatedException(string message) : Exception(message);
