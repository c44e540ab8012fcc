import Foundation
import Tensor
@testable import Checkpoint

/// A fresh folder under the system's temporary directory, removed by `remove()`.
struct TemporaryFolder {
    let url: URL

    init() throws {
        url = FileManager.default.temporaryDirectory
            .appendingPathComponent("alip-checkpoint-tests-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    }

    /// A path inside the folder.
    func file(_ name: String) -> URL { url.appendingPathComponent(name) }

    /// The names of the files in the folder, hidden ones included.
    func contents() throws -> [String] {
        try FileManager.default.contentsOfDirectory(atPath: url.path).sorted()
    }

    func remove() { try? FileManager.default.removeItem(at: url) }
}

/// A deterministic pseudo-random tensor (SplitMix64 bits mapped to [-1, 1)).
func sampleTensor(_ shape: [Int], seed: UInt64) -> Tensor {
    var state = seed
    let count = shape.reduce(1, *)
    var data = [Float](repeating: 0, count: count)
    for i in 0..<count {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        z ^= z >> 31
        data[i] = Float(z >> 40) / Float(1 << 23) - 1
    }
    return Tensor(shape: shape, data: data)
}

/// A small checkpoint with every kind of content: open_clip names with dots (not in sorted order), a
/// scalar, optimizer slots and attributes, every `StateValue` case, a tokenizer and a recipe.
func sampleCheckpoint(step: Int = 7) -> Checkpoint {
    let special: [Float] = [0, -0.0, .infinity, -.infinity, .leastNonzeroMagnitude, -.leastNormalMagnitude,
                            .greatestFiniteMagnitude, Float(bitPattern: 0x3F80_0001), 1e-38, -123.456]
    let model: [(name: String, tensor: Tensor)] = [
        ("visual.conv1.weight", sampleTensor([8, 3, 4, 4], seed: 1)),
        ("visual.transformer.resblocks.0.attn.in_proj_weight", sampleTensor([24, 8], seed: 2)),
        ("logit_scale", Tensor(Float(2.6592))),
        ("text_projection", sampleTensor([8, 6], seed: 3)),
        ("a.specials", Tensor(shape: [special.count], data: special)),
    ]
    var optimizer: [String: [String: Tensor]] = [:]
    for (name, tensor) in model {
        optimizer[name] = ["exp_avg": sampleTensor(tensor.shape, seed: 10 + UInt64(tensor.count)),
                           "exp_avg_sq": sampleTensor(tensor.shape, seed: 20 + UInt64(tensor.count))]
    }
    return Checkpoint(
        model: model, optimizer: optimizer,
        optimizerAttributes: ["name": .string("adamw"), "step": .int(step), "lr": .double(1e-3)],
        state: ["gates/lcg.momentum": .double(0.9876543210123),
                "scheduler.step": .int(step),
                "rng": .words([0, 1, UInt64.max, 0xDEAD_BEEF_0123_4567]),
                "ema.history": .doubles([1.0, 0.5, -0.25]),
                "data.shard": .string("shard-0003.tar")],
        tokenizer: #"{"vocab": {"a": 0, "b": 1}, "merges": ["a b"]}"#,
        recipe: "model:\n  type: clip\ntrain:\n  steps: 100\n", step: step,
        created: "2025-01-31T12:00:00Z")
}
