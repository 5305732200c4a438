using System.Globalization;
using System.Net;
using System.Text;

namespace IGOSpp.Cli.Output;

/// <summary>
/// index.html: one static page that opens from disk (no server, no external script, font or style sheet; the
/// pictures are referenced relatively): the run's settings and model checksum, thumbnails of every panel, a sortable
/// table of the results, each image's panel and curves, and the images that failed. A small inline script sorts the
/// table and records script errors and pictures that did not load into <c>#igospp-self-check</c> (the browser test
/// reads it).
/// </summary>
internal static class HtmlReport
{
    public const string FileName = "index.html";

    private static readonly CultureInfo Inv = CultureInfo.InvariantCulture;

    /// <summary>Writes index.html into the store's folder (atomically).</summary>
    public static void Write(ResultsStore store)
    {
        ArgumentNullException.ThrowIfNull(store);
        AtomicFile.WriteText(Path.Combine(store.Directory, FileName), Render(store.Run, store.Results.ToList()));
    }

    /// <summary>The page for a run and its results.</summary>
    public static string Render(RunInfo run, IReadOnlyList<ImageResult> results)
    {
        ArgumentNullException.ThrowIfNull(run);
        ArgumentNullException.ThrowIfNull(results);
        var ok = results.Where(r => r.Status == "ok").ToList();
        var failed = results.Where(r => r.Status != "ok").ToList();
        var html = new StringBuilder();
        html.Append("""
            <!DOCTYPE html>
            <html lang="en">
            <head>
            <meta charset="utf-8">
            <meta name="viewport" content="width=device-width, initial-scale=1">
            """);
        html.Append(Inv, $"<title>igospp: {E(run.MethodTitle)} on {E(Path.GetFileName(run.Model))}</title>\n");
        html.Append("<style>\n").Append(Css).Append("</style>\n</head>\n<body>\n");
        html.Append(Inv, $"<h1>{E(run.MethodTitle)} explanations of <code>{E(Path.GetFileName(run.Model))}</code></h1>\n");
        var meanDeletion = ok.Count == 0 ? "–" : F(ok.Average(r => r.DeletionAuc ?? double.NaN));
        var meanInsertion = ok.Count == 0 ? "–" : F(ok.Average(r => r.InsertionAuc ?? double.NaN));
        html.Append(Inv, $"<p class=\"summary\">{ok.Count} image(s) explained, {failed.Count} failed. Mean deletion AUC {meanDeletion} (lower is better), " +
                    $"mean insertion AUC {meanInsertion} (higher is better).</p>\n");

        html.Append("<h2>Settings</h2>\n<table class=\"settings\">\n");
        Row(html, "model", run.Model);
        Row(html, "model format", run.ModelFormat);
        Row(html, "model SHA-256", run.ModelSha256, code: true);
        Row(html, "classes", run.Classes.ToString(CultureInfo.InvariantCulture));
        Row(html, "method", $"{run.MethodTitle} ({run.Method})");
        Row(html, "method settings", run.Settings);
        Row(html, "target", run.Target);
        Row(html, "input", run.Input);
        Row(html, "preprocessing", run.Preprocessing);
        Row(html, "tool", run.Tool);
        html.Append("</table>\n");

        if (ok.Count > 0)
        {
            html.Append("<h2>Panels</h2>\n<div class=\"thumbs\">\n");
            foreach (var r in ok)
                html.Append(Inv, $"<a href=\"#{A(r.Id)}\" title=\"{A(r.Id)}\"><img src=\"{A(Url(r.Panel!))}\" alt=\"panel of {A(r.Id)}\" loading=\"eager\"><span>{E(r.Id)}</span></a>\n");
            html.Append("</div>\n");

            html.Append("<h2>Results</h2>\n<p class=\"hint\">Click a column header to sort.</p>\n<table id=\"results\" class=\"results\">\n<thead><tr>");
            foreach (var (title, type) in new[] { ("image", "text"), ("class", "text"), ("probability", "number"), ("deletion AUC ↓", "number"),
                         ("insertion AUC ↑", "number"), ("seconds", "number"), ("model images", "number") })
                html.Append(Inv, $"<th data-type=\"{type}\" tabindex=\"0\">{E(title)}</th>");
            html.Append("</tr></thead>\n<tbody>\n");
            foreach (var r in ok)
            {
                html.Append("<tr>");
                Cell(html, r.Id, $"<a href=\"#{A(r.Id)}\">{E(r.Id)}</a>");
                Cell(html, r.ClassName ?? "", E(r.ClassName ?? ""));
                Number(html, r.Probability);
                Number(html, r.DeletionAuc);
                Number(html, r.InsertionAuc);
                Number(html, (r.ExplainSeconds ?? 0) + (r.MetricSeconds ?? 0), "F1");
                Number(html, r.ModelImages + r.MetricImages, "F0");
                html.Append("</tr>\n");
            }

            html.Append("</tbody>\n</table>\n");
        }

        if (failed.Count > 0)
        {
            html.Append("<h2>Failures</h2>\n<ul class=\"failures\">\n");
            foreach (var r in failed)
                html.Append(Inv, $"<li><code>{E(r.Source)}</code>: {E(r.Error ?? "failed")}</li>\n");
            html.Append("</ul>\n");
        }

        if (ok.Count > 0)
        {
            html.Append("<h2>Images</h2>\n");
            foreach (var r in ok)
            {
                html.Append(Inv, $"<section class=\"detail\" id=\"{A(r.Id)}\">\n<h3>{E(r.Id)}: {E(r.ClassName ?? "")}</h3>\n");
                html.Append(Inv, $"<p><code>{E(r.Source)}</code> · probability {F(r.Probability)} (top class {r.TopClassId}, {F(r.TopProbability)}) · deletion AUC {F(r.DeletionAuc)} · " +
                            $"insertion AUC {F(r.InsertionAuc)} · {F(r.ExplainSeconds, "F1")} s explanation + {F(r.MetricSeconds, "F1")} s metric · " +
                            $"{r.ModelImages} model images (+{r.MetricImages} for the metric) · map {E(r.MapSize ?? "")}</p>\n");
                if (r.Warnings is { Count: > 0 })
                    html.Append("<ul class=\"warnings\">").Append(string.Concat(r.Warnings.Select(w => $"<li>{E(w)}</li>"))).Append("</ul>\n");
                html.Append(Inv, $"<img class=\"panel\" src=\"{A(Url(r.Panel!))}\" alt=\"panel of {A(r.Id)}\">\n");
                html.Append(Inv, $"<img class=\"curves\" src=\"{A(Url(r.Curves!))}\" alt=\"insertion and deletion curves of {A(r.Id)}\">\n");
                html.Append(Inv, $"<p class=\"files\">maps: <a href=\"{A(Url(r.SaliencyNpy!))}\">{E(Path.GetFileName(r.SaliencyNpy!))}</a>, " +
                            $"<a href=\"{A(Url(r.SaliencyFullNpy!))}\">{E(Path.GetFileName(r.SaliencyFullNpy!))}</a> (float32 .npy, numpy.load)</p>\n</section>\n");
            }
        }

        html.Append("<p class=\"footer\">Written by igospp. The data: <a href=\"results.csv\">results.csv</a>, <a href=\"results.json\">results.json</a>.</p>\n");
        html.Append("<pre id=\"igospp-self-check\" data-errors=\"pending\" hidden></pre>\n");
        html.Append("<script>\n").Append(Script).Append("</script>\n</body>\n</html>\n");
        return html.ToString();
    }

    private static void Row(StringBuilder html, string name, string value, bool code = false) =>
        html.Append(Inv, $"<tr><th>{E(name)}</th><td>{(code ? $"<code>{E(value)}</code>" : E(value))}</td></tr>\n");

    private static void Cell(StringBuilder html, string sortValue, string content) =>
        html.Append(Inv, $"<td data-value=\"{A(sortValue)}\">{content}</td>");

    private static void Number(StringBuilder html, double? value, string format = "F4") =>
        html.Append(Inv, $"<td class=\"num\" data-value=\"{(value is { } v ? v.ToString("R", CultureInfo.InvariantCulture) : "")}\">{F(value, format)}</td>");

    private static string F(double? value, string format = "F4") =>
        value is { } v && double.IsFinite(v) ? v.ToString(format, CultureInfo.InvariantCulture) : "–";

    private static string E(string text) => WebUtility.HtmlEncode(text);

    private static string A(string text) => WebUtility.HtmlEncode(text);

    // Relative file paths as URLs: forward slashes, each segment escaped.
    private static string Url(string relative) =>
        string.Join("/", relative.Replace('\\', '/').Split('/').Select(Uri.EscapeDataString));

    private const string Css = """
        body { font-family: system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; margin: 1.5rem auto; max-width: 1200px; padding: 0 1rem; color: #1d1d1f; background: #fff; }
        h1 { font-size: 1.5rem; } h2 { font-size: 1.2rem; margin-top: 2rem; border-bottom: 1px solid #ddd; } h3 { font-size: 1.05rem; }
        code { font-family: ui-monospace, "SFMono-Regular", Menlo, Consolas, monospace; font-size: 0.9em; word-break: break-all; }
        table { border-collapse: collapse; } th, td { padding: 0.25rem 0.6rem; border-bottom: 1px solid #eee; text-align: left; }
        table.settings th { color: #555; font-weight: 600; white-space: nowrap; vertical-align: top; }
        table.results th { cursor: pointer; user-select: none; background: #f5f5f7; }
        table.results th[aria-sort="ascending"]::after { content: " ▲"; } table.results th[aria-sort="descending"]::after { content: " ▼"; }
        td.num { text-align: right; font-variant-numeric: tabular-nums; }
        .thumbs { display: flex; flex-wrap: wrap; gap: 0.5rem; }
        .thumbs a { display: flex; flex-direction: column; align-items: center; text-decoration: none; color: #333; font-size: 0.8rem; border: 1px solid #ddd; padding: 0.25rem; border-radius: 4px; }
        .thumbs img { height: 72px; image-rendering: auto; }
        .detail img.panel { max-width: 100%; display: block; margin: 0.5rem 0; }
        .detail img.curves { max-width: 480px; width: 100%; display: block; }
        .summary { font-size: 1.05rem; } .hint, .footer, .files { color: #666; font-size: 0.85rem; }
        .failures li, .warnings li { color: #a00; }
        """;

    private const string Script = """
        (function () {
          "use strict";
          var errors = [];
          var check = document.getElementById("igospp-self-check");
          function report() {
            var images = Array.prototype.slice.call(document.images);
            var broken = images.filter(function (img) { return img.complete && img.naturalWidth === 0; })
                               .map(function (img) { return "image did not load: " + img.getAttribute("src"); });
            var pending = images.filter(function (img) { return !img.complete; }).length;
            var all = errors.concat(broken);
            check.setAttribute("data-errors", String(all.length));
            check.setAttribute("data-images", String(images.length));
            check.setAttribute("data-pending", String(pending));
            check.textContent = all.join("\n");
          }
          window.addEventListener("error", function (e) {
            if (e.target && e.target.tagName === "IMG") { report(); return; }
            errors.push("script error: " + e.message + " (" + e.filename + ":" + e.lineno + ")");
            report();
          }, true);
          window.addEventListener("load", report);
          document.addEventListener("DOMContentLoaded", report);

          var table = document.getElementById("results");
          if (!table) return;
          var headers = table.tHead.rows[0].cells;
          function sortBy(index) {
            var th = headers[index];
            var ascending = th.getAttribute("aria-sort") !== "ascending";
            for (var i = 0; i < headers.length; i++) headers[i].removeAttribute("aria-sort");
            th.setAttribute("aria-sort", ascending ? "ascending" : "descending");
            var numeric = th.getAttribute("data-type") === "number";
            var body = table.tBodies[0];
            var rows = Array.prototype.slice.call(body.rows);
            rows.sort(function (a, b) {
              var x = a.cells[index].getAttribute("data-value"), y = b.cells[index].getAttribute("data-value");
              var c = numeric ? (parseFloat(x) || 0) - (parseFloat(y) || 0) : x.localeCompare(y);
              return ascending ? c : -c;
            });
            rows.forEach(function (row) { body.appendChild(row); });
          }
          Array.prototype.forEach.call(headers, function (th, index) {
            th.addEventListener("click", function () { sortBy(index); });
            th.addEventListener("keydown", function (e) { if (e.key === "Enter") sortBy(index); });
          });
        })();
        """;
}
