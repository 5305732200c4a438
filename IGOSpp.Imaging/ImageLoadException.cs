namespace IGOSpp.Imaging;

/// <summary>
/// Thrown when an image file (or buffer) cannot be turned into a tensor: unrecognized or corrupt content, truncated
/// data, declared dimensions above <see cref="ImageLoadOptions.MaxPixels"/>, and so on. This is the only exception
/// type <see cref="ImageIO"/> throws for bad image <em>content</em>; see docs/robustness.md for the list of cases.
/// </summary>
public sealed class ImageLoadException : IOException
{
    /// <summary>Creates the exception.</summary>
    /// <param name="source">The file path, or a description of the buffer (e.g. "&lt;memory&gt;").</param>
    /// <param name="reason">Why the image could not be loaded, in a few words.</param>
    /// <param name="inner">The underlying exception, if any.</param>
    public ImageLoadException(string source, string reason, Exception? inner = null)
        : base($"Cannot load image '{source}': {reason}.", inner)
    {
        SourceName = source;
        Reason = reason;
    }

    /// <summary>Creates the exception with a generic message (for serializers and tooling).</summary>
    public ImageLoadException()
        : this("<unknown>", "unspecified error")
    {
    }

    /// <summary>Creates the exception with the given message.</summary>
    /// <param name="message">The message.</param>
    public ImageLoadException(string message)
        : this("<unknown>", message)
    {
    }

    /// <summary>Creates the exception with the given message and inner exception.</summary>
    /// <param name="message">The message.</param>
    /// <param name="innerException">The underlying exception.</param>
    public ImageLoadException(string message, Exception innerException)
        : this("<unknown>", message, innerException)
    {
    }

    /// <summary>The file path, or a description of the in-memory buffer, that failed to load.</summary>
    public string SourceName { get; }

    /// <summary>Why the image could not be loaded.</summary>
    public string Reason { get; }
}
