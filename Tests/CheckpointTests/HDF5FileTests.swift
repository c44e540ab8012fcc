import Foundation
import Testing
import Tensor
import TestSupport
@testable import Checkpoint

/// Reading the shared fixture `tiny-a.h5` (open_clip export) through `HDF5File`.
@Suite struct HDF5FileReadingTests {
    let fixture = FixturePaths.file("tiny-a.h5")

    @Test func readsParameterShapesAndScalars() throws {
        let file = try HDF5File(reading: fixture)
        let conv = try file.tensor("/params/visual.conv1.weight")
        #expect(conv.shape == [64, 3, 8, 8])
        #expect(conv.count == 64 * 3 * 8 * 8)
        let scale = try file.tensor("/params/logit_scale")
        #expect(scale.shape == [])
        // Values read with h5py (float32, shortest round-trip decimals, so the literals are exact).
        #expect(scale.item == 2.659738)
        #expect(Array(conv.data.prefix(3)) == [-0.07031447, 0.0043932833, -0.009143105])
        let inProj = try file.tensor("params/visual.transformer.resblocks.0.attn.in_proj_weight")
        #expect(inProj.shape == [192, 64])
    }

    @Test func listsMembersSortedWithDottedNames() throws {
        let file = try HDF5File(reading: fixture)
        let names = try file.members(of: "/params")
        #expect(names == names.sorted())
        #expect(names.contains("visual.conv1.weight"))
        #expect(names.contains("text_projection"))
        #expect(try file.members(of: "/").contains("params"))
        #expect(file.exists("/params/visual.conv1.weight"))
        #expect(!file.exists("/params/visual.conv2.weight"))
        #expect(!file.exists("/nope/visual.conv1.weight"))
        #expect(file.isGroup("/params") && file.isDataset("/params/logit_scale"))
    }

    @Test func tensorsUnderGroupMatchIndividualReads() throws {
        let file = try HDF5File(reading: fixture)
        let all = try file.tensors(under: "/params")
        #expect(all.count == (try file.members(of: "/params")).count)
        let proj = try #require(all["text_projection"])
        #expect(proj.shape == [64, 64])
        #expect(proj.data == (try file.tensor("/params/text_projection")).data)
    }

    @Test func readsIntegerTokensAndConfigAttribute() throws {
        let file = try HDF5File(reading: fixture)
        let tokens = try file.int32s("/inputs/raw_tokens")
        #expect(tokens.shape == [8, 16])
        #expect(tokens.values.count == 128)
        #expect(tokens.values.allSatisfy { $0 >= 0 && $0 < 1000 })
        let config = try file.stringAttribute("config")
        #expect(config.contains("\"embed_dim\": 64"))
        #expect(try file.stringAttribute("config_name", of: "/") == "tiny-a")
    }

    @Test func missingThingsThrowNamedErrors() throws {
        let file = try HDF5File(reading: fixture)
        let missing = #expect(throws: HDF5Error.self) { try file.tensor("/params/visual.nope") }
        #expect(missing?.object == "/params/visual.nope")
        #expect(missing?.description == "\(fixture.path): /params/visual.nope: no such dataset")
        let group = #expect(throws: HDF5Error.self) { try file.tensor("/params") }
        #expect(group?.message.contains("is a group") == true)
        let attribute = #expect(throws: HDF5Error.self) { try file.stringAttribute("nope") }
        #expect(attribute?.description == "\(fixture.path): /: no attribute 'nope'")
        let noFile = URL(fileURLWithPath: "/nonexistent/dir/x.h5")
        let open = #expect(throws: HDF5Error.self) { try HDF5File(reading: noFile) }
        #expect(open?.description == "/nonexistent/dir/x.h5: no such file; check the path")
    }
}

/// Compressed fixtures and concurrent use.
@Suite struct HDF5FileCompressedAndConcurrentTests {
    @Test func readsGzipCompressedFixtureDatasets() throws {
        let file = try HDF5File(reading: FixturePaths.file("tiny-128.h5"))
        let embedding = try file.tensor("/params/token_embedding.weight")
        #expect(embedding.shape == [4096, 128])
        // Values read with h5py.
        #expect(embedding.data.first == Float(-0.017676740884780884))
        #expect(embedding.data.last == Float(0.05633005499839783))
    }

    @Test func concurrentReadsAreSerialisedSafely() throws {
        let file = try HDF5File(reading: FixturePaths.file("tiny-a.h5"))
        let names = try file.members(of: "/params")
        let expected = try file.tensors(under: "/params")
        final class Sums: @unchecked Sendable {
            let lock = NSLock()
            var values: [Float]
            init(_ n: Int) { values = [Float](repeating: .nan, count: n) }
            subscript(i: Int) -> Float {
                get { lock.withLock { values[i] } }
                set { lock.withLock { values[i] = newValue } }
            }
        }
        let sums = Sums(names.count)
        DispatchQueue.concurrentPerform(iterations: names.count) { i in
            // Each iteration opens its own handle too, so opens and reads interleave across threads.
            let own = try? HDF5File(reading: FixturePaths.file("tiny-a.h5"))
            let tensor = (i % 2 == 0 ? try? file.tensor("/params/\(names[i])") : try? own?.tensor("/params/\(names[i])"))
            sums[i] = tensor?.data.reduce(0, +) ?? .nan
        }
        for (i, name) in names.enumerated() {
            #expect(sums[i] == expected[name]!.data.reduce(0, +), "\(name)")
        }
    }
}
