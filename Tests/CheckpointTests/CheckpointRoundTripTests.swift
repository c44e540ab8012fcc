import Foundation
import Testing
import Tensor
@testable import Checkpoint

/// Writing and reading checkpoints: bit-exact round trips, order, gzip, h5py compatibility.
@Suite struct CheckpointRoundTripTests {
    @Test func roundTripIsBitExact() throws {
        let folder = try TemporaryFolder()
        defer { folder.remove() }
        let original = sampleCheckpoint()
        let url = folder.file("ckpt.h5")
        try original.write(to: url)
        let read = try Checkpoint.read(from: url)

        #expect(read.model.map(\.name) == original.model.map(\.name), "model order is kept")
        for ((_, a), (name, b)) in zip(original.model, read.model) {
            #expect(a.shape == b.shape, "\(name)")
            #expect(a.data.map(\.bitPattern) == b.data.map(\.bitPattern), "\(name)")
        }
        #expect(read.model[2].tensor.shape == [], "logit_scale stays a scalar")
        #expect(Set(read.optimizer.keys) == Set(original.optimizer.keys))
        for (name, slots) in original.optimizer {
            let other = try #require(read.optimizer[name])
            #expect(Set(other.keys) == ["exp_avg", "exp_avg_sq"])
            for (slot, tensor) in slots {
                #expect(other[slot]?.shape == tensor.shape)
                #expect(other[slot]?.data.map(\.bitPattern) == tensor.data.map(\.bitPattern), "\(name)/\(slot)")
            }
        }
        #expect(read.optimizerAttributes == original.optimizerAttributes)
        #expect(read.state == original.state)
        #expect(read.tokenizer == original.tokenizer)
        #expect(read.recipe == original.recipe)
        #expect(read.step == 7)
        #expect(read.formatVersion == Checkpoint.currentFormatVersion)
        #expect(read.frameworkVersion == Checkpoint.currentFrameworkVersion)
        #expect(read.created == "2025-01-31T12:00:00Z")
        #expect(try folder.contents() == ["ckpt.h5"], "no temporary file is left behind")
    }

    @Test func randomBitPatternsSurviveExceptNaNPayloads() throws {
        let folder = try TemporaryFolder()
        defer { folder.remove() }
        var bits = [UInt32](repeating: 0, count: 4096)
        var x: UInt32 = 0x1234_5678
        for i in bits.indices {
            x ^= x << 13; x ^= x >> 17; x ^= x << 5
            bits[i] = x
        }
        let floats = bits.map { Float(bitPattern: $0) }
        let tensor = Tensor(shape: [64, 64], data: floats)
        let url = folder.file("bits.h5")
        try Checkpoint(model: [("bits", tensor), ("nan", Tensor(.nan))]).write(to: url)
        let read = try Checkpoint.read(from: url)
        let back = read.model[0].tensor.data
        for i in floats.indices where !floats[i].isNaN {
            #expect(back[i].bitPattern == bits[i], "element \(i)")
        }
        #expect(zip(floats, back).allSatisfy { $0.isNaN == $1.isNaN })
        #expect(read.model[1].tensor.item.isNaN)
        #expect(read.optimizer.isEmpty && read.state.isEmpty && read.tokenizer == nil)
    }

    @Test func overwritingReplacesThePreviousCheckpoint() throws {
        let folder = try TemporaryFolder()
        defer { folder.remove() }
        let url = folder.file("ckpt.h5")
        try sampleCheckpoint(step: 1).write(to: url)
        try sampleCheckpoint(step: 2).write(to: url)
        #expect(try Checkpoint.read(from: url).step == 2)
        #expect(try folder.contents() == ["ckpt.h5"])
    }

    @Test func largeDatasetsCanBeGzipped() throws {
        let folder = try TemporaryFolder()
        defer { folder.remove() }
        // 512 × 512 values with few distinct bytes: compresses well, and spans several chunks.
        let data = (0..<(512 * 512)).map { Float(($0 / 7) % 13) * 0.5 }
        let big = Tensor(shape: [512, 512], data: data)
        let model: [(name: String, tensor: Tensor)] = [("token_embedding.weight", big), ("logit_scale", Tensor(1))]
        let plain = folder.file("plain.h5")
        let packed = folder.file("packed.h5")
        try Checkpoint(model: model).write(to: plain)
        try Checkpoint(model: model).write(to: packed, compression: .gzip(level: 4, minimumElements: 1 << 16))
        let plainSize = try #require(try FileManager.default.attributesOfItem(atPath: plain.path)[.size] as? Int)
        let packedSize = try #require(try FileManager.default.attributesOfItem(atPath: packed.path)[.size] as? Int)
        #expect(plainSize > 512 * 512 * 4)
        #expect(packedSize * 10 < plainSize, "gzip should shrink this highly regular tensor tenfold")
        let read = try Checkpoint.read(from: packed)
        #expect(read.model[0].tensor.shape == [512, 512])
        #expect(read.model[0].tensor.data == data)
        #expect(read.model[1].tensor.shape == [])
    }

    @Test func chunkShapeCoversTrailingAxesFirst() {
        #expect(HDF5File.chunkShape([512, 512], target: 1 << 18) == [512, 512])
        #expect(HDF5File.chunkShape([4096, 512], target: 1 << 18) == [512, 512])
        #expect(HDF5File.chunkShape([10, 3, 1 << 20], target: 1 << 18) == [1, 1, 1 << 18])
        #expect(HDF5File.chunkShape([100], target: 1 << 18) == [100])
    }

    @Test func invalidNamesAreRejectedBeforeWriting() throws {
        let folder = try TemporaryFolder()
        defer { folder.remove() }
        let url = folder.file("bad.h5")
        let slash = #expect(throws: HDF5Error.self) {
            try Checkpoint(model: [("visual/conv1", Tensor(1))]).write(to: url)
        }
        #expect(slash?.object == "/model/visual/conv1")
        let twice = #expect(throws: HDF5Error.self) {
            try Checkpoint(model: [("a", Tensor(1)), ("a", Tensor(2))]).write(to: url)
        }
        #expect(twice?.description == "\(url.path): /model/a: the model lists this parameter twice")
        #expect(try folder.contents().isEmpty)
    }

    static let h5pyAvailable: Bool = {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["python3", "-c", "import h5py"]
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        guard (try? process.run()) != nil else { return false }
        process.waitUntilExit()
        return process.terminationStatus == 0
    }()

    @Test(.enabled(if: h5pyAvailable, "skipped: python3 with h5py is not installed"))
    func h5pyReadsTheCheckpoint() throws {
        let folder = try TemporaryFolder()
        defer { folder.remove() }
        let url = folder.file("ckpt.h5")
        try sampleCheckpoint().write(to: url)
        let process = Process()
        let pipe = Pipe()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["python3", "-c", """
            import sys, h5py
            f = h5py.File(sys.argv[1], 'r')
            print(f['model/visual.conv1.weight'].shape, f['model/logit_scale'].shape, f['model/visual.conv1.weight'].dtype)
            print(f.attrs['format'], f.attrs['step'], f['optimizer'].attrs['name'], list(f['state/rng'][()]))
            print(f['tokenizer/json'][()].decode())
            """, url.path]
        process.standardOutput = pipe
        try process.run()
        let output = String(decoding: pipe.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        #expect(process.terminationStatus == 0)
        let lines = output.split(separator: "\n").map(String.init)
        #expect(lines.first == "(8, 3, 4, 4) () float32")
        #expect(lines.dropFirst().first?.hasPrefix("alip-checkpoint 7 adamw [") == true)
        #expect(lines.dropFirst().first?.contains("18446744073709551615") == true)
        #expect(lines.last == sampleCheckpoint().tokenizer)
    }
}
