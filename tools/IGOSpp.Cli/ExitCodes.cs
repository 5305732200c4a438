namespace IGOSpp.Cli;

/// <summary>The documented exit codes of <c>igospp</c> (docs/cli.md).</summary>
internal static class ExitCodes
{
    /// <summary>Every image was explained.</summary>
    public const int Success = 0;

    /// <summary>An unexpected error (a bug; the message and stack trace go to stderr).</summary>
    public const int InternalError = 1;

    /// <summary>The command line is wrong: an unknown option, a malformed or out-of-range value, no input.</summary>
    public const int Usage = 2;

    /// <summary>The model file is missing, corrupt, or not a model the loaders support.</summary>
    public const int Model = 3;

    /// <summary>The model and the settings do not fit: the preset's input shape, a class id outside the outputs, no
    /// image found, an output folder holding results of other settings.</summary>
    public const int Mismatch = 4;

    /// <summary>Some images could not be decoded; the others were explained and the report lists the failures.</summary>
    public const int ImageFailures = 5;

    /// <summary>The output folder cannot be created or written.</summary>
    public const int Output = 6;

    /// <summary>Cancelled (Ctrl+C): the finished images are kept and a re-run resumes after them (128 + SIGINT).</summary>
    public const int Cancelled = 130;
}
