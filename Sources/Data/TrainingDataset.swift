/// What the trainer needs of a training set (slot `dataset`): its text fields, image size, the texts a
/// tokenizer trains on, and a batch loader. `manifest` (``ManifestDataset``) is the built-in one; a plugin
/// can register another (for example a data set generated on the fly) by conforming to this protocol and
/// building a ``BatchLoader`` from its samples.
public protocol TrainingDataset: Sendable {
    /// Text field names the samples carry (`raw`, `caption`, …).
    var fields: [String] { get }
    /// Side of the square images the loader yields (published as the `image_size` fact).
    var imageSize: Int { get }
    /// Where the data comes from, for messages (a manifest's path).
    var sourceDescription: String { get }
    /// One more than the largest sample row index the loader reports in `Batch.rows` (the trainer keeps
    /// per-row records, such as each sample's latest gate weight, in arrays of this size).
    var rowCount: Int { get }
    /// Every text of every field, for training a tokenizer.
    func trainingTexts() -> [String]
    /// The training loader: shuffled per epoch with `seed`, the last incomplete batch dropped, `noise`
    /// applied to the raw-text field.
    func trainLoader(tokenizer: any Tokenizing, batchSize: Int, seed: UInt64, noise: (any TextNoise)?) throws -> BatchLoader
}

extension ManifestDataset: TrainingDataset {
    /// The manifest's path.
    public var sourceDescription: String { manifest.url.path }
    /// One more than the largest manifest row index.
    public var rowCount: Int { (manifest.rows.map(\.index).max() ?? -1) + 1 }
    /// The training loader with the default threads and prefetch.
    public func trainLoader(tokenizer: any Tokenizing, batchSize: Int, seed: UInt64, noise: (any TextNoise)?) throws -> BatchLoader {
        try trainLoader(tokenizer: tokenizer, batchSize: batchSize, seed: seed, noise: noise, threads: 2, prefetch: 4)
    }
}
