import Foundation
import Tensor

/// Zero-shot classification top-k from class names and prompt templates (`type: zero-shot`).
///
/// As open_clip's zero-shot classifier: each class embedding is the L2-normalised mean of its
/// L2-normalised template embeddings; an image's prediction ranks the classes by cosine similarity.
/// Needs the manifest's `label` column (0-based class index into `classnames`). Metrics
/// `<name>.top<k>`, fractions in [0, 1].
public struct ZeroShotEvaluator: Evaluator, Component {
    public static let typeName = "zero-shot"
    public static let summary = "zero-shot classification top-1/top-5 from class names and prompt templates"
    /// The digit-scenes benchmark's classes.
    public static let digitWords = ["zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine"]
    public static let parameters: [ParameterSpec] = [
        ParameterSpec("path", .file, default: nil, doc: "manifest with a label column (relative to the recipe)"),
        ParameterSpec("classnames", .strings, default: .list(digitWords.map { .string($0) }),
                      doc: "class names in label order (default: the digit words zero…nine)"),
        ParameterSpec("templates", .strings, default: .list([.string("a photo of the digit {}.")]),
                      doc: "prompt templates; {} is replaced by the class name"),
        ParameterSpec("ks", .ints, default: .list([.int(1), .int(5)]), range: 1...1_000_000, doc: "the k of top-k accuracy"),
        EvaluatorParameters.name,
    ]

    /// The metric prefix (`name:`, else the type name).
    public let name: String
    /// The manifest (resolved).
    public let manifest: URL
    /// Class names in label order.
    public let classnames: [String]
    /// Prompt templates, each with `{}`.
    public let templates: [String]
    /// The k values, sorted.
    public let ks: [Int]

    /// A zero-shot evaluator on `manifest`.
    public init(manifest: URL, classnames: [String] = ZeroShotEvaluator.digitWords,
                templates: [String] = ["a photo of the digit {}."], ks: [Int] = [1, 5], name: String? = nil) throws {
        guard !classnames.isEmpty else { throw ComponentError(path: "classnames", "zero-shot: give at least one class name") }
        guard !templates.isEmpty else { throw ComponentError(path: "templates", "zero-shot: give at least one template, such as \"a photo of {}.\"") }
        if let bad = templates.first(where: { !$0.contains("{}") }) {
            throw ComponentError(path: "templates", "zero-shot: template \"\(bad)\" has no {} where the class name goes")
        }
        self.manifest = manifest
        self.classnames = classnames
        self.templates = templates
        self.ks = try EvaluatorParameters.ks(ks, key: "ks", owner: Self.typeName)
        self.name = (name?.isEmpty ?? true) ? Self.typeName : name!
    }

    public init(config: ComponentConfig, context: BuildContext) throws {
        do {
            try self.init(manifest: context.resolve(path: config.string("path")), classnames: config.strings("classnames"),
                          templates: config.strings("templates"), ks: config.ints("ks"),
                          name: EvaluatorParameters.prefix(config, default: Self.typeName))
        } catch let e as ComponentError {
            throw ComponentError(path: config.path + "." + e.path, e.message)
        }
    }

    /// The `[classes, D]` classifier: per class, the normalised mean of its normalised prompt embeddings.
    public static func classifier(classnames: [String], templates: [String], context: any EvaluationContext) throws -> Tensor {
        let prompts = classnames.flatMap { c in templates.map { $0.replacingOccurrences(of: "{}", with: c) } }
        let e = try context.encodeTexts(prompts)
        guard e.rank == 2, e.shape[0] == prompts.count else {
            throw EvaluationError("zero-shot: text features \(e.shape) for \(prompts.count) prompts")
        }
        let t = templates.count
        return withoutGradients {
            e.reshaped([classnames.count, t, e.shape[1]]).mean(axes: [1]).l2Normalized().detached()
        }
    }

    public func evaluate(_ context: any EvaluationContext) throws -> [String: Double] {
        let encoded = try context.encodeImages(manifest: manifest)
        guard let labels = encoded.labels else {
            throw EvaluationError("\(manifest.path): \(name) needs a label column (0-based index into classnames)")
        }
        guard encoded.count > 0 else { throw EvaluationError("\(manifest.path): the manifest has no rows to evaluate \(name) on") }
        if let row = labels.firstIndex(where: { $0 < 0 || $0 >= classnames.count }) {
            throw EvaluationError("\(manifest.path): data row \(row + 1) has label \(labels[row]) but \(name) has \(classnames.count) classnames; list one class name per label")
        }
        let classes = try Self.classifier(classnames: classnames, templates: templates, context: context)
        guard classes.shape[1] == encoded.features.shape[1] else {
            throw EvaluationError("\(name): text features of width \(classes.shape[1]) but image features of width \(encoded.features.shape[1])")
        }
        try EvaluatorParameters.checkFinite(encoded.features, "\(manifest.path) (images)")
        try EvaluatorParameters.checkFinite(classes, "\(name) (class prompts)")
        if let k = ks.last, k >= classnames.count {
            context.note("\(name): top-\(k) with \(classnames.count) classes counts every image as a hit")
        }
        let ranks = RankingMetrics.ranks(queries: encoded.features, candidates: classes, positives: labels.map { [$0] })
        let acc = RankingMetrics.recall(ranks: ranks, ks: ks)
        var out: [String: Double] = [:]
        for k in ks { out["\(name).top\(k)"] = acc[k] }
        return out
    }
}
