import Foundation
import Testing
import Tensor
import TestSupport
@testable import Checkpoint

/// Strict loading into a model's parameter list, and importing open_clip exports.
@Suite struct ParameterLoadingTests {
    let url = URL(fileURLWithPath: "/runs/x/ckpt.h5")

    @Test func loadsInPlaceIntoTheSameTensorObjects() throws {
        let weight = Tensor.zeros([2, 3])
        let scale = Tensor(0)
        let params: [(name: String, tensor: Tensor)] = [("w", weight), ("logit_scale", scale)]
        try loadParameters(["w": Tensor(shape: [2, 3], data: [1, 2, 3, 4, 5, 6]), "logit_scale": Tensor(4.5)],
                           into: params, file: url)
        #expect(params[0].tensor === weight)
        #expect(weight.data == [1, 2, 3, 4, 5, 6])
        #expect(scale.item == 4.5)
    }

    @Test func reportsEveryProblemAtOnceAndChangesNothing() throws {
        let params: [(name: String, tensor: Tensor)] = [
            ("visual.proj", Tensor.zeros([4, 2])), ("text_projection", Tensor.zeros([4, 2])),
            ("logit_scale", Tensor(0)), ("ln_final.weight", Tensor.zeros([4])), ("ln_final.bias", Tensor.zeros([4])),
        ]
        let source: [String: Tensor] = [
            "visual.proj": Tensor.ones([2, 4]),          // transposed
            "logit_scale": Tensor.ones([1]),             // [1] instead of a scalar
            "ln_final.weight": Tensor.ones([4]),         // fine
            "zz.extra": Tensor.ones([1]), "attn_mask": Tensor.ones([2, 2]),
        ]
        let error = #expect(throws: ParameterLoadError.self) { try loadParameters(source, into: params, file: url) }
        #expect(error?.missing == ["text_projection", "ln_final.bias"])
        #expect(error?.unexpected == ["attn_mask", "zz.extra"])
        #expect(error?.mismatched.map(\.name) == ["visual.proj", "logit_scale"])
        #expect(error?.description == """
            /runs/x/ckpt.h5: cannot load parameters: 2 missing, 2 unexpected, 2 shape mismatches
              missing from the file (2): text_projection, ln_final.bias
              unexpected in the file (2): attn_mask, zz.extra
              shape mismatch (2): visual.proj: file [2, 4], model [4, 2]; logit_scale: file [1], model []
            """)
        #expect(params[3].tensor.data == [0, 0, 0, 0], "nothing is copied when anything is wrong")
    }

    @Test func importsTheOpenCLIPFixture() throws {
        let url = FixturePaths.file("tiny-a.h5")
        let export = try OpenCLIPExport.read(from: url)
        #expect(export.config.contains("\"vision\""))
        #expect(export.params["visual.conv1.weight"]?.shape == [64, 3, 8, 8])
        #expect(export.params["logit_scale"]?.shape == [])
        #expect(export.params["text_projection"]?.shape == [64, 64])
        #expect(export.params.count == (try HDF5File(reading: url).members(of: "/params")).count)
        // It loads strictly into a parameter list of the same names and shapes.
        let params = export.params.keys.sorted().map { (name: $0, tensor: Tensor.zeros(export.params[$0]!.shape)) }
        try loadParameters(export.params, into: params, file: url)
        #expect(params.first { $0.name == "logit_scale" }?.tensor.item == 2.659738)
    }

    @Test func exportErrorsNameTheFile() throws {
        let folder = try TemporaryFolder()
        defer { folder.remove() }
        let ckpt = folder.file("ckpt.h5")
        try sampleCheckpoint().write(to: ckpt)
        let error = #expect(throws: HDF5Error.self) { try OpenCLIPExport.read(from: ckpt) }
        #expect(error?.description ==
            "\(ckpt.path): is an alip checkpoint, not an open_clip export; read it with Checkpoint.read(from:)")
        let other = folder.file("other.h5")
        let file = try HDF5File(creating: other)
        try file.write(floats: [1], shape: [1], to: "/params/w")
        try file.close()
        let config = #expect(throws: HDF5Error.self) { try OpenCLIPExport.read(from: other) }
        #expect(config?.description == "\(other.path): /: no attribute 'config'")
    }
}
