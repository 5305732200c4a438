// Renders the pictures of docs/targets.md (docs/images/targets/*.png) and prints their figures (mass in box, AUCs)
// from the trained models of the end-to-end target tests, with the tests' own scenarios (TargetScenarios: the same
// test image, iGOS++ settings, regions and boxes):
//
//     OMP_WAIT_POLICY=PASSIVE dotnet run -c Release --project tools/IGOSpp.TargetFigures -- \
//         IGOSpp.Onnx.Tests/Fixtures/Targets docs/images/targets
//
// Deterministic: the explainers are seeded, so the pictures and numbers repeat on the same machine.
using System.Globalization;
using IGOSpp;
using IGOSpp.Imaging;
using IGOSpp.Metrics;
using IGOSpp.Onnx;
using IGOSpp.Perturbation;
using IGOSpp.Targets;
using IGOSpp.Tests.Onnx;
using SkiaSharp;
using TorchSharp;
using static TorchSharp.torch;

var fixturesDirectory = args.Length > 0 ? args[0] : Path.Combine("IGOSpp.Onnx.Tests", "Fixtures", "Targets");
var outputDirectory = args.Length > 1 ? args[1] : Path.Combine("docs", "images", "targets");
Directory.CreateDirectory(outputDirectory);
var fixtures = TargetFixtures.Load(fixturesDirectory);
var planted = fixtures.Contents.Test[TargetScenarios.Image];
var panelOptions = new PanelOptions { TileSize = 192, FontSize = 13 };
var report = new List<string> { "| picture | method | target | clean score | mass in box | mass in other box | deletion AUC | insertion AUC |", "|---|---|---|---|---|---|---|---|" };

using var scope = torch.NewDisposeScope();
var image = fixtures.Image(TargetScenarios.Image);
var withBoxes = DrawBoxes(image, planted);
Console.WriteLine($"test image {TargetScenarios.Image}: " + string.Join("; ", planted.Select((p, i) =>
    Invariant($"object {i} {fixtures.Contents.Classes[p.Class]} box ({p.X1}, {p.Y1}, {p.X2}, {p.Y2}), {p.AreaFraction(fixtures.Contents.Size):P1} of the image"))));

// Multi-label: the sigmoid of each class's logit.
using (var model = OnnxModel.Load(fixtures.ModelPath("multilabel")))
{
    var tiles = new List<(string, SKBitmap)> { ("image", ImageIO.ToBitmap(withBoxes)) };
    for (var c = 0L; c < fixtures.Contents.Classes.Length; c++)
    {
        var target = ExplanationTarget.ClassSigmoid(c);
        var (tile, line) = Explain("multilabel", model, new IgosPlusPlusExplainer(model, TargetScenarios.Igos), image, target,
            planted.FirstOrDefault(p => p.Class == c), planted.FirstOrDefault(p => p.Class != c));
        tiles.Add(($"iGOS++ sigmoid({fixtures.Contents.Classes[c]})", tile));
        report.Add(line);
    }

    Save("multilabel", tiles);
}

// Segmentation: the mean probability of the object's class over the pixels the network gives it inside its box.
{
    var layer = fixtures.ModelProperty("segmentation", "gradcam_layer");
    using var model = OnnxModel.Load(fixtures.ModelPath("segmentation"), new OnnxImportOptions { ObservedValues = [layer] });
    Tensor logits;
    using (torch.no_grad()) logits = model.call(image.unsqueeze(0));
    var tiles = new List<(string, SKBitmap)> { ("image", ImageIO.ToBitmap(withBoxes)), ("predicted labels", ImageIO.ToBitmap(Labels(logits))) };
    for (var i = 0; i < planted.Length; i++)
    {
        var region = TargetScenarios.PredictedRegion(logits, planted[i]);
        var target = ExplanationTarget.SegmentationRegion(TargetScenarios.SegmentationClass(planted[i]), region);
        var name = fixtures.Contents.Classes[planted[i].Class];
        var (igos, igosLine) = Explain("segmentation", model, new IgosPlusPlusExplainer(model, TargetScenarios.Igos), image, target, planted[i], planted[1 - i]);
        var (cam, camLine) = Explain("segmentation", model,
            new GradCamExplainer(model, new GradCamOptions { TargetLayer = model.ObservedValueModules[layer] }), image, target, planted[i], planted[1 - i]);
        tiles.Add(($"iGOS++ region {name}", igos));
        tiles.Add(($"Grad-CAM region {name}", cam));
        report.Add(igosLine);
        report.Add(camLine);
    }

    Save("segmentation", tiles);
}

// Detection: the score of the prediction that best matches each object's box.
using (var model = OnnxModel.Load(fixtures.ModelPath("detector")))
{
    var tiles = new List<(string, SKBitmap)> { ("image", ImageIO.ToBitmap(withBoxes)) };
    for (var i = 0; i < planted.Length; i++)
    {
        var (tile, line) = Explain("detection", model, new IgosPlusPlusExplainer(model, TargetScenarios.Igos), image,
            TargetScenarios.BoxTarget(planted[i]), planted[i], planted[1 - i]);
        tiles.Add(($"iGOS++ box of the {fixtures.Contents.Classes[planted[i].Class]}", tile));
        report.Add(line);
    }

    Save("detection", tiles);
}

// Regression: the total area of the planted objects (in hundreds of pixels). The model averages over the image, so a
// blurred object still counts as area: the baseline is the background's mean grey instead (in the explainer and the
// metric alike), which removes an object where the mask deletes it.
using (var model = OnnxModel.Load(fixtures.ModelPath("regression")))
{
    var background = new ConstantBaseline(0.4);
    var (tile, line) = Explain("regression", model, new IgosPlusPlusExplainer(model, TargetScenarios.Igos with { Baseline = background }), image,
        ExplanationTarget.Regression(0), planted[0], planted[1], new InsertionDeletionOptions { Baseline = background });
    report.Add(line);
    Save("regression", [("image", ImageIO.ToBitmap(withBoxes)), ("iGOS++ output 0 (area)", tile)]);
}

foreach (var line in report) Console.WriteLine(line);
return 0;

(SKBitmap Tile, string Line) Explain(string picture, nn.Module<Tensor, Tensor> model, IExplainer explainer, Tensor image, ExplanationTarget target,
    TargetFixtures.PlantedObject? mine, TargetFixtures.PlantedObject? other, InsertionDeletionOptions? metricOptions = null)
{
    using var owned = explainer;
    using var map = explainer.Explain(image, target);
    var result = new InsertionDeletionMetric(model, metricOptions).Evaluate(image, map);
    var inMine = mine is null ? "—" : Invariant($"{TargetScenarios.MassInBox(map, mine):F3}");
    var inOther = other is null ? "—" : Invariant($"{TargetScenarios.MassInBox(map, other):F3}");
    using var up = map.Upsample();
    var tile = SaliencyRenderer.Overlay(image, up, 0.6f);
    return (tile, Invariant($"| {picture}.png | {explainer.Method} | {target} | {map.OriginalScore:F3} | {inMine} | {inOther} | {result.DeletionAuc:F4} | {result.InsertionAuc:F4} |"));
}

void Save(string name, IReadOnlyList<(string, SKBitmap)> tiles)
{
    using var panel = SaliencyRenderer.Panel(tiles, panelOptions);
    var path = Path.Combine(outputDirectory, name + ".png");
    ImageIO.SavePng(panel, path);
    foreach (var (_, tile) in tiles) tile.Dispose();
    Console.WriteLine($"wrote {path}");
}

// The image with each planted object's box outlined (red for squares, blue for discs).
static Tensor DrawBoxes(Tensor image, IEnumerable<TargetFixtures.PlantedObject> objects)
{
    var result = image.clone();
    foreach (var o in objects)
    {
        var colour = o.Class == 0 ? torch.tensor(new[] { 1f, 0f, 0f }).view(3, 1) : torch.tensor(new[] { 0f, 0.3f, 1f }).view(3, 1);
        var (x1, y1, x2, y2) = ((int)o.X1 - 1, (int)o.Y1 - 1, (int)o.X2, (int)o.Y2);
        (x1, y1, x2, y2) = (Math.Max(x1, 0), Math.Max(y1, 0), Math.Min(x2, (int)image.shape[2] - 1), Math.Min(y2, (int)image.shape[1] - 1));
        result[.., y1, x1..(x2 + 1)] = colour;
        result[.., y2, x1..(x2 + 1)] = colour;
        result[.., y1..(y2 + 1), x1] = colour;
        result[.., y1..(y2 + 1), x2] = colour;
    }

    return result;
}

// The network's per-pixel argmax as colours: background grey, square red, disc blue.
static Tensor Labels(Tensor logits)
{
    var palette = torch.tensor(new[] { 0.5f, 0.5f, 0.5f, 0.9f, 0.1f, 0.1f, 0.1f, 0.3f, 0.9f }).view(3, 3); // [class, rgb]
    return palette.index_select(0, logits[0].argmax(0).flatten()).t().reshape(3, logits.shape[2], logits.shape[3]);
}

static string Invariant(FormattableString text) => text.ToString(CultureInfo.InvariantCulture);
