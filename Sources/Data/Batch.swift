import Tensor

/// One training or evaluation batch as the loader yields it: decoded, transformed images and the
/// tokenized text fields of the same rows.
public struct Batch {
    /// `[B, 3, H, W]`, normalised with CLIP's mean and std.
    public var images: Tensor
    /// Text field name (`raw`, `caption`, …) → token rows `[B][context_length]` in open_clip's layout.
    public var tokens: [String: [[Int32]]]
    /// Text field name → the strings the rows were tokenized from (after noise injection).
    public var texts: [String: [String]]
    /// The `label` column, when the manifest has one.
    public var labels: [Int]?
    /// Row numbers in the manifest (0-based data rows, header excluded).
    public var rows: [Int]
    /// Whether noise injection corrupted each sample's raw text (all false without noise).
    public var corrupted: [Bool]

    public init(images: Tensor, tokens: [String: [[Int32]]], texts: [String: [String]], labels: [Int]?,
                rows: [Int], corrupted: [Bool]) {
        self.images = images
        self.tokens = tokens
        self.texts = texts
        self.labels = labels
        self.rows = rows
        self.corrupted = corrupted
    }

    /// Number of samples.
    public var count: Int { rows.count }
}
