using IGOSpp.Metrics;
using SkiaSharp;

namespace IGOSpp.Imaging;

public static partial class SaliencyRenderer
{
    /// <summary>
    /// Draws the insertion and deletion curves on one chart: x is the fraction of mask cells inserted or deleted
    /// (0..1, the points are spread evenly), y is the class score in [0, 1]. The legend shows each curve's area
    /// under the curve.
    /// </summary>
    /// <param name="insertion">Insertion scores (at least 2 points, finite, in [0, 1]).</param>
    /// <param name="deletion">Deletion scores (at least 2 points, finite, in [0, 1]).</param>
    /// <param name="insertionAuc">AUC to print for insertion; <see langword="null"/> computes it with the trapezoidal rule on [0, 1].</param>
    /// <param name="deletionAuc">AUC to print for deletion; <see langword="null"/> computes it likewise.</param>
    /// <param name="options">Size and title; <see langword="null"/> means defaults.</param>
    /// <returns>An opaque chart bitmap. The caller owns it and must dispose it.</returns>
    /// <exception cref="ArgumentException">Fewer than 2 points, or values that are not finite or outside [0, 1].</exception>
    public static SKBitmap CurveChart(IReadOnlyList<double> insertion, IReadOnlyList<double> deletion, double? insertionAuc = null, double? deletionAuc = null, CurveChartOptions? options = null)
    {
        CheckCurve(insertion, nameof(insertion));
        CheckCurve(deletion, nameof(deletion));
        if (insertion.Count != deletion.Count)
        {
            throw new ArgumentException($"The curves have {insertion.Count} and {deletion.Count} points; they need the same number.", nameof(deletion));
        }

        var fractions = Enumerable.Range(0, insertion.Count).Select(i => (double)i / (insertion.Count - 1)).ToArray();
        return Chart(fractions, insertion, deletion, insertionAuc ?? InsertionDeletionResult.AreaUnderCurve(fractions, insertion),
            deletionAuc ?? InsertionDeletionResult.AreaUnderCurve(fractions, deletion), options ?? CurveChartOptions.Default, (0, 1));
    }

    /// <summary>
    /// Draws the insertion and deletion curves of a metric result at their true fractions of cells, with its AUCs. The
    /// y axis spans [0, 1], widened to the curves' range when the target's score leaves it (logits, regression).
    /// </summary>
    /// <param name="result">The metric's result for one map.</param>
    /// <param name="options">Size and title; <see langword="null"/> means defaults.</param>
    /// <returns>An opaque chart bitmap. The caller owns it and must dispose it.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="result"/> is null.</exception>
    /// <exception cref="ArgumentException">A curve with fewer than 2 points or a value that is not finite.</exception>
    public static SKBitmap CurveChart(InsertionDeletionResult result, CurveChartOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(result);
        CheckCurve(result.InsertionCurve, nameof(result), unit: false);
        CheckCurve(result.DeletionCurve, nameof(result), unit: false);
        var all = result.InsertionCurve.Concat(result.DeletionCurve).ToArray();
        return Chart(result.Fractions, result.InsertionCurve, result.DeletionCurve, result.InsertionAuc, result.DeletionAuc,
            options ?? CurveChartOptions.Default, (Math.Min(0, all.Min()), Math.Max(1, all.Max())));
    }

    private static SKBitmap Chart(IReadOnlyList<double> fractions, IReadOnlyList<double> insertion, IReadOnlyList<double> deletion,
        double insertionAuc, double deletionAuc, CurveChartOptions options, (double Low, double High) yRange)
    {
        int width = options.Width, height = options.Height;
        float fontSize = Math.Max(10f, height / 28f);
        using var font = Fonts.Create(fontSize);
        using var small = Fonts.Create(fontSize * 0.85f);
        float left = fontSize * 4.2f, right = fontSize * 1.5f;
        float top = string.IsNullOrEmpty(options.Title) ? fontSize * 1.2f : fontSize * 2.6f;
        float bottom = fontSize * 3.6f;
        var plot = new SKRect(left, top, width - right, height - bottom);

        var result = new SKBitmap(new SKImageInfo(width, height, SKColorType.Rgba8888, SKAlphaType.Premul));
        using var canvas = new SKCanvas(result);
        canvas.Clear(SKColors.White);
        using var black = new SKPaint { Color = SKColors.Black, IsAntialias = true };
        using var grid = new SKPaint { Color = new SKColor(0xDD, 0xDD, 0xDD), StrokeWidth = 1, Style = SKPaintStyle.Stroke };
        using var axis = new SKPaint { Color = SKColors.Black, StrokeWidth = 1.5f, Style = SKPaintStyle.Stroke, IsAntialias = true };

        for (int t = 0; t <= 4; t++)
        {
            float v = t / 4f;
            float x = plot.Left + (v * plot.Width), yTick = plot.Bottom - (v * plot.Height);
            canvas.DrawLine(x, plot.Top, x, plot.Bottom, grid);
            canvas.DrawLine(plot.Left, yTick, plot.Right, yTick, grid);
            string xLabel = v.ToString("0.##", System.Globalization.CultureInfo.InvariantCulture);
            string yLabel = (yRange.Low + (v * (yRange.High - yRange.Low))).ToString("0.##", System.Globalization.CultureInfo.InvariantCulture);
            canvas.DrawText(xLabel, x, plot.Bottom + (fontSize * 1.3f), SKTextAlign.Center, small, black);
            canvas.DrawText(yLabel, plot.Left - (fontSize * 0.4f), yTick + (fontSize * 0.3f), SKTextAlign.Right, small, black);
        }

        canvas.DrawRect(plot, axis);
        canvas.DrawText(options.XLabel, plot.MidX, height - (fontSize * 0.8f), SKTextAlign.Center, font, black);
        canvas.Save();
        canvas.RotateDegrees(-90, fontSize * 1.1f, plot.MidY);
        canvas.DrawText(options.YLabel, fontSize * 1.1f, plot.MidY, SKTextAlign.Center, font, black);
        canvas.Restore();
        if (!string.IsNullOrEmpty(options.Title))
        {
            canvas.DrawText(options.Title, width / 2f, fontSize * 1.6f, SKTextAlign.Center, font, black);
        }

        var insertionColor = new SKColor(0x1F, 0x77, 0xB4);
        var deletionColor = new SKColor(0xD6, 0x27, 0x28);
        DrawCurve(canvas, plot, fractions, insertion, insertionColor, yRange);
        DrawCurve(canvas, plot, fractions, deletion, deletionColor, yRange);

        // Legend in the upper right corner, on a white box so the curves do not hide it.
        string[] labels =
        {
            string.Create(System.Globalization.CultureInfo.InvariantCulture, $"Insertion (AUC {insertionAuc:0.000})"),
            string.Create(System.Globalization.CultureInfo.InvariantCulture, $"Deletion (AUC {deletionAuc:0.000})"),
        };
        float lineLen = fontSize * 1.8f;
        float textWidth = labels.Max(l => font.MeasureText(l));
        float boxWidth = lineLen + textWidth + (fontSize * 1.5f);
        float boxHeight = fontSize * 3.4f;
        var box = SKRect.Create(plot.Right - boxWidth - (fontSize * 0.5f), plot.Top + (fontSize * 0.5f), boxWidth, boxHeight);
        using var boxFill = new SKPaint { Color = SKColors.White.WithAlpha(230), Style = SKPaintStyle.Fill };
        using var boxStroke = new SKPaint { Color = new SKColor(0xAA, 0xAA, 0xAA), Style = SKPaintStyle.Stroke, StrokeWidth = 1 };
        canvas.DrawRect(box, boxFill);
        canvas.DrawRect(box, boxStroke);
        var colors = new[] { insertionColor, deletionColor };
        for (int i = 0; i < 2; i++)
        {
            float y = box.Top + (fontSize * (1.1f + (1.4f * i)));
            using var pen = new SKPaint { Color = colors[i], StrokeWidth = 3, Style = SKPaintStyle.Stroke, IsAntialias = true };
            canvas.DrawLine(box.Left + (fontSize * 0.5f), y, box.Left + (fontSize * 0.5f) + lineLen, y, pen);
            canvas.DrawText(labels[i], box.Left + lineLen + fontSize, y + (fontSize * 0.35f), SKTextAlign.Left, font, black);
        }

        canvas.Flush();
        return result;
    }

    private static void DrawCurve(SKCanvas canvas, SKRect plot, IReadOnlyList<double> fractions, IReadOnlyList<double> curve, SKColor color,
        (double Low, double High) range)
    {
        using var path = new SKPath();
        for (int i = 0; i < curve.Count; i++)
        {
            float x = plot.Left + (plot.Width * (float)fractions[i]);
            float y = plot.Bottom - (plot.Height * (float)((curve[i] - range.Low) / (range.High - range.Low)));
            if (i == 0)
            {
                path.MoveTo(x, y);
            }
            else
            {
                path.LineTo(x, y);
            }
        }

        using var pen = new SKPaint { Color = color, StrokeWidth = 2.5f, Style = SKPaintStyle.Stroke, IsAntialias = true, StrokeJoin = SKStrokeJoin.Round };
        canvas.DrawPath(path, pen);
    }

    private static void CheckCurve(IReadOnlyList<double> curve, string paramName, bool unit = true)
    {
        ArgumentNullException.ThrowIfNull(curve, paramName);
        if (curve.Count < 2)
        {
            throw new ArgumentException($"A curve needs at least 2 points but received {curve.Count}.", paramName);
        }

        for (int i = 0; i < curve.Count; i++)
        {
            if (unit ? !(curve[i] >= 0 && curve[i] <= 1) : !double.IsFinite(curve[i]))
            {
                throw new ArgumentException($"Curve values must be finite{(unit ? " and in [0, 1]" : "")}, but point {i} is {curve[i]}.", paramName);
            }
        }
    }
}
