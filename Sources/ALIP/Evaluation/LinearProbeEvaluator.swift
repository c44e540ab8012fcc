import Foundation
import Tensor

/// Linear-probe top-1 (`type: linear-probe`): multinomial logistic regression on frozen image
/// features of `train_path`, trained full-batch in Double (L-BFGS or gradient descent, L2
/// `weight_decay`, deterministic), scored on `path`. Both manifests need a `label` column.
/// Metrics `<name>.top1` (test) and `<name>.train_top1`.
public struct LinearProbeEvaluator: Evaluator, Component {
    public static let typeName = "linear-probe"
    public static let summary = "logistic regression on frozen image features: top-1 on the test manifest"
    public static let parameters: [ParameterSpec] = [
        ParameterSpec("train_path", .file, default: nil, doc: "manifest the probe is trained on (relative to the recipe)"),
        ParameterSpec("path", .file, default: nil, doc: "manifest the probe is scored on"),
        ParameterSpec("weight_decay", .float, default: .double(1e-3), range: 0...1e6,
                      doc: "L2 penalty λ in (1/N)·Σ CE + (λ/2)·‖W‖² (the bias is not penalised)"),
        ParameterSpec("method", .choice(LogisticRegression.Method.allCases.map(\.rawValue)), default: .string("lbfgs"),
                      doc: "full-batch optimiser: lbfgs, or gd (gradient descent with step 1/L)"),
        ParameterSpec("max_iterations", .int, default: .int(1000), range: 1...1_000_000, doc: "iteration limit of the optimiser"),
        EvaluatorParameters.name,
    ]

    /// The metric prefix (`name:`, else the type name).
    public let name: String
    /// The training manifest (resolved).
    public let trainManifest: URL
    /// The test manifest (resolved).
    public let manifest: URL
    /// The L2 penalty λ.
    public let weightDecay: Double
    /// The optimiser.
    public let method: LogisticRegression.Method
    /// The iteration limit.
    public let maxIterations: Int

    /// A linear probe trained on `trainManifest` and scored on `manifest`.
    public init(trainManifest: URL, manifest: URL, weightDecay: Double = 1e-3, method: LogisticRegression.Method = .lbfgs,
                maxIterations: Int = 1000, name: String? = nil) throws {
        guard weightDecay >= 0, weightDecay.isFinite else {
            throw ComponentError(path: "weight_decay", "linear-probe: weight_decay must be a finite number ≥ 0")
        }
        guard maxIterations >= 1 else { throw ComponentError(path: "max_iterations", "linear-probe: max_iterations must be ≥ 1") }
        self.trainManifest = trainManifest
        self.manifest = manifest
        self.weightDecay = weightDecay
        self.method = method
        self.maxIterations = maxIterations
        self.name = (name?.isEmpty ?? true) ? Self.typeName : name!
    }

    public init(config: ComponentConfig, context: BuildContext) throws {
        guard let method = LogisticRegression.Method(rawValue: config.string("method")) else {
            throw ComponentError(path: config.path + ".method", "linear-probe: unknown method '\(config.string("method"))'; use lbfgs or gd")
        }
        do {
            try self.init(trainManifest: context.resolve(path: config.string("train_path")),
                          manifest: context.resolve(path: config.string("path")), weightDecay: config.double("weight_decay"),
                          method: method, maxIterations: config.int("max_iterations"),
                          name: EvaluatorParameters.prefix(config, default: Self.typeName))
        } catch let e as ComponentError {
            throw ComponentError(path: config.path + "." + e.path, e.message)
        }
    }

    private func labelled(_ url: URL, _ context: any EvaluationContext) throws -> (features: Tensor, labels: [Int]) {
        let e = try context.encodeImages(manifest: url)
        guard let labels = e.labels else {
            throw EvaluationError("\(url.path): \(name) needs a label column (0-based class index)")
        }
        guard e.count > 0 else { throw EvaluationError("\(url.path): the manifest has no rows for \(name)") }
        if let row = labels.firstIndex(where: { $0 < 0 }) {
            throw EvaluationError("\(url.path): data row \(row + 1) has the negative label \(labels[row]); labels are 0-based class indices")
        }
        try EvaluatorParameters.checkFinite(e.features, "\(url.path) (images)")
        return (e.features, labels)
    }

    public func evaluate(_ context: any EvaluationContext) throws -> [String: Double] {
        let train = try labelled(trainManifest, context)
        let test = try labelled(manifest, context)
        guard train.features.shape[1] == test.features.shape[1] else {
            throw EvaluationError("\(name): train features of width \(train.features.shape[1]) but test features of width \(test.features.shape[1])")
        }
        let classes = max(train.labels.max() ?? 0, test.labels.max() ?? 0) + 1
        if let unseen = Set(test.labels).subtracting(train.labels).min() {
            context.note("\(name): class \(unseen) occurs in \(manifest.lastPathComponent) but not in \(trainManifest.lastPathComponent)")
        }
        let model = try LogisticRegression.fit(features: train.features, labels: train.labels, classes: classes,
                                               weightDecay: weightDecay, method: method, maxIterations: maxIterations)
        func accuracy(_ s: (features: Tensor, labels: [Int])) -> Double {
            let predicted = model.predict(features: s.features.data.map(Double.init))
            let hits = zip(predicted, s.labels).reduce(0) { $0 + ($1.0 == $1.1 ? 1 : 0) }
            return Double(hits) / Double(s.labels.count)
        }
        return ["\(name).top1": accuracy(test), "\(name).train_top1": accuracy(train)]
    }
}
