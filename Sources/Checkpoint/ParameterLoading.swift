import Foundation
import Tensor

/// Everything that keeps a set of tensors from loading into a model, reported at once (like PyTorch's
/// `_IncompatibleKeys`): parameters the file lacks, names the model lacks, and shape mismatches.
public struct ParameterLoadError: Error, CustomStringConvertible, Equatable, Sendable {
    /// One parameter whose stored shape differs from the model's.
    public struct ShapeMismatch: Equatable, Sendable {
        /// The parameter's open_clip name.
        public let name: String
        /// The model's shape.
        public let model: [Int]
        /// The file's shape.
        public let file: [Int]
    }

    /// The file the tensors came from.
    public let file: String
    /// Model parameters with no tensor in the file, in the model's order.
    public let missing: [String]
    /// Tensors in the file that the model has no parameter for, sorted.
    public let unexpected: [String]
    /// Parameters present in both with different shapes, in the model's order.
    public let mismatched: [ShapeMismatch]

    /// A summary line with counts, then one line per kind listing every name.
    public var description: String {
        var counts: [String] = []
        if !missing.isEmpty { counts.append("\(missing.count) missing") }
        if !unexpected.isEmpty { counts.append("\(unexpected.count) unexpected") }
        if !mismatched.isEmpty { counts.append("\(mismatched.count) shape mismatch\(mismatched.count == 1 ? "" : "es")") }
        var lines = ["\(file): cannot load parameters: \(counts.joined(separator: ", "))"]
        if !missing.isEmpty {
            lines.append("  missing from the file (\(missing.count)): \(missing.joined(separator: ", "))")
        }
        if !unexpected.isEmpty {
            lines.append("  unexpected in the file (\(unexpected.count)): \(unexpected.joined(separator: ", "))")
        }
        if !mismatched.isEmpty {
            let items = mismatched.map { "\($0.name): file \($0.file), model \($0.model)" }
            lines.append("  shape mismatch (\(mismatched.count)): \(items.joined(separator: "; "))")
        }
        return lines.joined(separator: "\n")
    }
}

/// Copies `source` into a model's parameters in place (`tensor.data = …`, so the existing `Tensor`
/// objects — and anything holding them, such as an optimizer — see the new values).
///
/// Strict: first checks every name and shape, and if any parameter is missing, any tensor is
/// unexpected or any shape differs, throws one `ParameterLoadError` listing all of them and changes
/// nothing. `file` names the source in the message.
public func loadParameters(_ source: [String: Tensor], into params: [(name: String, tensor: Tensor)], file: URL) throws {
    var missing: [String] = []
    var mismatched: [ParameterLoadError.ShapeMismatch] = []
    var names = Set<String>()
    for (name, tensor) in params {
        precondition(names.insert(name).inserted, "loadParameters: the model lists '\(name)' twice")
        guard let stored = source[name] else {
            missing.append(name)
            continue
        }
        if stored.shape != tensor.shape {
            mismatched.append(.init(name: name, model: tensor.shape, file: stored.shape))
        }
    }
    let unexpected = source.keys.filter { !names.contains($0) }.sorted()
    guard missing.isEmpty, unexpected.isEmpty, mismatched.isEmpty else {
        throw ParameterLoadError(file: file.path, missing: missing, unexpected: unexpected, mismatched: mismatched)
    }
    for (name, tensor) in params {
        tensor.data = source[name]!.data
    }
}
