import Components
import Foundation

/// The `manifest` dataset component: a TSV/CSV manifest of image paths and texts (see `Manifest`),
/// with open_clip's train/eval image pipelines (or the recipe's `transforms`), making `BatchLoader`s
/// for training (shuffled, noise applied to the raw text) and evaluation (file order, every row).
/// Publishes `image_size` for the image encoder.
public struct ManifestDataset: Component, Sendable {
    public static let typeName = "manifest"
    public static let summary = "TSV/CSV manifest of image paths and texts (raw_text, caption, label)"
    public static let parameters: [ParameterSpec] = [
        ParameterSpec("path", .file, default: nil, doc: "manifest file (.tsv or .csv); image paths are relative to its folder"),
        ParameterSpec("image_size", .int, default: .int(224), range: 1...8192, doc: "side of the square images fed to the encoder"),
        ParameterSpec("image_key", .string, default: .string("image"), doc: "column with the image path"),
        ParameterSpec("raw_key", .string, default: .string("raw_text"), doc: "column with the raw (web alt-) text, field 'raw'"),
        ParameterSpec("caption_key", .string, default: .string("caption"), doc: "column with the synthetic caption, field 'caption' (may be absent)"),
        ParameterSpec("label_key", .string, default: .string("label"), optional: true, doc: "column with an integer class label (may be absent; null: none)"),
        ParameterSpec("on_error", .choice(OnError.allCases.map(\.rawValue)), default: .string("fail"),
                      doc: "bad row (missing/corrupt image, empty/over-long/non-UTF-8 text, wrong columns): fail or skip and report"),
        ParameterSpec("max_text_length", .int, default: .int(1000), range: 1...1_000_000, doc: "longest accepted text, in characters"),
        ParameterSpec("transforms", .components(.transform), default: nil, optional: true,
                      doc: "image transforms replacing the default pipeline (train: random-resized-crop; eval: resize + center-crop; both normalise)"),
    ]

    /// The parsed manifest.
    public let manifest: Manifest
    public let imageSize: Int
    public let onError: OnError
    /// The recipe's transforms, replacing both default pipelines; nil for open_clip's defaults.
    public let transforms: [any ImageTransform]?

    /// Reads the manifest at `url`.
    public init(url: URL, imageSize: Int = 224, columns: ManifestColumns = ManifestColumns(), onError: OnError = .fail,
                maxTextLength: Int = 1000, transforms: [any ImageTransform]? = nil) throws {
        self.manifest = try Manifest(url: url, columns: columns, onError: onError, maxTextLength: maxTextLength)
        self.imageSize = imageSize
        self.onError = onError
        self.transforms = transforms
    }

    public init(config: ComponentConfig, context: BuildContext) throws {
        let size = config.int("image_size")
        context.facts["image_size"] = size
        var transforms: [any ImageTransform]? = nil
        if !config.isNull("transforms") {
            transforms = try config.list("transforms").enumerated().map { k, v in
                try context.build(.transform, v, path: "\(config.path).transforms[\(k)]", as: (any ImageTransform).self)
            }
        }
        let columns = ManifestColumns(image: config.string("image_key"), raw: config.string("raw_key"),
                                      caption: config.string("caption_key"), label: config.optionalString("label_key"))
        do {
            try self.init(url: context.resolve(path: config.string("path")), imageSize: size, columns: columns,
                          onError: OnError(rawValue: config.string("on_error")) ?? .fail,
                          maxTextLength: config.int("max_text_length"), transforms: transforms)
        } catch let e as DataError {
            throw ComponentError(path: config.path, e.description)
        }
    }

    /// Text field names present (`raw`, and `caption` when the manifest has that column).
    public var fields: [String] { manifest.fields }

    /// Every text of every field, for training a tokenizer.
    public func trainingTexts() -> [String] { manifest.fields.flatMap { manifest.texts(field: $0) } }

    /// The image pipeline for training or evaluation.
    public func pipeline(training: Bool) -> TransformPipeline {
        if let t = transforms { return TransformPipeline(t) }
        return training ? .train(imageSize: imageSize) : .eval(imageSize: imageSize)
    }

    /// A training loader: shuffled per epoch, last incomplete batch dropped, train pipeline, `noise`
    /// applied to the `raw` field (seeded by the noise's own seed, else `seed`).
    public func trainLoader(tokenizer: any Tokenizing, batchSize: Int, seed: UInt64, noise: (any TextNoise)? = nil,
                            threads: Int = 2, prefetch: Int = 4) throws -> BatchLoader {
        try makeLoader(tokenizer: tokenizer, options: .training(batchSize: batchSize, seed: seed, threads: threads, prefetch: prefetch, onError: onError),
                       training: true, noise: noise)
    }

    /// An evaluation loader: file order, every row, eval pipeline, no noise.
    public func evalLoader(tokenizer: any Tokenizing, batchSize: Int, threads: Int = 2, prefetch: Int = 4) throws -> BatchLoader {
        try makeLoader(tokenizer: tokenizer, options: .evaluation(batchSize: batchSize, threads: threads, prefetch: prefetch, onError: onError),
                       training: false, noise: nil)
    }

    /// A loader with explicit options.
    public func makeLoader(tokenizer: any Tokenizing, options: LoaderOptions, training: Bool, noise: (any TextNoise)?) throws -> BatchLoader {
        var texts = manifest.rows.map(\.texts)
        var corrupted = [Bool](repeating: false, count: texts.count)
        if let noise {
            guard let raw = manifest.fields.firstIndex(of: "raw") else {
                throw DataError(file: manifest.url.path, "noise needs the raw-text field, but the manifest has no raw text column; set raw_key")
            }
            let (noisy, flags) = noise.corrupt(texts.map { $0[raw] }, seed: noise.seed ?? options.seed)
            for i in 0..<texts.count { texts[i][raw] = noisy[i] }
            corrupted = flags
        }
        let samples = zip(manifest.rows, zip(texts, corrupted)).map { LoaderSample(row: $0, texts: $1.0, corrupted: $1.1) }
        return BatchLoader(samples: samples, fields: manifest.fields, hasLabels: manifest.hasLabels, manifestPath: manifest.url.path,
                           manifestIssues: manifest.issues, pipeline: pipeline(training: training), tokenizer: tokenizer,
                           imageSize: imageSize, options: options)
    }
}
