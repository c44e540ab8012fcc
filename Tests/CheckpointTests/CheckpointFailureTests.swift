import Foundation
import Testing
import Tensor
import TestSupport
@testable import Checkpoint

/// A write that fails halfway keeps the previous file; bad files give clear errors, never a crash.
@Suite struct CheckpointFailureTests {
    struct SimulatedFailure: Error, Equatable {}

    @Test func failureHalfwayKeepsThePreviousCheckpoint() throws {
        let folder = try TemporaryFolder()
        defer { folder.remove() }
        let url = folder.file("ckpt.h5")
        let good = sampleCheckpoint(step: 1)
        try good.write(to: url)
        let before = try Data(contentsOf: url)

        var written: [String] = []
        #expect(throws: SimulatedFailure.self) {
            try sampleCheckpoint(step: 2).write(to: url, compression: .none) { path in
                written.append(path)
                if path == "/optimizer/logit_scale/exp_avg" { throw SimulatedFailure() }
            }
        }
        #expect(written.count > 5, "the failure came after several datasets were written")
        #expect(try Data(contentsOf: url) == before, "the previous file is byte for byte intact")
        #expect(try Checkpoint.read(from: url).step == 1)
        #expect(try folder.contents() == ["ckpt.h5"], "the temporary file was removed")
    }

    @Test func libraryFailureHalfwayKeepsThePreviousCheckpoint() throws {
        let folder = try TemporaryFolder()
        defer { folder.remove() }
        let url = folder.file("ckpt.h5")
        try sampleCheckpoint(step: 1).write(to: url)
        // "/state/a" is written as a dataset, so "/state/a/b" cannot be created under it.
        var bad = sampleCheckpoint(step: 2)
        bad.state = ["a": .int(1), "a/b": .int(2)]
        let error = #expect(throws: HDF5Error.self) { try bad.write(to: url) }
        #expect(error?.description ==
            "\(url.path): /state/a/b: cannot be created: '/state/a' is a dataset, not a group; the previous file, if any, is untouched")
        #expect(try Checkpoint.read(from: url).step == 1)
        #expect(try folder.contents() == ["ckpt.h5"])
    }

    @Test func writingIntoAMissingFolderFailsClearly() throws {
        let url = URL(fileURLWithPath: "/nonexistent-alip-folder/ckpt.h5")
        let error = #expect(throws: HDF5Error.self) { try sampleCheckpoint().write(to: url) }
        #expect(error?.description ==
            "/nonexistent-alip-folder/ckpt.h5: cannot create the file; check that the folder exists and is writable; the previous file, if any, is untouched")
    }

    @Test func missingFile() throws {
        let url = URL(fileURLWithPath: "/nonexistent-alip-folder/ckpt.h5")
        let error = #expect(throws: HDF5Error.self) { try Checkpoint.read(from: url) }
        #expect(error?.description == "/nonexistent-alip-folder/ckpt.h5: no such file; check the path")
    }

    @Test(arguments: ["text", "random", "empty"])
    func fileOfAnotherFormat(kind: String) throws {
        let folder = try TemporaryFolder()
        defer { folder.remove() }
        let url = folder.file("\(kind).h5")
        switch kind {
        case "text": try Data("model:\n  type: clip\n".utf8).write(to: url)
        case "random": try Data((0..<4096).map { UInt8(truncatingIfNeeded: $0 &* 2_654_435_761 >> 13) }).write(to: url)
        default: try Data().write(to: url)
        }
        let error = #expect(throws: HDF5Error.self) { try Checkpoint.read(from: url) }
        #expect(error?.description ==
            "\(url.path): not an HDF5 file (no HDF5 signature); expected an .h5 checkpoint or export")
    }

    @Test func truncatedFile() throws {
        let folder = try TemporaryFolder()
        defer { folder.remove() }
        let url = folder.file("ckpt.h5")
        try sampleCheckpoint().write(to: url)
        let bytes = try Data(contentsOf: url)
        try bytes.prefix(bytes.count / 2).write(to: url)
        let error = #expect(throws: HDF5Error.self) { try Checkpoint.read(from: url) }
        #expect(error?.description == "\(url.path): cannot open the HDF5 file: it is truncated, corrupt, or being written by another process")
    }

    @Test func hdf5ButNotACheckpoint() throws {
        let folder = try TemporaryFolder()
        defer { folder.remove() }
        let url = folder.file("other.h5")
        let file = try HDF5File(creating: url)
        try file.write(floats: [1, 2, 3], shape: [3], to: "/weights/w")
        try file.close()
        let error = #expect(throws: HDF5Error.self) { try Checkpoint.read(from: url) }
        #expect(error?.description ==
            "\(url.path): is an HDF5 file but not an alip checkpoint (no root attribute format = \"alip-checkpoint\")")

        let fixture = FixturePaths.file("tiny-a.h5")
        let export = #expect(throws: HDF5Error.self) { try Checkpoint.read(from: fixture) }
        #expect(export?.message.hasPrefix("is an open_clip export") == true)
        #expect(export?.file == fixture.path)
    }

    /// Writes a file with the checkpoint's root attributes but a chosen format and version.
    func writeHeader(_ url: URL, format: String = Checkpoint.format, version: Int, model: Bool = true) throws {
        let file = try HDF5File(creating: url)
        try file.setAttribute("format", string: format)
        try file.setAttribute("format_version", int: version)
        try file.setAttribute("step", int: 3)
        try file.setAttribute("recipe", string: "")
        try file.setAttribute("framework_version", string: "9.9.9")
        try file.setAttribute("created", string: "2030-01-01T00:00:00Z")
        if model { try file.write(Tensor(1), to: "/model/logit_scale") }
        try file.close()
    }

    @Test func newerFormatVersion() throws {
        let folder = try TemporaryFolder()
        defer { folder.remove() }
        let url = folder.file("future.h5")
        try writeHeader(url, version: Checkpoint.currentFormatVersion + 1)
        let error = #expect(throws: HDF5Error.self) { try Checkpoint.read(from: url) }
        #expect(error?.description ==
            "\(url.path): /: format_version 2 is newer than this build reads (up to 1); update alip-swift to open it")
        // The same header at the current version reads.
        try writeHeader(url, version: Checkpoint.currentFormatVersion)
        let ok = try Checkpoint.read(from: url)
        #expect(ok.step == 3 && ok.frameworkVersion == "9.9.9" && ok.model.map(\.name) == ["logit_scale"])
    }

    @Test func wrongFormatAttribute() throws {
        let folder = try TemporaryFolder()
        defer { folder.remove() }
        let url = folder.file("other.h5")
        try writeHeader(url, format: "keras", version: 1)
        let error = #expect(throws: HDF5Error.self) { try Checkpoint.read(from: url) }
        #expect(error?.description ==
            "\(url.path): /: attribute 'format' is \"keras\", expected \"alip-checkpoint\"; this is not an alip checkpoint")
    }

    @Test func missingModelGroupAndAttributes() throws {
        let folder = try TemporaryFolder()
        defer { folder.remove() }
        let url = folder.file("empty.h5")
        try writeHeader(url, version: 1, model: false)
        let error = #expect(throws: HDF5Error.self) { try Checkpoint.read(from: url) }
        #expect(error?.description ==
            "\(url.path): /model: no such group: the checkpoint has no model parameters (incomplete file?)")

        let file = try HDF5File(creating: url)
        try file.setAttribute("format", string: Checkpoint.format)
        try file.setAttribute("format_version", int: 1)
        try file.close()
        let attribute = #expect(throws: HDF5Error.self) { try Checkpoint.read(from: url) }
        #expect(attribute?.description == "\(url.path): /: no attribute 'step'")
    }

    @Test func missingAndMisShapedParameterWhenLoading() throws {
        let folder = try TemporaryFolder()
        defer { folder.remove() }
        let url = folder.file("ckpt.h5")
        try sampleCheckpoint().write(to: url)
        let checkpoint = try Checkpoint.read(from: url)
        // A model that expects one more parameter and a different text_projection shape.
        var params = sampleCheckpoint().model.map { (name: $0.name, tensor: Tensor.zeros($0.tensor.shape)) }
        params[3] = ("text_projection", Tensor.zeros([6, 8]))
        params.append(("visual.proj", Tensor.zeros([8, 6])))
        let error = #expect(throws: ParameterLoadError.self) {
            try loadParameters(checkpoint.modelByName, into: params, file: url)
        }
        #expect(error?.missing == ["visual.proj"])
        #expect(error?.mismatched == [.init(name: "text_projection", model: [6, 8], file: [8, 6])])
        #expect(error?.description.hasPrefix("\(url.path): cannot load parameters: 1 missing, 1 shape mismatch") == true)
    }

    @Test func wrongKindsOfDatasetsAreNamed() throws {
        let folder = try TemporaryFolder()
        defer { folder.remove() }
        let url = folder.file("odd.h5")
        let file = try HDF5File(creating: url)
        try file.write(string: "hello", to: "/s")
        try file.write(int64s: [1, 2], shape: [2], to: "/ints")
        try file.close()
        let reader = try HDF5File(reading: url)
        let notNumeric = #expect(throws: HDF5Error.self) { try reader.tensor("/s") }
        #expect(notNumeric?.description.hasPrefix("\(url.path): /s: is not a numeric dataset") == true)
        let notInt = #expect(throws: HDF5Error.self) { try reader.int32s("/s") }
        #expect(notInt?.description == "\(url.path): /s: is not an integer dataset")
        let signedArray = #expect(throws: HDF5Error.self) { try reader.value("/ints") }
        #expect(signedArray?.description ==
            "\(url.path): /ints: dataset is a signed integer array; expected a scalar or uint64 words")
        #expect(try reader.int32s("/ints").values == [1, 2])
        #expect(try reader.tensor("/ints").data == [1, 2], "integers convert to Float32")
        let readOnly = #expect(throws: HDF5Error.self) { try reader.write(Tensor(1), to: "/x") }
        #expect(readOnly?.description == "\(url.path): /x: the file is open read-only")
        try reader.close()
        let closed = #expect(throws: HDF5Error.self) { try reader.tensor("/s") }
        #expect(closed?.description == "\(url.path): /s: the file is closed")
    }
}
