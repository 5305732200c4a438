namespace IGOSpp.Targets;

/// <summary>How a YOLO-style detector's raw output (before non-maximum suppression) is laid out. Box coordinates are
/// centre x, centre y, width, height in input pixels; objectness and class scores are probabilities (after the head's
/// sigmoid, as YOLOv5 and YOLOv8 exports give them).</summary>
public enum DetectionLayout
{
    /// <summary><c>[N, boxes, 4 + 1 + K]</c>: cx, cy, w, h, objectness, K class probabilities (YOLOv5).</summary>
    BoxesFirstWithObjectness,

    /// <summary><c>[N, 4 + K, boxes]</c>: cx, cy, w, h, K class probabilities, no objectness (YOLOv8).</summary>
    ChannelsFirstNoObjectness,
}
