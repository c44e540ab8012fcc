import Foundation
import Tensor

/// Image→text and text→image Recall@k on a manifest (`type: retrieval`).
///
/// Rows with the same image form one image with several captions (COCO / Flickr layout): an image is
/// a hit at k when any of its captions is in its top k texts; a caption is a hit when its image is in
/// its top k images. Metrics `<name>.i2t.r<k>` and `<name>.t2i.r<k>`, fractions in [0, 1].
/// Ties rank the lower row first (see ``RankingMetrics``).
public struct RetrievalEvaluator: Evaluator, Component {
    public static let typeName = "retrieval"
    public static let summary = "image→text and text→image Recall@k on a manifest (several captions per image supported)"
    public static let parameters: [ParameterSpec] = [
        ParameterSpec("path", .file, default: nil, doc: "manifest to evaluate on (relative to the recipe)"),
        ParameterSpec("text_field", .string, default: .string("caption"), doc: "text column the images are matched against"),
        ParameterSpec("ks", .ints, default: .list([.int(1), .int(5), .int(10)]), range: 1...1_000_000,
                      doc: "the k of Recall@k"),
        EvaluatorParameters.name,
    ]

    /// The metric prefix (`name:`, else the type name).
    public let name: String
    /// The manifest (resolved).
    public let manifest: URL
    /// The text column.
    public let textField: String
    /// The k values, sorted.
    public let ks: [Int]
    /// Similarity entries above which the GEMM runs in row blocks (memory bound).
    public var maxSimilarityEntries = RankingMetrics.defaultMaxSimilarityEntries

    /// A retrieval evaluator on `manifest`.
    public init(manifest: URL, textField: String = "caption", ks: [Int] = [1, 5, 10], name: String? = nil) throws {
        self.manifest = manifest
        self.textField = textField
        self.ks = try EvaluatorParameters.ks(ks, key: "ks", owner: Self.typeName)
        self.name = (name?.isEmpty ?? true) ? Self.typeName : name!
    }

    public init(config: ComponentConfig, context: BuildContext) throws {
        do {
            try self.init(manifest: context.resolve(path: config.string("path")), textField: config.string("text_field"),
                          ks: config.ints("ks"), name: EvaluatorParameters.prefix(config, default: Self.typeName))
        } catch let e as ComponentError {
            throw ComponentError(path: config.path + "." + e.path, e.message)
        }
    }

    public func evaluate(_ context: any EvaluationContext) throws -> [String: Double] {
        let encoded = try context.encodeImages(manifest: manifest)
        guard let texts = encoded.texts[textField] else {
            throw EvaluationError("\(manifest.path): no text column '\(textField)' for \(name); set text_field to one of: \(encoded.texts.keys.sorted().joined(separator: ", "))")
        }
        guard encoded.count > 0 else { throw EvaluationError("\(manifest.path): the manifest has no rows to evaluate \(name) on") }
        // Group rows by image: the first row of each image carries its features.
        var group: [String: Int] = [:], firstRow: [Int] = [], textImage: [Int] = []
        for (row, id) in encoded.imageIDs.enumerated() {
            if let g = group[id] { textImage.append(g) } else {
                group[id] = firstRow.count; textImage.append(firstRow.count); firstRow.append(row)
            }
        }
        let images = firstRow.count == encoded.count ? encoded.features : Tensor.gatherRows(encoded.features, firstRow)
        let textFeatures = try context.encodeTexts(texts)
        guard textFeatures.rank == 2, textFeatures.shape == [texts.count, images.shape[1]] else {
            throw EvaluationError("\(name): text features \(textFeatures.shape) do not match image features \(images.shape)")
        }
        try EvaluatorParameters.checkFinite(images, "\(manifest.path) (images)")
        try EvaluatorParameters.checkFinite(textFeatures, "\(manifest.path) (\(textField))")
        let (i2t, t2i) = RankingMetrics.retrievalRanks(images: images, texts: textFeatures, textImage: textImage,
                                                       maxSimilarityEntries: maxSimilarityEntries)
        let ri = RankingMetrics.recall(ranks: i2t, ks: ks), rt = RankingMetrics.recall(ranks: t2i, ks: ks)
        var out: [String: Double] = [:]
        for k in ks {
            out["\(name).i2t.r\(k)"] = ri[k]
            out["\(name).t2i.r\(k)"] = rt[k]
        }
        return out
    }
}
