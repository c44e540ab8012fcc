import Foundation
import Tensor

/// A training checkpoint: the model's parameters under their open_clip names, the optimizer's per-
/// parameter slots, named training state, the tokenizer, and the resolved recipe, stored as HDF5
/// (readable by h5py; layout in Docs/checkpoints.md and DESIGN.md §7):
///
/// ```
/// /   attrs: format = "alip-checkpoint", format_version, step, recipe, framework_version, created
/// /model/<dotted name>              float32, open_clip shapes, in the order written
/// /optimizer/<dotted name>/<slot>   float32 (exp_avg, exp_avg_sq, …); attrs of /optimizer: name, step, …
/// /state/<name>                     float64 / int64 / uint64 / string values (`StateValue`)
/// /tokenizer/json                   the tokenizer as one JSON string
/// ```
///
/// `write(to:)` is crash-safe: it writes a temporary file beside the target, flushes it to disk and
/// renames it over the target, so an interrupted write never destroys the previous checkpoint.
/// The tensors are held by reference; `write` reads their current values.
public struct Checkpoint {
    /// The value of the root `format` attribute.
    public static let format = "alip-checkpoint"
    /// The layout version this build writes and the newest it reads.
    public static let currentFormatVersion = 1
    /// The framework version recorded in new checkpoints.
    public static let currentFrameworkVersion = "0.1.0"

    /// The model's parameters, by open_clip name, in the model's order.
    public var model: [(name: String, tensor: Tensor)]
    /// Optimizer slots: parameter name → slot name (`exp_avg`, `exp_avg_sq`, …) → tensor.
    public var optimizer: [String: [String: Tensor]]
    /// Attributes of the `/optimizer` group, e.g. `name` = "adamw", `step`.
    public var optimizerAttributes: [String: StateValue]
    /// Named training state (gate EMAs, scheduler, RNG words, data position). A `/` in a name makes
    /// subgroups (`gates/lcg/momentum`).
    public var state: [String: StateValue]
    /// The tokenizer, serialised (JSON), if the run has one.
    public var tokenizer: String?
    /// The resolved recipe (YAML text).
    public var recipe: String
    /// The optimizer step the checkpoint was taken after.
    public var step: Int
    /// The layout version (as read; `write` always writes `currentFormatVersion`).
    public var formatVersion: Int
    /// The version of the framework that wrote it.
    public var frameworkVersion: String
    /// When it was written (ISO 8601).
    public var created: String

    /// Creates a checkpoint value; `created` defaults to now.
    public init(model: [(name: String, tensor: Tensor)],
                optimizer: [String: [String: Tensor]] = [:],
                optimizerAttributes: [String: StateValue] = [:],
                state: [String: StateValue] = [:],
                tokenizer: String? = nil,
                recipe: String = "",
                step: Int = 0,
                frameworkVersion: String = Checkpoint.currentFrameworkVersion,
                created: String = Checkpoint.timestamp()) {
        self.model = model
        self.optimizer = optimizer
        self.optimizerAttributes = optimizerAttributes
        self.state = state
        self.tokenizer = tokenizer
        self.recipe = recipe
        self.step = step
        self.formatVersion = Checkpoint.currentFormatVersion
        self.frameworkVersion = frameworkVersion
        self.created = created
    }

    /// The current time as ISO 8601 (`2025-01-31T12:00:00Z`).
    public static func timestamp(_ date: Date = Date()) -> String {
        ISO8601DateFormatter().string(from: date)
    }

    /// The model's parameters by name (for `loadParameters`).
    public var modelByName: [String: Tensor] {
        Dictionary(model.map { ($0.name, $0.tensor) }, uniquingKeysWith: { first, _ in first })
    }

    /// The number of model parameters (elements over all tensors).
    public var parameterCount: Int { model.reduce(0) { $0 + $1.tensor.count } }

    /// How `write(to:compression:)` stores tensors.
    public enum Compression: Sendable, Equatable {
        /// Contiguous, uncompressed (fastest).
        case none
        /// gzip (with shuffle) at `level` 1…9 for tensors of at least `minimumElements` elements.
        case gzip(level: Int = 4, minimumElements: Int = 1 << 16)
    }

    // MARK: - Writing

    /// Writes the checkpoint to `url` crash-safely (temporary file, flush, rename over `url`).
    public func write(to url: URL, compression: Compression = .none) throws {
        try write(to: url, compression: compression, beforeEachDataset: nil)
    }

    /// `write(to:compression:)` with a hook called before each dataset is written (tests use it to
    /// simulate a failure halfway).
    func write(to url: URL, compression: Compression, beforeEachDataset hook: ((String) throws -> Void)?) throws {
        try validateNames(url)
        let folder = url.deletingLastPathComponent()
        let temporary = folder.appendingPathComponent(
            ".\(url.lastPathComponent).\(ProcessInfo.processInfo.processIdentifier)-\(UUID().uuidString.prefix(8)).tmp.h5")
        do {
            let file = try HDF5File(creating: temporary)
            do {
                try writeContents(file, compression: compression, hook: hook)
                try file.close()
            } catch {
                try? file.close()
                throw error
            }
            try Self.synchronise(temporary)
            guard rename(temporary.path, url.path) == 0 else {
                let reason = String(cString: strerror(errno))
                throw HDF5Error(file: url, "cannot move the finished checkpoint into place (\(reason)); the previous file is untouched")
            }
            Self.synchroniseFolder(folder)
        } catch let error as HDF5Error where error.file == temporary.path {
            try? FileManager.default.removeItem(at: temporary)
            throw HDF5Error(file: url, object: error.object, error.message + "; the previous file, if any, is untouched")
        } catch {
            try? FileManager.default.removeItem(at: temporary)
            throw error
        }
    }

    /// Rejects names HDF5 cannot store as one dataset (empty, `.`/`..`, a `/` in a parameter or slot).
    func validateNames(_ url: URL) throws {
        func check(_ name: String, _ group: String, allowSlash: Bool = false) throws {
            let parts = allowSlash ? name.split(separator: "/", omittingEmptySubsequences: false).map(String.init) : [name]
            if parts.contains(where: { $0.isEmpty || $0 == "." || $0 == ".." }) || (!allowSlash && name.contains("/")) {
                throw HDF5Error(file: url, object: "\(group)/\(name)",
                                "invalid name: names must be non-empty\(allowSlash ? " components" : ", without '/'"), and not '.' or '..'")
            }
        }
        var seen = Set<String>()
        for (name, _) in model {
            try check(name, "/model")
            guard seen.insert(name).inserted else {
                throw HDF5Error(file: url, object: "/model/\(name)", "the model lists this parameter twice")
            }
        }
        for (name, slots) in optimizer {
            try check(name, "/optimizer")
            for slot in slots.keys { try check(slot, "/optimizer/\(name)") }
        }
        for name in state.keys { try check(name, "/state", allowSlash: true) }
    }

    /// Writes every group, dataset and attribute into an open, empty file.
    func writeContents(_ file: HDF5File, compression: Compression, hook: ((String) throws -> Void)?) throws {
        func level(_ tensor: Tensor) -> Int? {
            if case .gzip(let level, let minimum) = compression, tensor.count >= minimum, !tensor.shape.isEmpty { return level }
            return nil
        }
        try file.setAttribute("format", string: Self.format)
        try file.setAttribute("format_version", int: Self.currentFormatVersion)
        try file.setAttribute("step", int: step)
        try file.setAttribute("recipe", string: recipe)
        try file.setAttribute("framework_version", string: frameworkVersion)
        try file.setAttribute("created", string: created)

        try file.createGroup("/model", trackOrder: true)
        for (name, tensor) in model {
            let path = "/model/\(name)"
            try hook?(path)
            try file.write(tensor, to: path, gzipLevel: level(tensor))
        }
        if !optimizer.isEmpty || !optimizerAttributes.isEmpty {
            try file.createGroup("/optimizer")
            for (key, value) in optimizerAttributes.sorted(by: { $0.key < $1.key }) {
                try file.setAttribute(key, value, of: "/optimizer")
            }
            for (name, slots) in optimizer.sorted(by: { $0.key < $1.key }) {
                try file.createGroup("/optimizer/\(name)")
                for (slot, tensor) in slots.sorted(by: { $0.key < $1.key }) {
                    let path = "/optimizer/\(name)/\(slot)"
                    try hook?(path)
                    try file.write(tensor, to: path, gzipLevel: level(tensor))
                }
            }
        }
        if !state.isEmpty {
            try file.createGroup("/state")
            for (name, value) in state.sorted(by: { $0.key < $1.key }) {
                let path = "/state/\(name)"
                try hook?(path)
                try file.write(value, to: path)
            }
        }
        if let tokenizer {
            try hook?("/tokenizer/json")
            try file.write(string: tokenizer, to: "/tokenizer/json")
        }
    }

    /// Forces a written file's bytes to disk before it is renamed into place.
    static func synchronise(_ url: URL) throws {
        do {
            let handle = try FileHandle(forWritingTo: url)
            defer { try? handle.close() }
            try handle.synchronize()
        } catch {
            throw HDF5Error(file: url, "cannot flush the written file to disk (\(error.localizedDescription))")
        }
    }

    /// Best effort: makes the rename itself durable.
    static func synchroniseFolder(_ folder: URL) {
        let fd = open(folder.path, O_RDONLY)
        guard fd >= 0 else { return }
        _ = fsync(fd)
        _ = Foundation.close(fd)
    }

    // MARK: - Reading

    /// Reads a checkpoint. Throws an `HDF5Error` naming the file (and dataset) when the file is missing,
    /// not HDF5, truncated, HDF5 of another kind, from a newer format version, or incomplete.
    public static func read(from url: URL) throws -> Checkpoint {
        let file = try HDF5File(reading: url)
        try checkFormat(file)
        let step = try file.intAttribute("step")
        let recipe = try file.stringAttribute("recipe")
        let frameworkVersion = try file.stringAttribute("framework_version")
        let created = try file.stringAttribute("created")

        guard file.isGroup("/model") else {
            throw HDF5Error(file: url, object: "/model", "no such group: the checkpoint has no model parameters (incomplete file?)")
        }
        var model: [(name: String, tensor: Tensor)] = []
        for name in try file.members(of: "/model", inCreationOrder: true) {
            model.append((name, try file.tensor("/model/\(name)")))
        }

        var optimizer: [String: [String: Tensor]] = [:]
        var optimizerAttributes: [String: StateValue] = [:]
        if file.isGroup("/optimizer") {
            for key in try file.attributeNames(of: "/optimizer") {
                optimizerAttributes[key] = try file.attribute(key, of: "/optimizer")
            }
            for name in try file.members(of: "/optimizer") {
                let path = "/optimizer/\(name)"
                guard file.isGroup(path) else {
                    throw HDF5Error(file: url, object: path, "expected a group of optimizer slots, found a dataset")
                }
                optimizer[name] = try file.tensors(under: path)
            }
        }

        var state: [String: StateValue] = [:]
        if file.isGroup("/state") { try readState(file, group: "/state", prefix: "", into: &state) }

        let tokenizer: String?
        if file.exists("/tokenizer/json") {
            guard case .string(let text) = try file.value("/tokenizer/json") else {
                throw HDF5Error(file: url, object: "/tokenizer/json", "is not a string")
            }
            tokenizer = text
        } else {
            tokenizer = nil
        }

        var checkpoint = Checkpoint(model: model, optimizer: optimizer, optimizerAttributes: optimizerAttributes,
                                    state: state, tokenizer: tokenizer, recipe: recipe, step: step,
                                    frameworkVersion: frameworkVersion, created: created)
        checkpoint.formatVersion = try file.intAttribute("format_version")
        return checkpoint
    }

    /// Throws unless the open file is an alip checkpoint of a version this build reads.
    static func checkFormat(_ file: HDF5File) throws {
        let found = file.hasAttribute("format") ? try file.attribute("format") : nil
        if found != .string(format), file.isGroup("/params"), file.hasAttribute("config") {
            throw HDF5Error(file: file.url, "is an open_clip export (/params and a 'config' attribute), not an alip checkpoint; import it with OpenCLIPExport.read(from:)")
        }
        guard let found else {
            throw HDF5Error(file: file.url, "is an HDF5 file but not an alip checkpoint (no root attribute format = \"\(format)\")")
        }
        guard found == .string(format) else {
            throw HDF5Error(file: file.url, object: "/", "attribute 'format' is \(found), expected \"\(format)\"; this is not an alip checkpoint")
        }
        let version = try file.intAttribute("format_version")
        guard version >= 1 else {
            throw HDF5Error(file: file.url, object: "/", "attribute 'format_version' is \(version); expected 1…\(currentFormatVersion)")
        }
        guard version <= currentFormatVersion else {
            throw HDF5Error(file: file.url, object: "/", "format_version \(version) is newer than this build reads (up to \(currentFormatVersion)); update alip-swift to open it")
        }
    }

    /// Reads every dataset under `group` (recursively) as state named by its path below `/state`.
    static func readState(_ file: HDF5File, group: String, prefix: String, into state: inout [String: StateValue]) throws {
        for name in try file.members(of: group) {
            let path = "\(group)/\(name)"
            if file.isGroup(path) {
                try readState(file, group: path, prefix: prefix + name + "/", into: &state)
            } else {
                state[prefix + name] = try file.value(path)
            }
        }
    }
}
