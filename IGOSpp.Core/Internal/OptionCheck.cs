namespace IGOSpp.Internal;

/// <summary>The shared rule of every options record: a bad setting is an <see cref="ArgumentOutOfRangeException"/>
/// whose parameter name is <c>options.Name</c>.</summary>
internal static class OptionCheck
{
    public static void Require(bool ok, string paramName, string name, object? value, string rule)
    {
        if (!ok) throw new ArgumentOutOfRangeException($"{paramName}.{name}", value, $"{name} {rule}; got {value}.");
    }

    public static void RequireNotNull(object? value, string paramName, string name)
    {
        if (value is null) throw new ArgumentNullException($"{paramName}.{name}", $"{name} must not be null.");
    }
}
