import Foundation
import Testing
import Components
import Tensor
@testable import NN

private let registry = Registry(origin: "built-in", NNComponents.entries)

private func context(facts: [String: Int], seed: UInt64 = 0) -> BuildContext {
    let c = BuildContext(registry: registry, baseDirectory: URL(fileURLWithPath: "/tmp"), seed: seed)
    c.facts = facts
    return c
}

private let tinyModel: ConfigValue = .map([
    "type": .string("dual-encoder"), "embed_dim": .int(16),
    "image": .map(["type": .string("vit"), "width": .int(16), "layers": .int(1), "heads": .int(2), "patch_size": .int(4)]),
    "text": .map(["type": .string("text-transformer"), "width": .int(16), "layers": .int(1), "heads": .int(2)]),
])

private let facts = ["image_size": 8, "vocab_size": 30, "context_length": 5]

private func build(_ value: ConfigValue, facts: [String: Int] = facts, seed: UInt64 = 0) throws -> DualEncoder {
    try registry.make(.model, value, path: "model", context: context(facts: facts, seed: seed))
}

private func withKey(_ value: ConfigValue, _ path: [String], _ v: ConfigValue) -> ConfigValue {
    guard case .map(var m) = value else { return value }
    if path.count == 1 { m[path[0]] = v } else { m[path[0]] = withKey(m[path[0]] ?? .map([:]), Array(path.dropFirst()), v) }
    return .map(m)
}

@Suite("Registered components")
struct ComponentTests {
    @Test func tableListsTheThreeComponents() {
        #expect(registry.names(.encoder) == ["text-transformer", "vit"])
        #expect(registry.names(.model) == ["dual-encoder"])
        for (_, type) in NNComponents.entries {
            let names = type.parameters.map(\.name)
            #expect(Set(names).count == names.count, "\(type.typeName) declares a parameter twice")
            #expect(type.parameters.allSatisfy { !$0.doc.isEmpty })
        }
    }

    @Test func dualEncoderBuildsFromFacts() throws {
        let m = try build(tinyModel)
        let shapes = Dictionary(uniqueKeysWithValues: m.namedParameters().map { ($0.name, $0.tensor.shape) })
        #expect(shapes["visual.positional_embedding"] == [5, 16])       // (8/4)² + 1
        #expect(shapes["visual.proj"] == [16, 16])
        #expect(shapes["token_embedding.weight"] == [30, 16])
        #expect(shapes["positional_embedding"] == [5, 16])
        #expect(shapes["text_projection"] == [16, 16])
        #expect(shapes["logit_scale"] == [])
        #expect(abs(Double(m.logitScale.item) - Foundation.log(1 / 0.07)) < 1e-6)
        let f = m.encodeText([[28, 3, 29, 0, 0]], normalize: true)
        #expect(f.shape == [1, 16])
    }

    @Test func recipeOverridesBeatFacts() throws {
        var v = withKey(tinyModel, ["image", "image_size"], .int(16))
        v = withKey(v, ["text", "context_length"], .int(7))
        v = withKey(v, ["logit_scale_init"], .double(1.5))
        let m = try build(v)
        #expect((m.visual as! VisionTransformer).positionalEmbedding.shape == [17, 16])
        #expect(m.text.contextLength == 7)
        #expect(m.logitScale.item == 1.5)
    }

    @Test func headsDefaultToWidthOverHeadWidth() throws {
        let v = withKey(withKey(tinyModel, ["image", "heads"], .null), ["image", "head_width"], .int(4))
        let m = try build(v)
        #expect((m.visual as! VisionTransformer).transformer.resblocks[0].attn.heads == 4)
    }

    @Test func quickGeluReachesBothTowers() throws {
        let m = try build(withKey(tinyModel, ["quick_gelu"], .bool(true)))
        #expect((m.visual as! VisionTransformer).transformer.resblocks[0].mlp.activation == .quickGelu)
        #expect((m.text as! TextTransformer).transformer.resblocks[0].mlp.activation == .quickGelu)
        let plain = try build(tinyModel)
        #expect((plain.text as! TextTransformer).transformer.resblocks[0].mlp.activation == .gelu)
    }

    @Test func seedIsReproducibleAndTowersDiffer() throws {
        let a = try build(tinyModel, seed: 3), b = try build(tinyModel, seed: 3), c = try build(tinyModel, seed: 4)
        #expect(zip(a.parameters(), b.parameters()).allSatisfy { $0.data == $1.data })
        #expect(a.parameter(named: "visual.proj")!.data != c.parameter(named: "visual.proj")!.data)
        // the two towers draw different streams
        #expect(a.parameter(named: "visual.transformer.resblocks.0.mlp.c_fc.bias")!.data
                != a.parameter(named: "transformer.resblocks.0.mlp.c_fc.bias")!.data)
    }

    @Test(arguments: [("image_size", "model.image.image_size"), ("vocab_size", "model.text.vocab_size"),
                      ("context_length", "model.text.context_length")])
    func missingFactIsAnErrorNamingTheKey(fact: String, path: String) {
        var f = facts
        f.removeValue(forKey: fact)
        do {
            _ = try build(tinyModel, facts: f)
            Issue.record("a missing \(fact) must throw")
        } catch let e as ComponentError {
            #expect(e.path == path)
            #expect(e.message.contains(fact))
        } catch { Issue.record("unexpected error \(error)") }
    }

    @Test(arguments: [(["image", "heads"], "model.image.heads"), (["text", "heads"], "model.text.heads"),
                      (["image", "patch_size"], "model.image.patch_size")])
    func indivisibleShapesAreErrorsNamingTheKey(key: [String], path: String) {
        do {
            _ = try build(withKey(tinyModel, key, .int(3)))
            Issue.record("an indivisible \(key) must throw")
        } catch let e as ComponentError {
            #expect(e.path == path)
        } catch { Issue.record("unexpected error \(error)") }
    }

    @Test func mismatchedEmbedDimIsAnError() {
        do {
            _ = try build(withKey(tinyModel, ["text", "embed_dim"], .int(12)))
            Issue.record("must throw")
        } catch let e as ComponentError {
            #expect(e.path == "model.text.embed_dim")
        } catch { Issue.record("unexpected error \(error)") }
    }

    @Test func towersInTheWrongRoleAreErrors() {
        let swapped = withKey(tinyModel, ["image"], .map(["type": .string("text-transformer"), "width": .int(16),
                                                         "layers": .int(1), "heads": .int(2)]))
        #expect(throws: ComponentError.self) { _ = try build(swapped) }
    }
}
