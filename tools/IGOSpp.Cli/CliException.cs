namespace IGOSpp.Cli;

/// <summary>A user-facing failure: the message goes to stderr and the process exits with <see cref="ExitCode"/>.</summary>
internal sealed class CliException : Exception
{
    public CliException(int exitCode, string message, Exception? inner = null) : base(message, inner) => ExitCode = exitCode;

    public CliException() : this(ExitCodes.InternalError, "igospp failed.")
    {
    }

    public CliException(string message) : this(ExitCodes.InternalError, message)
    {
    }

    public CliException(string message, Exception innerException) : this(ExitCodes.InternalError, message, innerException)
    {
    }

    /// <summary>One of <see cref="ExitCodes"/>.</summary>
    public int ExitCode { get; }
}
